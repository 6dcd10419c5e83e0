-- The comparison areas of the region: its Land and Germany (Bund), with the names of the delivered
-- GENESIS rows (latest year). gebiet_id = Land code ('06') or 'DG'.
with zeilen as (
    select gebiet_ebene, ags, gebiet_name, jahr
    from {{ ref('int_genesis__werte') }}
    where gebiet_ebene in ('land', 'bund')
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
