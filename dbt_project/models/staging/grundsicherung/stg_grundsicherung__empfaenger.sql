-- Grundsicherung im Alter (SGB XII Kap. 4) recipients 65+ per Gemeinde and stichtag,
-- current delivery per stichtag (a later file for the same date replaces the earlier one).
with

source as (

    select * from {{ source('grundsicherung', 'grundsicherung__empfaenger') }}

),

renamed as (

    select
        cast(stichtag as date)                                      as stichtag,
        trim(ags)                                                   as ags,
        -- '.' (or any other marker) = suppressed by the source: NULL + flag; '-' = zero
        case when marker = '-' then coalesce(anzahl, 0) else anzahl end as empfaenger_65_plus,
        coalesce(marker is not null and marker <> '-', false)       as ist_unterdrueckt,
        marker,
        coalesce(ist_demodaten, false)                              as ist_demodaten,
        datei,
        sha256,
        geladen_am

    from source

),

current_delivery as (

    select
        *,
        dense_rank() over (
            partition by stichtag order by geladen_am desc, sha256 desc
        ) as lieferung_rang

    from renamed

)

select
    stichtag,
    ags,
    empfaenger_65_plus,
    ist_unterdrueckt,
    marker,
    ist_demodaten,
    datei,
    sha256,
    geladen_am

from current_delivery
where lieferung_rang = 1
