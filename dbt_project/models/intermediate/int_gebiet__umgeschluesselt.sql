-- Per target area (Gemeinde AGS or Kreis key) and year: whether any GENESIS value of that year was
-- converted to the target Gebietsstand (not the delivered value of the same area).
with zeilen as (
    {% for modell in ['int_genesis__bevoelkerung', 'int_genesis__bevoelkerung_altersgruppen',
                      'int_genesis__wanderungen', 'int_genesis__beschaeftigte_wohnort',
                      'int_genesis__arbeitslose'] %}
    select ags, jahr, ist_umgeschluesselt from {{ ref(modell) }} where gebiet_ebene in ('gemeinde', 'kreis')
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select ags, jahr, bool_or(ist_umgeschluesselt) as ist_umgeschluesselt
from zeilen
group by ags, jahr
