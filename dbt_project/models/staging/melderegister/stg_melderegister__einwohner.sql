-- Einwohnermelderegister: residents per stichtag × Gemeinde × Ortsteil × sex × single-year age × nationality
-- (Destatis code; NULL for extracts delivered without it).
-- A newer extract for the same stichtag and Gemeinde replaces the older one (history stays in raw).
with source as (
    {{ aktuelle_lieferung(source('melderegister', 'melderegister__einwohner'), 'stichtag, ags') }}
),

renamed as (
    select
        cast(stichtag as date) as stichtag,
        cast(ags as varchar) as ags,
        nullif(trim(ortsteil), '') as ortsteil,
        geschlecht,
        cast(alter as integer) as alter,
        cast(anzahl as bigint) as einwohner,
        cast(staatsangehoerigkeit as varchar) as staatsangehoerigkeit,
        datei,
        sha256,
        geladen_am,
        ist_demodaten
    from source
)

select * from renamed
