-- Gemeinde boundaries of the region profile: one GeoJSON Polygon (WGS84) per row; the ingest already
-- split MultiPolygons into their parts (`teil`).
with source as (
    {{ aktuelles_profil('region__geometrien') }}
),

renamed as (
    select
        cast(ags as varchar) as ags,
        cast(teil as integer) as teil,
        geojson,
        json_extract_string(geojson, '$.type') as geometrie_typ,
        {{ profil_herkunft() }}
    from source
)

select * from renamed
