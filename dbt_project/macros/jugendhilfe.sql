{#- The youth-welfare cases per year and Kennzahl as CTEs (hilfen … exporte, kennzahlen, faelle), the counting
    rules of int_jugendhilfe__fallzahlen (see its header) in one place: int_jugendhilfe__fallzahlen counts them per
    Gemeinde, int_jugendhilfe__ortsteil_fallzahlen per Ortsteil. `faelle`: satzart, ags (Wohnort), ortsteil
    (wohnort_ortsteil, NULL without the key), jahr, kennzahl, fall_pseudonym (one row per case counted). -#}
{% macro jugendhilfe_faelle() -%}
hilfen as (
    select * from {{ ref('stg_jugendhilfe__hilfen') }}
),

gefaehrdungen as (
    select * from {{ ref('stg_jugendhilfe__gefaehrdungen') }}
),

inobhutnahmen as (
    select * from {{ ref('stg_jugendhilfe__inobhutnahmen') }}
),

hilfearten as (
    select * from (values
        ('27_2', 'hze_eckwert'), ('29', 'hze_eckwert'), ('30', 'hze_eckwert'), ('31', 'hze_eckwert'),
        ('32', 'hze_eckwert'), ('33', 'hze_eckwert'), ('34', 'hze_eckwert'), ('35', 'hze_eckwert'),
        ('27_2', 'hze_ambulant_eckwert'), ('29', 'hze_ambulant_eckwert'), ('30', 'hze_ambulant_eckwert'),
        ('31', 'hze_ambulant_eckwert'), ('32', 'hze_ambulant_eckwert'), ('35', 'hze_ambulant_eckwert'),
        ('33', 'hze_stationaer_eckwert'), ('34', 'hze_stationaer_eckwert'),
        ('28', 'erziehungsberatung_eckwert'),
        ('35a', 'eingliederungshilfe_35a_eckwert'),
        ('41', 'junge_volljaehrige_eckwert')
    ) as h (hilfeart, kennzahl)
),

-- which Kennzahlen each record type yields (for the zero rows)
kennzahlen as (
    select distinct 'hilfen' as satzart, kennzahl from hilfearten
    union all
    select * from (values
        ('hilfen', 'hze_mit_transferleistung'),
        ('hilfen', 'hze_alleinerziehend'),
        ('gefaehrdungen', 'gefaehrdungseinschaetzungen_je_1000_u18'),
        ('gefaehrdungen', 'gefaehrdungen_akut_latent'),
        ('inobhutnahmen', 'inobhutnahmen_je_1000_u18')
    ) as k (satzart, kennzahl)
),

exporte_je_jahr as (
    select 'hilfen' as satzart, exportjahr as jahr, bool_or(ist_demodaten) as ist_demodaten
    from hilfen group by exportjahr
    union all
    select 'gefaehrdungen', exportjahr, bool_or(ist_demodaten) from gefaehrdungen group by exportjahr
    union all
    select 'inobhutnahmen', exportjahr, bool_or(ist_demodaten) from inobhutnahmen group by exportjahr
),

-- the delivered exports, with the source label of every count taken from them
exporte as (
    select
        satzart,
        jahr,
        ist_demodaten,
        'Jugendamt, Fachverfahren (Fallexport '
        || case satzart when 'hilfen' then 'Hilfen' when 'gefaehrdungen' then '§ 8a' else '§ 42' end
        || ' ' || jahr || ')'
        || case when ist_demodaten then ', Demodaten' else '' end as quelle
    from exporte_je_jahr
),

hilfen_neueste as ({{ neuester_stand('hilfen') }}),

hilfen_im_jahr as (
    select
        'hilfen' as satzart,
        hilfen_neueste.wohnort_ags as ags,
        hilfen_neueste.wohnort_ortsteil as ortsteil,
        exporte.jahr,
        hilfearten.kennzahl,
        hilfen_neueste.fall_pseudonym,
        hilfen_neueste.transferleistung,
        hilfen_neueste.alleinerziehend
    from hilfen_neueste
    inner join exporte
        on exporte.satzart = 'hilfen'
        and hilfen_neueste.exportjahr >= exporte.jahr
        and hilfen_neueste.beginn <= make_date(exporte.jahr, 12, 31)
        and (hilfen_neueste.ende is null or hilfen_neueste.ende >= make_date(exporte.jahr, 1, 1))
    inner join hilfearten on hilfen_neueste.hilfeart = hilfearten.hilfeart
),

hze_merkmale as (
    select satzart, ags, ortsteil, jahr, 'hze_mit_transferleistung' as kennzahl, fall_pseudonym
    from hilfen_im_jahr
    where kennzahl = 'hze_eckwert' and transferleistung = 'j'
    union all
    select satzart, ags, ortsteil, jahr, 'hze_alleinerziehend', fall_pseudonym
    from hilfen_im_jahr
    where kennzahl = 'hze_eckwert' and alleinerziehend = 'j'
),

gefaehrdungen_neueste as ({{ neuester_stand('gefaehrdungen') }}),

gefaehrdungen_im_jahr as (
    select 'gefaehrdungen' as satzart, wohnort_ags as ags, wohnort_ortsteil as ortsteil,
        cast(year(datum) as integer) as jahr, 'gefaehrdungseinschaetzungen_je_1000_u18' as kennzahl, fall_pseudonym
    from gefaehrdungen_neueste
    union all
    select 'gefaehrdungen', wohnort_ags, wohnort_ortsteil, cast(year(datum) as integer), 'gefaehrdungen_akut_latent',
        fall_pseudonym
    from gefaehrdungen_neueste
    where ergebnis in ('akut', 'latent')
),

inobhutnahmen_neueste as ({{ neuester_stand('inobhutnahmen') }}),

inobhutnahmen_im_jahr as (
    select 'inobhutnahmen' as satzart, wohnort_ags as ags, wohnort_ortsteil as ortsteil,
        cast(year(beginn) as integer) as jahr, 'inobhutnahmen_je_1000_u18' as kennzahl, fall_pseudonym
    from inobhutnahmen_neueste
    where paragraph = '42'
),

faelle as (
    select satzart, ags, ortsteil, jahr, kennzahl, fall_pseudonym from hilfen_im_jahr
    union all
    select * from hze_merkmale
    union all
    select * from gefaehrdungen_im_jahr
    union all
    select * from inobhutnahmen_im_jahr
)
{%- endmacro %}


{#- The newest record of every case: from the latest export that contains it (then the latest load). -#}
{% macro neuester_stand(satzart) -%}
    select * from {{ satzart }}
    qualify row_number() over (partition by fall_pseudonym order by exportjahr desc, geladen_am desc) = 1
{%- endmacro %}

{#- The counts of `anzahlen` (key = spalten[0], jahr, kennzahl) on the full grid `raster` (0 where no case),
    with the grid's export label and demo flag: the `final` of the two youth-welfare count models. -#}
{% macro fallzahlen_im_raster(spalten) -%}
    select
        {%- for spalte in spalten %}
        raster.{{ spalte }},
        {%- endfor %}
        raster.jahr,
        raster.kennzahl,
        cast(coalesce(anzahlen.anzahl, 0) as bigint) as anzahl,
        raster.quelle,
        raster.ist_demodaten
    from raster
    left join anzahlen
        on raster.{{ spalten[0] }} = anzahlen.{{ spalten[0] }}
        and raster.jahr = anzahlen.jahr
        and raster.kennzahl = anzahlen.kennzahl
{%- endmacro %}
