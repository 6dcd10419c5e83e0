-- Mapping Gemeinde → Sozialraum as edited by the planners (sozialraeume.csv, latest load), with the years
-- each row is valid in (gueltig_ab/gueltig_bis inclusive; NULL = open). A row with ortsteil_schluessel assigns
-- one Ortsteil of the Gemeinde (a Gemeinde split across Sozialräume), otherwise the whole Gemeinde.
with source as (
    {{ aktuelles_profil('region__sozialraeume') }}
),

renamed as (
    select
        cast(ags as varchar) as ags,
        trim(sozialraum_id) as sozialraum_id,
        trim(sozialraum_name) as sozialraum_name,
        gueltig_ab,
        gueltig_bis,
        nullif(trim(ortsteil_schluessel), '') as ortsteil_schluessel,
        cast(ags as varchar) || nullif(trim(ortsteil_schluessel), '') as ortsteil_id,
        {{ profil_herkunft() }}
    from source
)

select * from renamed
