-- SGB II counts per Ortsteil of the kommunale Jobcenter (long format), current delivery per Berichtsmonat.
-- A later delivery of the same Berichtsmonat (a corrected file) replaces the earlier one; history stays in raw.
with

source as (

    {{ aktuelle_lieferung(source('sgb2', 'sgb2__ortsteil_monat'), 'berichtsmonat') }}

),

renamed as (

    select
        cast(berichtsmonat as date) as berichtsmonat,
        trim(ags)                   as ags,
        trim(ortsteil)              as ortsteil,
        merkmal,
        wert,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
