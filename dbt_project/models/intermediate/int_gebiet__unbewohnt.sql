-- Uninhabited areas of the region on the target Gebietsstand (gemeindefreie Gebiete such as forests
-- and lakes: 03159501 Harz, 03151501 Giebel): 8-digit keys whose population is 0 at every delivered
-- date. They are not Gemeinden (no indicator rows, never a Gemeinde with 0 residents); dim_gebiet lists
-- them with their type.
with bevoelkerung as (
    select ags, gebiet_name, jahr, einwohner
    from {{ ref('int_genesis__bevoelkerung') }}
    where gebiet_ebene = 'gemeinde' and geschlecht = 'insgesamt'
        and starts_with(ags, (select profil.region_ags from {{ ref('stg_region__profil') }} as profil))
),

final as (
    select
        ags,
        arg_max(gebiet_name, jahr) as gebiet_name,
        left(ags, 5) as kreis_ags,
        'gemeindefreies Gebiet (unbewohnt)' as gebiet_typ
    from bevoelkerung
    group by ags
    having coalesce(max(einwohner), 0) = 0 and count(einwohner) > 0
)

select * from final
