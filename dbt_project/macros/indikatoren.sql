{#-
    Shared building blocks of the indicator intermediates (int_indikatoren__*).

    nenner_stichtag(regel, jahr, stichtag): the population reference date of a denominator, from the
    catalogue's `stichtagsregel` (seeds/catalogue/indikatoren.csv) — the rule lives in the catalogue,
    not in the models:
      stichtag_gleich  -> the numerator's own stichtag (stock at 31.12. / population at the same 31.12.)
      vorjahr_31_12    -> 31.12. of the year before the numerator's year (annual average, annual sum,
                          30.06. stock)
      jahresende_gleich -> 31.12. of the numerator's own year (a 30.06. stock divided by the population
                          at the end of the same year)
      anything else    -> NULL (no population denominator: `keine`, `gleiche_tabelle`, `gleicher_stichtag`)

    mit_bevoelkerungsnenner(zaehler): turns a relation/CTE of numerators into the contract columns of
    int_indikatoren__gemeinde by joining the population band named in `nenner_band` at the date the
    catalogue rule gives. Inner join: no denominator delivered for that date -> no row.
    Expected numerator columns: ags, jahr, stichtag (DATE or NULL), indikator_id, nenner_band,
    zaehler, zaehler_unterdrueckt, quelle, ist_demodaten.
    Other families (SGB II, Grundsicherung, Jugendhilfe) can use it for their population-based rates.
-#}

{% macro nenner_stichtag(regel, jahr, stichtag) -%}
    case {{ regel }}
        when 'stichtag_gleich' then cast({{ stichtag }} as date)
        when 'vorjahr_31_12' then make_date(cast({{ jahr }} as integer) - 1, 12, 31)
        when 'jahresende_gleich' then make_date(cast({{ jahr }} as integer), 12, 31)
    end
{%- endmacro %}

{% macro mit_bevoelkerungsnenner(zaehler) -%}
    select
        zaehler_zeilen.ags,
        cast(zaehler_zeilen.jahr as integer) as jahr,
        zaehler_zeilen.indikator_id,
        cast(zaehler_zeilen.zaehler as double) as zaehler,
        cast(baender.einwohner as double) as nenner,
        zaehler_zeilen.zaehler_unterdrueckt,
        baender.ist_unterdrueckt as nenner_unterdrueckt,
        zaehler_zeilen.quelle,
        baender.nenner_quelle,
        (zaehler_zeilen.ist_demodaten or baender.ist_demodaten) as ist_demodaten
    from {{ zaehler }} as zaehler_zeilen
    inner join {{ ref('indikatoren') }} as katalog
        on zaehler_zeilen.indikator_id = katalog.indikator_id
    inner join {{ ref('int_bevoelkerung__altersbaender') }} as baender
        on zaehler_zeilen.ags = baender.ags
        and zaehler_zeilen.nenner_band = baender.altersband
        and baender.stichtag = {{ nenner_stichtag('katalog.stichtagsregel', 'zaehler_zeilen.jahr', 'zaehler_zeilen.stichtag') }}
{%- endmacro %}

{#- The value columns of an area summed from its Gemeinden (inside `group by` area, period, indicator):
    Σ zaehler and Σ nenner, NULL with ist_unterdrueckt when any part is suppressed (never a partial sum);
    the sources, demo and conversion flags of all parts; the number of Gemeinden summed (of members: a
    Sozialraum with Ortsteile of a split Gemeinde counts those too). `weitere`: further
    aggregate columns, placed after ist_unterdrueckt. The sources are joined by `quellen`. -#}
{% macro summe_ueber_gemeinden(weitere=[]) -%}
    case when bool_or(zaehler_unterdrueckt) then null else sum(zaehler) end as zaehler,
        case when bool_or(nenner_unterdrueckt) then null else sum(nenner) end as nenner,
        bool_or(zaehler_unterdrueckt or nenner_unterdrueckt) as ist_unterdrueckt,
        {%- for spalte in weitere %}
        {{ spalte }},
        {%- endfor %}
        {{ quellen('quelle') }} as quelle,
        {{ quellen('nenner_quelle') }} as nenner_quelle,
        bool_or(ist_demodaten) as ist_demodaten,
        bool_or(ist_umgeschluesselt) as ist_umgeschluesselt,
        count(*) as anzahl_gemeinden
{%- endmacro %}

{#- The distinct non-NULL values of `spalte` in the group, sorted, joined by '; ' (NULL when there is none): what
    string_agg(distinct … order by …) gives, as a list; DuckDB's distinct aggregate kept a hash table per group
    (Germany-wide ~420,000 groups, most of one Gemeinde: int_indikatoren__aggregiert 3.2 s against 1.05 s). -#}
{% macro quellen(spalte) -%}
    case when count({{ spalte }}) > 0 then array_to_string(list_sort(list_distinct(list({{ spalte }}))), '; ') end
{%- endmacro %}

{#- The rows of `zeilen` (output of summe_ueber_gemeinden per area and `periode`), where a Kreis whose Gemeinde
    sum is suppressed by the source takes the Kreis total the source publishes itself (`kreiswerte`: kreis_ags,
    `periode`, indikator_id, zaehler, nenner — NULL nenner: keep the sum of the Gemeinden, e.g. a population),
    and says so in `quelle`. The BA prints its Kreis row although it suppresses single Gemeinden (`*`); the
    Sozialräume have no such row and stay suppressed. Used by the annual and the monthly aggregation. -#}
{% macro mit_kreissumme_der_quelle(zeilen, kreiswerte, periode) -%}
    select
        {{ zeilen }}.* replace (
            coalesce({{ zeilen }}.zaehler, kreiswerte.zaehler) as zaehler,
            coalesce({{ zeilen }}.nenner, kreiswerte.nenner) as nenner,
            {{ zeilen }}.ist_unterdrueckt and (
                kreiswerte.zaehler is null
                or coalesce({{ zeilen }}.nenner, kreiswerte.nenner) is null
            ) as ist_unterdrueckt,
            {{ zeilen }}.quelle || case
                when {{ zeilen }}.zaehler is null and kreiswerte.zaehler is not null
                    then ' (Kreiswert: Kreissumme der Quelle)'
                else ''
            end as quelle
        )
    from {{ zeilen }}
    left join {{ kreiswerte }} as kreiswerte
        on {{ zeilen }}.gebiet_ebene = 'kreis'
        and {{ zeilen }}.gebiet_id = kreiswerte.kreis_ags
        and {{ zeilen }}.{{ periode }} = kreiswerte.{{ periode }}
        and {{ zeilen }}.indikator_id = kreiswerte.indikator_id
{%- endmacro %}

{#- Join condition: the row `zeile` (columns ags, jahr) and the Sozialraum cut (int_gebiet__zuordnung, alias
    `zuordnung`, or another relation with ags, gueltig_ab, gueltig_bis) valid in its year: a re-cut keeps
    earlier years on the earlier cut. -#}
{% macro zuordnung_im_jahr(zeile, zuordnung='zuordnung') -%}
    {{ zeile }}.ags = {{ zuordnung }}.ags
    and {{ zeile }}.jahr between coalesce({{ zuordnung }}.gueltig_ab, 0) and coalesce({{ zuordnung }}.gueltig_bis, 9999)
{%- endmacro %}

{#- The area joins of an indicator row `zeile` (ags, jahr): its Sozialraum cut of the year (`zuordnung`) and
    whether its values were converted to the target Gebietsstand (`umgeschluesselt`). -#}
{% macro gebiet_im_jahr(zeile) -%}
    inner join {{ ref('int_gebiet__zuordnung') }} as zuordnung
        on {{ zuordnung_im_jahr(zeile) }}
    left join {{ ref('int_gebiet__umgeschluesselt') }} as umgeschluesselt
        on {{ zeile }}.ags = umgeschluesselt.ags and {{ zeile }}.jahr = umgeschluesselt.jahr
{%- endmacro %}

{#- Source label of a delivery at a reference date: "<art> (31.12.2015)", ", Demodaten" appended for
    synthetic data. -#}
{% macro quelle_am(art, stichtag, ist_demodaten) -%}
    {{ art }} || ' (' || strftime({{ stichtag }}, '%d.%m.%Y') || ')'
        || case when {{ ist_demodaten }} then ', Demodaten' else '' end
{%- endmacro %}

{#- Source label of a GENESIS value: "GENESIS 12411-02-03-5 (31.12.2015)", ", Demodaten" appended for
    synthetic files. -#}
{% macro genesis_quelle(tabelle, zeit, ist_demodaten) -%}
    'GENESIS ' || {{ tabelle }} || ' (' || {{ zeit }} || ')'
        || case when {{ ist_demodaten }} then ', Demodaten' else '' end
{%- endmacro %}


{#- The GENESIS rows the indicator models compute on: the Gemeinden of the region (converted to the
    target Gebietsstand: int_gebiet__gemeinden) and the delivered Land and Bund rows (ags = Land code / 'DG'), so that every indicator
    formula is written once and gives the official comparison values as well. int_indikatoren__gemeinde
    keeps the Gemeinden, int_indikatoren__vergleich the Land and Bund rows. -#}
{% macro ist_indikator_gebiet(gebiet_ebene='gebiet_ebene', ags='ags') -%}
    ({{ gebiet_ebene }} in ('land', 'bund')
        or {{ gebiet_ebene }} = 'gemeinde' and {{ ags }} in (select ags from {{ ref('int_gebiet__gemeinden') }}))
{%- endmacro %}

{#- Land and Bund rows carry their code in `ags`: 'DG' or two digits. -#}
{% macro ist_vergleichsgebiet(ags='ags') -%}
    ({{ ags }} = 'DG' or length({{ ags }}) = 2)
{%- endmacro %}


{#-
    indikatoren_vereinigt(bedingung): the union of the family models in the contract columns of
    int_indikatoren__gemeinde, restricted to the rows satisfying `bedingung` (SQL on `ags`).

    TO ADD A FAMILY (SGB II, Jugendhilfe, Grundsicherung, …): build an intermediate model that
    returns exactly the columns below (use macro mit_bevoelkerungsnenner for population-based rates)
    and append ONE line `ref('int_indikatoren__<family>'),` to the list `familien`. Its indicator
    ids must be rows of seeds/catalogue/indikatoren.csv (tested by a relationships test).
-#}
{% macro indikatoren_vereinigt(bedingung) -%}
{%- set familien = [
    ref('int_indikatoren__bevoelkerung'),
    ref('int_indikatoren__durchschnittsalter'),
    ref('int_indikatoren__arbeitsmarkt'),
    ref('int_indikatoren__pendler'),
    ref('int_indikatoren__wanderung'),
    ref('int_indikatoren__sgb2'),
    ref('int_indikatoren__grundsicherung'),
    ref('int_indikatoren__jugendhilfe'),
    ref('int_indikatoren__melderegister'),
    ref('int_indikatoren__wohngeld'),
    ref('int_indikatoren__mindestsicherung'),
    ref('int_indikatoren__einrichtungen'),
] -%}
{%- set spalten = {
    'ags': 'varchar', 'jahr': 'integer', 'indikator_id': 'varchar', 'zaehler': 'double', 'nenner': 'double',
    'zaehler_unterdrueckt': 'boolean', 'nenner_unterdrueckt': 'boolean', 'quelle': 'varchar',
    'nenner_quelle': 'varchar', 'ist_demodaten': 'boolean',
} -%}
with vereinigt as (
    {% for familie in familien %}
    select {{ spalten.keys() | join(', ') }} from {{ familie }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ gecastet(spalten) }}
    from vereinigt
    where {{ bedingung }}
)

select * from final
{%- endmacro %}

{#- Rank of an area level from small to large, for the catalogue's `niedrigste_ebene` (an indicator is
    published at its lowest allowed level and above; Land and Bund are comparison rows above every
    level of the region). -#}
{% macro ebene_rang(ebene) -%}
    case {{ ebene }}
        when 'ortsteil' then 1
        when 'gemeinde' then 2
        when 'sozialraum' then 3
        when 'kreis' then 4
        else 5
    end
{%- endmacro %}


{#- Denominators per Ortsteil: the Melderegister residents (int_melderegister__ortsteil_einwohner, 31.12.) of each
    Ortsteil in the age band of each indicator of `baender` (indikator_id, alter_von, alter_bis: von ≤ alter < bis).
    Columns ortsteil_id, jahr, stichtag, indikator_id, nenner, ist_demodaten. -#}
{% macro ortsteil_nenner(baender) -%}
    select
        einwohner.ortsteil_id,
        cast(year(einwohner.stichtag) as integer) as jahr,
        einwohner.stichtag,
        baender.indikator_id,
        sum(einwohner.einwohner) as nenner,
        bool_or(coalesce(einwohner.ist_demodaten, false)) as ist_demodaten
    from {{ ref('int_melderegister__ortsteil_einwohner') }} as einwohner
    inner join {{ baender }} as baender
        on einwohner.alter >= baender.alter_von and einwohner.alter < baender.alter_bis
    group by all
{%- endmacro %}


{#- The nationality sums of Melderegister rows (`einwohner` rows with staatsangehoerigkeit, alter, einwohner):
    auslaendisch, mit_angabe and the same for residents under 18. Nationality (Destatis code): 000 = deutsch (also
    Germans with a further nationality); every other code is foreign, staatenlos (997) and ungeklärt (998)
    included, as in the official Ausländer figures; 999 (ohne Angabe) counts in neither numerator nor
    denominator. -#}
{% macro staatsangehoerigkeit_summen(e='einwohner') -%}
    {%- for suffix, bedingung in [('', 'true'), ('_unter_18', e ~ '.alter < 18')] %}
        coalesce(sum({{ e }}.einwohner) filter (
            where {{ bedingung }} and {{ e }}.staatsangehoerigkeit not in ('000', '999')), 0) as auslaendisch{{ suffix }},
        coalesce(sum({{ e }}.einwohner) filter (
            where {{ bedingung }} and {{ e }}.staatsangehoerigkeit <> '999'), 0) as mit_angabe{{ suffix }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
