-- Loaded GENESIS files (one row per file, all loads: history).
with source as (
    select * from {{ source('genesis', 'genesis__lieferungen') }}
),

renamed as (
    select
        sha256,
        datei,
        tabelle,
        titel,
        stand,
        encoding,
        ist_demodaten,
        zeilen,
        geladen_am
    from source
)

select * from renamed
