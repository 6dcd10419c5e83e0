-- Grundsicherung counts per Ortsteil of the Sozialamt (long format), current delivery per stichtag.
-- A later delivery of the same stichtag (a corrected file) replaces the earlier one; history stays in raw.
with

source as (

    {{ aktuelle_lieferung(source('grundsicherung', 'grundsicherung__ortsteile'), 'stichtag') }}

),

renamed as (

    select
        cast(stichtag as date) as stichtag,
        trim(ags)              as ags,
        trim(ortsteil)         as ortsteil,
        merkmal,
        anzahl,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
