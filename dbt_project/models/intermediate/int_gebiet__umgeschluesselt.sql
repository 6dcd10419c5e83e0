-- Per target area (Gemeinde AGS or Kreis key) and year: whether any GENESIS value of that year was
-- converted to the target Gebietsstand (not the delivered value of the same area).
with zeilen as (
    select ags, jahr, ist_umgeschluesselt from {{ ref('int_genesis__werte') }}
    where gebiet_ebene in ('gemeinde', 'kreis')
)

select ags, jahr, bool_or(ist_umgeschluesselt) as ist_umgeschluesselt
from zeilen
group by ags, jahr
