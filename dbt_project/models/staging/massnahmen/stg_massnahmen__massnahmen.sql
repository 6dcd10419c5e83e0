-- The measures of the current list: the valid delivery with the newest Stand (each list is complete, so the
-- newest replaces every older one; the older lists stay in raw as history).
with

source as (

    select * from {{ source('massnahmen', 'massnahmen__massnahmen') }}
    where {{ lieferung_gueltig() }}
    qualify {{ ist_aktuelle_lieferung('true', nach_stand=true) }}

),

renamed as (

    select
        trim(massnahme_id)          as massnahme_id,
        trim(gebiet_id)             as gebiet_id,
        gebiet_ebene,
        cast(beginn as date)        as beginn,
        cast(ende as date)          as ende,
        titel,
        traeger,
        art,
        cast(stand as date)         as stand,
        zeile,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
