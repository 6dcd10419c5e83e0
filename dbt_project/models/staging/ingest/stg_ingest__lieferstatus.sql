-- The current state of every delivery (the newest row of raw.ingest__lieferstatus per family and
-- checksum) and whether staging may use it. Deliveries loaded before the log existed have no row
-- here and count as valid (macro lieferung_gueltig).
with source as (
    select * from {{ source('ingest', 'ingest__lieferstatus') }}
    where sha256 <> ''
),

aktuell as (
    select *
    from source
    qualify row_number() over (partition by familie, sha256 order by nr desc) = 1
),

renamed as (
    select
        familie,
        sha256,
        datei,
        status,
        grund as status_grund,
        am as status_am,
        status = 'angenommen' as ist_gueltig
    from aktuell
)

select * from renamed
