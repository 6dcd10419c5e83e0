{#-
    Shared building blocks of the indicator intermediates (int_indikatoren__*).

    nenner_stichtag(regel, jahr, stichtag): the population reference date of a denominator, from the
    catalogue's `stichtagsregel` (seeds/catalogue/indikatoren.csv) — the rule lives in the catalogue,
    not in the models:
      stichtag_gleich  -> the numerator's own stichtag (stock at 31.12. / population at the same 31.12.)
      vorjahr_31_12    -> 31.12. of the year before the numerator's year (annual average, annual sum,
                          30.06. stock)
      anything else    -> NULL (no population denominator: `keine`, `gleiche_tabelle`)

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

{#- Source label of a GENESIS value: "GENESIS 12411-02-03-5 (31.12.2015)", ", Demodaten" appended for synthetic files. -#}
{% macro genesis_quelle(tabelle, zeit, ist_demodaten) -%}
    'GENESIS ' || {{ tabelle }} || ' (' || {{ zeit }} || ')'
        || case when {{ ist_demodaten }} then ', Demodaten' else '' end
{%- endmacro %}
