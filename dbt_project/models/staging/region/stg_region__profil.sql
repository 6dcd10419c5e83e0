-- The region of this run: AGS prefix and name (one row, latest load).
with source as (
    select * from {{ source('region', 'region__profil') }}
    qualify geladen_am = max(geladen_am) over ()
),

renamed as (
    select
        coalesce(case when region_ags = 'DG' then '' else region_ags end, '') as region_ags,
        region_name
    from source
)

select * from renamed
