-- The further counts of the Sozialamt file per Gemeinde, stichtag and merkmal (Grundsicherung bei
-- Erwerbsminderung, laufende HLU außerhalb von Einrichtungen), from the same delivery that is current
-- for the stichtag in stg_grundsicherung__empfaenger (a newer file without these columns leaves none).
with

source as (

    select leistungen.* from {{ source('grundsicherung', 'grundsicherung__leistungen') }} as leistungen
    where leistungen.sha256 in (select empfaenger.sha256 from {{ ref('stg_grundsicherung__empfaenger') }} as empfaenger)

),

renamed as (

    select
        cast(stichtag as date)                                      as stichtag,
        trim(ags)                                                   as ags,
        cast(merkmal as varchar)                                    as merkmal,
        -- '.' (or any other marker) = suppressed by the source: NULL + flag; '-' = zero
        {{ marker_wert('anzahl') }}                                 as anzahl,
        coalesce(marker is not null and marker <> '-', false)       as ist_unterdrueckt,
        marker,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
