-- The comparison areas of the region: its Land and Germany (Bund), with the names of the delivered
-- GENESIS rows (latest year). gebiet_id = Land code ('06') or 'DG'.
with zeilen as (
    {% for modell in ['int_genesis__bevoelkerung', 'int_genesis__bevoelkerung_altersgruppen',
                      'int_genesis__wanderungen', 'int_genesis__beschaeftigte_wohnort',
                      'int_genesis__arbeitslose'] %}
    select gebiet_ebene, ags, gebiet_name, jahr from {{ ref(modell) }} where gebiet_ebene in ('land', 'bund')
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        gebiet_ebene,
        ags as gebiet_id,
        arg_max(gebiet_name, jahr) as gebiet_name
    from zeilen
    group by gebiet_ebene, ags
)

select * from final
