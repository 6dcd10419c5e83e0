-- Gemeinden of the region profile with master data (latest load of the profile).
with source as (
    {{ aktuelles_profil('region__gemeinden') }}
),

renamed as (
    select
        cast(ags as varchar) as ags,
        nullif(trim(gemeinde_name), '') as gemeinde_name,
        cast(flaeche_km2 as double) as flaeche_km2,
        cast(laengengrad as double) as laengengrad,
        cast(breitengrad as double) as breitengrad,
        {{ profil_herkunft() }}
    from source
)

select * from renamed
