-- The region of this run: AGS prefix, name and the requested target Gebietsstand (NULL: the newest
-- key available) (one row, latest load).
with source as (
    {{ aktuelles_profil('region__profil') }}
),

renamed as (
    select
        coalesce(case when region_ags = 'DG' then '' else region_ags end, '') as region_ags,
        region_name,
        gebietsstand
    from source
)

select * from renamed
