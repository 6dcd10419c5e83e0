-- SGB II Gemeinde table values (long format), current delivery per Berichtsmonat.
-- A later delivery of the same Berichtsmonat (a corrected file) replaces the earlier one; history stays in raw.
with

source as (

    {{ aktuelle_lieferung(source('sgb2', 'sgb2__gemeinde_monat'), 'berichtsmonat') }}

),

renamed as (

    select
        cast(berichtsmonat as date)                                 as berichtsmonat,
        trim(ags)                                                   as ags,
        case when length(trim(ags)) = 8 then 'gemeinde' else 'kreis' end as gebiet_ebene,
        trim(gemeinde_name)                                         as gemeinde_name,
        merkmal,
        -- '-' = nothing there (zero); '*' = suppressed by the source: kept as NULL + flag
        {{ marker_wert('wert') }}                                   as wert,
        coalesce(marker = '*', false)                               as ist_unterdrueckt,
        marker,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
