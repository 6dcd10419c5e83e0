-- Indicator of commuting, per Gemeinde and year (contract columns):
--   pendlersaldo_je_100  (SvB am Arbeitsort − SvB am Wohnort) / SvB am Arbeitsort, both at the same 30.06.
-- SvB am Arbeitsort − SvB am Wohnort = Einpendler − Auspendler über die Gemeindegrenze (those who live
-- and work in the Gemeinde count on both sides). Arbeitsort from 13111-01-03-5, else from the Arbeitsort
-- column of 13111-08-02-5; Wohnort from 13111-02-02-5, else from the Wohnort column of 13111-08-02-5 (same
-- Stichtag). No row without both sides; a suppressed side makes the balance suppressed (NULL + flag).
with
{% for seite in ['arbeitsort', 'wohnort'] %}
{{ seite }} as (
    select * from (
        select ags, jahr, stichtag, beschaeftigte, ist_unterdrueckt, tabelle, zeit, ist_demodaten, 1 as prioritaet
        from {{ ref('int_genesis__beschaeftigte_' ~ seite) }}
        where {{ ist_indikator_gebiet() }} and nationalitaet = 'insgesamt' and geschlecht = 'insgesamt'
        union all
        select ags, jahr, stichtag, anzahl, ist_unterdrueckt, tabelle, zeit, ist_demodaten, 2 as prioritaet
        from {{ ref('int_genesis__pendler') }}
        where {{ ist_indikator_gebiet() }} and groesse = 'beschaeftigte_{{ seite }}'
    ) as quellen
    qualify row_number() over (partition by ags, stichtag order by prioritaet) = 1
),
{% endfor %}

final as (
    select
        arbeitsort.ags,
        arbeitsort.jahr,
        'pendlersaldo_je_100' as indikator_id,
        arbeitsort.beschaeftigte - wohnort.beschaeftigte as zaehler,
        arbeitsort.beschaeftigte as nenner,
        arbeitsort.ist_unterdrueckt or wohnort.ist_unterdrueckt as zaehler_unterdrueckt,
        arbeitsort.ist_unterdrueckt as nenner_unterdrueckt,
        {{ genesis_quelle('arbeitsort.tabelle', 'arbeitsort.zeit', 'arbeitsort.ist_demodaten') }} || '; '
            || {{ genesis_quelle('wohnort.tabelle', 'wohnort.zeit', 'wohnort.ist_demodaten') }} as quelle,
        {{ genesis_quelle('arbeitsort.tabelle', 'arbeitsort.zeit', 'arbeitsort.ist_demodaten') }} as nenner_quelle,
        arbeitsort.ist_demodaten or wohnort.ist_demodaten as ist_demodaten
    from arbeitsort
    inner join wohnort on arbeitsort.ags = wohnort.ags and arbeitsort.stichtag = wohnort.stichtag
)

select * from final
