-- Youth-welfare case counts per Wohnort-Gemeinde × year × Kennzahl, from the pseudonymised case
-- records (working database only; disclosure control happens in intermediate/geheimhaltung).
--
-- Counting rules (one record = one Hilfe / assessment / measure, counted once per year):
--   Hilfen (§§ 27 Abs. 2, 28–35, 35a, 41): running at 31.12. of the year (begin month <= December,
--     no end or end after the year) plus ended in the year (end month in the year). A case that appears
--     in several annual exports is taken from the latest export that contains it (newest end date), and
--     it counts for a year only up to that export's year (an export only knows the state up to its own
--     year). Years = the export years delivered.
--   Hilfearten → Kennzahl: hze_eckwert = §§ 27 Abs. 2, 29–35 (without § 28);
--     hze_ambulant_eckwert = §§ 27 Abs. 2, 29, 30, 31, 32, 35 (ambulant und teilstationär);
--     hze_stationaer_eckwert = §§ 33, 34 (so ambulant + stationär = hze_eckwert);
--     erziehungsberatung_eckwert = § 28; eingliederungshilfe_35a_eckwert = § 35a; junge_volljaehrige_eckwert = § 41.
--   § 8a: assessments dated in the year → gefaehrdungseinschaetzungen_je_1000_u18; those with result
--     akut or latent → gefaehrdungen_akut_latent (numerator of anteil_akute_latente_gefaehrdung).
--   § 42: Inobhutnahmen begun in the year, § 42a (vorläufige Inobhutnahme) excluded.
--   Of the hze_eckwert cases (§§ 27 Abs. 2, 29–35, counted as above, flags of the newest record):
--     hze_mit_transferleistung = transferleistung 'j' (the family lives wholly or partly on transfer
--     payments), hze_alleinerziehend = alleinerziehend 'j' ('u' unbekannt counts in neither; the
--     numerators of hze_anteil_transferleistung and hze_anteil_alleinerziehend).
-- Every Gemeinde of the region gets a row for every year of a delivered export (count 0 when no case).
with gemeinden as (
    select ags from {{ ref('int_gebiet__gemeinden') }}
),

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

exporte as (
    select 'hilfen' as satzart, exportjahr as jahr, bool_or(ist_demodaten) as ist_demodaten
    from hilfen group by exportjahr
    union all
    select 'gefaehrdungen', exportjahr, bool_or(ist_demodaten) from gefaehrdungen group by exportjahr
    union all
    select 'inobhutnahmen', exportjahr, bool_or(ist_demodaten) from inobhutnahmen group by exportjahr
),

hilfen_neueste as (
    select * from hilfen
    qualify row_number() over (partition by fall_pseudonym order by exportjahr desc, geladen_am desc) = 1
),

hilfen_im_jahr as (
    select
        hilfen_neueste.wohnort_ags as ags,
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
    select ags, jahr, 'hze_mit_transferleistung' as kennzahl, fall_pseudonym
    from hilfen_im_jahr
    where kennzahl = 'hze_eckwert' and transferleistung = 'j'
    union all
    select ags, jahr, 'hze_alleinerziehend', fall_pseudonym
    from hilfen_im_jahr
    where kennzahl = 'hze_eckwert' and alleinerziehend = 'j'
),

gefaehrdungen_neueste as (
    select * from gefaehrdungen
    qualify row_number() over (partition by fall_pseudonym order by exportjahr desc, geladen_am desc) = 1
),

gefaehrdungen_im_jahr as (
    select wohnort_ags as ags, cast(year(datum) as integer) as jahr,
        'gefaehrdungseinschaetzungen_je_1000_u18' as kennzahl, fall_pseudonym
    from gefaehrdungen_neueste
    union all
    select wohnort_ags, cast(year(datum) as integer), 'gefaehrdungen_akut_latent', fall_pseudonym
    from gefaehrdungen_neueste
    where ergebnis in ('akut', 'latent')
),

inobhutnahmen_neueste as (
    select * from inobhutnahmen
    qualify row_number() over (partition by fall_pseudonym order by exportjahr desc, geladen_am desc) = 1
),

inobhutnahmen_im_jahr as (
    select wohnort_ags as ags, cast(year(beginn) as integer) as jahr,
        'inobhutnahmen_je_1000_u18' as kennzahl, fall_pseudonym
    from inobhutnahmen_neueste
    where paragraph = '42'
),

faelle as (
    select ags, jahr, kennzahl, fall_pseudonym from hilfen_im_jahr
    union all
    select * from hze_merkmale
    union all
    select * from gefaehrdungen_im_jahr
    union all
    select * from inobhutnahmen_im_jahr
),

anzahlen as (
    select ags, jahr, kennzahl, count(distinct fall_pseudonym) as anzahl
    from faelle
    group by ags, jahr, kennzahl
),

raster as (
    select gemeinden.ags, exporte.jahr, kennzahlen.kennzahl, kennzahlen.satzart, exporte.ist_demodaten
    from exporte
    inner join kennzahlen on exporte.satzart = kennzahlen.satzart
    cross join gemeinden
),

final as (
    select
        raster.ags,
        raster.jahr,
        raster.kennzahl,
        cast(coalesce(anzahlen.anzahl, 0) as bigint) as anzahl,
        'Jugendamt, Fachverfahren (Fallexport '
            || case raster.satzart when 'hilfen' then 'Hilfen' when 'gefaehrdungen' then '§ 8a' else '§ 42' end
            || ' ' || raster.jahr || ')'
            || case when raster.ist_demodaten then ', Demodaten' else '' end as quelle,
        raster.ist_demodaten
    from raster
    left join anzahlen
        on raster.ags = anzahlen.ags
        and raster.jahr = anzahlen.jahr
        and raster.kennzahl = anzahlen.kennzahl
)

select * from final
