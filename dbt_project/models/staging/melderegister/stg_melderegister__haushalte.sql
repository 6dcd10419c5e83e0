-- Households per stichtag × Gemeinde × Ortsteil × household type (household generation of the register).
-- A newer household file for the same stichtag and Gemeinde replaces the older one (history stays in raw).
with source as (
    {{ aktuelle_lieferung(source('melderegister', 'melderegister__haushalte'), 'stichtag, ags') }}
),

renamed as (
    select
        cast(stichtag as date) as stichtag,
        cast(ags as varchar) as ags,
        nullif(trim(ortsteil), '') as ortsteil,
        cast(haushaltstyp as varchar) as haushaltstyp,
        cast(anzahl as bigint) as haushalte,
        datei,
        sha256,
        geladen_am,
        coalesce(ist_demodaten, false) as ist_demodaten
    from source
)

select * from renamed
