-- Area mapping Gemeinde → Sozialraum → Kreis, the basis of every aggregation.
-- Sozialräume come from the planners' sozialraeume.csv (region profile). A Gemeinde missing from it
-- forms its own Sozialraum (sozialraum_id = its AGS, name = Gemeinde name, ist_eigener_sozialraum).
with gemeinden as (
    select * from {{ ref('int_gebiet__gemeinden') }}
),

sozialraeume as (
    select * from {{ ref('stg_region__sozialraeume') }}
),

kreise as (
    select * from {{ ref('int_gebiet__kreise') }}
),

final as (
    select
        gemeinden.ags,
        gemeinden.gemeinde_name,
        coalesce(sozialraeume.sozialraum_id, gemeinden.ags) as sozialraum_id,
        coalesce(sozialraeume.sozialraum_name, gemeinden.gemeinde_name) as sozialraum_name,
        sozialraeume.ags is null as ist_eigener_sozialraum,
        gemeinden.kreis_ags,
        kreise.kreis_name
    from gemeinden
    left join sozialraeume on gemeinden.ags = sozialraeume.ags
    left join kreise on gemeinden.kreis_ags = kreise.kreis_ags
)

select * from final
