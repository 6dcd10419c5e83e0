-- Gemeinden of the region on the target Gebietsstand: every 8-digit Gemeinde of the region's AGS prefix
-- that appears in a delivered GENESIS table (converted: int_genesis__*), the region profile or a
-- Melderegister extract. Uninhabited gemeindefreie Gebiete (int_gebiet__unbewohnt) are not Gemeinden.
-- Name: from the latest delivered table (latest stand, then latest year); the profile's name only
-- when no table has the Gemeinde. Master data (area, centroid) from the region profile.
-- Kreis = first 5 digits of the AGS.
with profil as (
    select region_ags from {{ ref('stg_region__profil') }}
),

tabellen as (
    select distinct ags, gebiet_name, stand, jahr from {{ ref('int_genesis__werte') }}
    where gebiet_ebene = 'gemeinde' and starts_with(ags, (select profil.region_ags from profil))
),

namen_aus_tabellen as (
    select ags, gebiet_name
    from tabellen
    qualify row_number() over (partition by ags order by stand desc, jahr desc, gebiet_name asc) = 1
),

profil_gemeinden as (
    select * from {{ ref('stg_region__gemeinden') }}
),

melderegister as (
    select distinct einwohner.ags
    from {{ ref('int_melderegister__einwohner') }} as einwohner
    cross join profil
    where starts_with(einwohner.ags, profil.region_ags)
),

alle as (
    select ags from namen_aus_tabellen
    union
    select ags from profil_gemeinden
    union
    select ags from melderegister
    except
    select ags from {{ ref('int_gebiet__unbewohnt') }}
),

final as (
    select
        alle.ags,
        coalesce(namen_aus_tabellen.gebiet_name, profil_gemeinden.gemeinde_name, alle.ags) as gemeinde_name,
        left(alle.ags, 5) as kreis_ags,
        profil_gemeinden.flaeche_km2,
        profil_gemeinden.laengengrad,
        profil_gemeinden.breitengrad,
        namen_aus_tabellen.ags is not null as ist_in_tabellen,
        profil_gemeinden.ags is not null as ist_im_profil
    from alle
    left join namen_aus_tabellen on alle.ags = namen_aus_tabellen.ags
    left join profil_gemeinden on alle.ags = profil_gemeinden.ags
)

select * from final
