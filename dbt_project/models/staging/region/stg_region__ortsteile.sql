-- Ortsteile of the Gemeinden as edited by the planners (ortsteile.csv, latest load). ortsteil_id = AGS + the
-- 3-digit key (11 characters): the gebiet_id of the Ortsteil level, unique across the region, whose first
-- 8 characters name its Gemeinde.
with source as (
    select * from {{ source('region', 'region__ortsteile') }}
    qualify geladen_am = max(geladen_am) over ()
),

renamed as (
    select
        cast(ags as varchar) || trim(ortsteil_schluessel) as ortsteil_id,
        cast(ags as varchar) as ags,
        trim(ortsteil_schluessel) as ortsteil_schluessel,
        trim(ortsteil_name) as ortsteil_name,
        datei,
        sha256,
        geladen_am
    from source
)

select * from renamed
