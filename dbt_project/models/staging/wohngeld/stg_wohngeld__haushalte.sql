-- Wohngeld households (reine Wohngeldhaushalte) per Gemeinde and stichtag (Wohngeldstelle),
-- current delivery per stichtag (a later file for the same date replaces the earlier one).
with

source as (

    {{ aktuelle_lieferung(source('wohngeld', 'wohngeld__haushalte'), 'stichtag') }}

),

renamed as (

    select
        cast(stichtag as date)                                      as stichtag,
        trim(ags)                                                   as ags,
        -- '.' (or any other marker) = suppressed by the source: NULL + flag; '-' = zero
        {{ marker_wert('anzahl') }}                                 as wohngeldhaushalte,
        coalesce(marker is not null and marker <> '-', false)       as ist_unterdrueckt,
        marker,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
