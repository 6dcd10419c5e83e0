-- Gemeinde boundaries of the region profile: one GeoJSON Polygon (WGS84) per row; the ingest already
-- split MultiPolygons into their parts (`teil`).
with source as (
    select * from {{ source('region', 'region__geometrien') }}
    qualify geladen_am = max(geladen_am) over ()
),

renamed as (
    select
        cast(ags as varchar) as ags,
        cast(teil as integer) as teil,
        geojson,
        json_extract_string(geojson, '$.type') as geometrie_typ,
        datei,
        sha256,
        geladen_am
    from source
)

select * from renamed
