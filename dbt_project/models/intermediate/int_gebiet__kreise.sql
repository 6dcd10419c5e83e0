-- Kreise of the region (first 5 digits of the Gemeinde AGS) with their name: from the Kreis row of
-- the latest delivered GENESIS table; else the profile name when the region is exactly this Kreis.
with gemeinden as (
    select distinct kreis_ags from {{ ref('int_gebiet__gemeinden') }}
),

profil as (
    select region_ags, region_name from {{ ref('stg_region__profil') }}
),

tabellen as (
    select distinct ags, gebiet_name, stand, jahr from {{ ref('int_genesis__werte') }} where gebiet_ebene = 'kreis'
),

namen as (
    select ags as kreis_ags, gebiet_name
    from tabellen
    qualify row_number() over (partition by ags order by stand desc, jahr desc, gebiet_name asc) = 1
),

final as (
    select
        gemeinden.kreis_ags,
        coalesce(
            namen.gebiet_name,
            case when profil.region_ags = gemeinden.kreis_ags then profil.region_name end,
            'Kreis ' || gemeinden.kreis_ags
        ) as kreis_name
    from gemeinden
    left join namen on gemeinden.kreis_ags = namen.kreis_ags
    left join profil on true
)

select * from final
