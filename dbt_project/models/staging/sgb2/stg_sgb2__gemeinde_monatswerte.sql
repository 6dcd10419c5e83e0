-- SGB II Gemeinde table values (long format), current delivery per Berichtsmonat.
-- A later delivery of the same Berichtsmonat (a corrected file) replaces the earlier one; history stays in raw.
with

source as (

    select * from {{ source('sgb2', 'sgb2__gemeinde_monat') }}

),

renamed as (

    select
        cast(berichtsmonat as date)                                 as berichtsmonat,
        trim(ags)                                                   as ags,
        case when length(trim(ags)) = 8 then 'gemeinde' else 'kreis' end as gebiet_ebene,
        trim(gemeinde_name)                                         as gemeinde_name,
        merkmal,
        -- '-' = nothing there (zero); '*' = suppressed by the source: kept as NULL + flag
        case when marker = '-' then coalesce(wert, 0) else wert end as wert,
        coalesce(marker = '*', false)                               as ist_unterdrueckt,
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
            partition by berichtsmonat order by geladen_am desc, sha256 desc
        ) as lieferung_rang

    from renamed

)

select
    berichtsmonat,
    ags,
    gebiet_ebene,
    gemeinde_name,
    merkmal,
    wert,
    ist_unterdrueckt,
    marker,
    ist_demodaten,
    datei,
    sha256,
    geladen_am

from current_delivery
where lieferung_rang = 1
