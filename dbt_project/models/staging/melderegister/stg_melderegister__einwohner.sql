-- Einwohnermelderegister: residents per stichtag × Gemeinde × Ortsteil × sex × single-year age.
-- A newer extract for the same stichtag and Gemeinde replaces the older one (history stays in raw).
with source as (
    select * from {{ source('melderegister', 'melderegister__einwohner') }}
    qualify dense_rank() over (partition by stichtag, ags order by geladen_am desc, sha256 desc) = 1
),

renamed as (
    select
        cast(stichtag as date) as stichtag,
        cast(ags as varchar) as ags,
        nullif(trim(ortsteil), '') as ortsteil,
        geschlecht,
        cast(alter as integer) as alter,
        cast(anzahl as bigint) as einwohner,
        datei,
        sha256,
        geladen_am,
        ist_demodaten
    from source
)

select * from renamed
