-- The facility register: the rows of the current (newest valid) register file; each file is the complete
-- register, its history is in gueltig_ab / gueltig_bis.
with source as (
    {{ aktuelle_lieferung(source('einrichtungen', 'einrichtungen__einrichtungen'), "'register'") }}
),

renamed as (
    select
        {{ vertragsspalten() }},
        {{ lieferung_herkunft() }}
    from source
)

select * from renamed
