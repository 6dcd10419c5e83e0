-- Gemeinden of the region profile with master data (latest load of the profile).
with source as (
    select * from {{ source('region', 'region__gemeinden') }}
    qualify geladen_am = max(geladen_am) over ()
),

renamed as (
    select
        cast(ags as varchar) as ags,
        nullif(trim(gemeinde_name), '') as gemeinde_name,
        cast(flaeche_km2 as double) as flaeche_km2,
        cast(laengengrad as double) as laengengrad,
        cast(breitengrad as double) as breitengrad,
        datei,
        sha256,
        geladen_am
    from source
)

select * from renamed
