-- The facility register: the rows of the current (newest valid) register file; each file is the complete
-- register, its history is in gueltig_ab / gueltig_bis.
with source as (
    {{ aktuelle_lieferung(source('einrichtungen', 'einrichtungen__einrichtungen'), "'register'") }}
),

renamed as (
    select
        cast(einrichtung_id as varchar) as einrichtung_id,
        cast(art as varchar) as art,
        cast(name as varchar) as name,
        cast(traeger as varchar) as traeger,
        cast(ags as varchar) as ags,
        cast(lon as double) as lon,
        cast(lat as double) as lat,
        cast(kapazitaet as bigint) as kapazitaet,
        cast(gueltig_ab as date) as gueltig_ab,
        cast(gueltig_bis as date) as gueltig_bis,
        {{ lieferung_herkunft() }}
    from source
)

select * from renamed
