-- One row per indicator in the mart: its catalogue source, first and latest year and the global demo
-- flag. The publication status (Datenstand, deliveries, stale families) is only known when the file is
-- published (mart.publikation_status, written by the publisher after dbt): the Superset dataset
-- "publikation" adds it to these rows.
with jahre as (
    select indikator_id, min(jahr) as erstes_jahr, max(jahr) as letztes_jahr
    from {{ ref('sozialraum_indikatoren') }} group by indikator_id
),

demo as (
    select coalesce(bool_or(ist_demodaten), false) as demodaten from {{ ref('sozialraum_indikatoren') }}
)

select
    case when demo.demodaten
         then '⚠ DEMODATEN – synthetische Lieferungen, keine amtlichen Werte'
         else 'Amtliche Lieferungen' end as hinweis,
    s.indikator_id,
    coalesce(i.quelle, s.indikator_id) as quelle,
    s.erstes_jahr,
    s.letztes_jahr,
    demo.demodaten
from jahre as s
left join {{ ref('indikatoren') }} as i on i.indikator_id = s.indikator_id
cross join demo
