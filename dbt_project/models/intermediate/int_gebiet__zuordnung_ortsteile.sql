-- The Ortsteile of Gemeinden split across Sozialräume (sozialraeume.csv rows with ortsteil_schluessel): one row
-- per Ortsteil and period of its Sozialraum (gueltig_ab/gueltig_bis inclusive, NULL = open). In these years the
-- Gemeinde's row in int_gebiet__zuordnung has ist_geteilt and no Sozialraum; a Sozialraum is then the sum of
-- its whole Gemeinden and of these Ortsteile.
with sozialraeume as (
    select * from {{ ref('stg_region__sozialraeume') }}
    where ortsteil_schluessel is not null
),

ortsteile as (
    select * from {{ ref('stg_region__ortsteile') }}
),

gemeinden as (
    select * from {{ ref('int_gebiet__gemeinden') }}
),

final as (
    select
        sozialraeume.ortsteil_id,
        sozialraeume.ags,
        ortsteile.ortsteil_name,
        sozialraeume.sozialraum_id,
        sozialraeume.sozialraum_name,
        gemeinden.kreis_ags,
        sozialraeume.gueltig_ab,
        sozialraeume.gueltig_bis,
        sozialraeume.gueltig_bis is null as ist_aktuell
    from sozialraeume
    inner join ortsteile on sozialraeume.ortsteil_id = ortsteile.ortsteil_id
    inner join gemeinden on sozialraeume.ags = gemeinden.ags
)

select * from final
