-- Area mapping Gemeinde → Sozialraum → Kreis, the basis of every aggregation; one row per Gemeinde and
-- period of its Sozialraum (gueltig_ab/gueltig_bis inclusive, NULL = open). Sozialräume come from the
-- planners' sozialraeume.csv (region profile); in the years no row of that file covers (the Gemeinde is
-- missing from it, or before, between and after its periods) a Gemeinde forms its own Sozialraum
-- (sozialraum_id = its AGS, name = Gemeinde name, ist_eigener_sozialraum). So every Gemeinde has
-- exactly one row per year, and exactly one current row (ist_aktuell: open to the end).
with gemeinden as (
    select * from {{ ref('int_gebiet__gemeinden') }}
),

sozialraeume as (
    select * from {{ ref('stg_region__sozialraeume') }}
),

kreise as (
    select * from {{ ref('int_gebiet__kreise') }}
),

perioden as (
    select
        ags,
        gueltig_ab,
        gueltig_bis,
        row_number() over (partition by ags order by gueltig_ab asc nulls first) as nr,
        lead(gueltig_ab) over (partition by ags order by gueltig_ab asc nulls first) as ab_danach
    from sozialraeume
),

-- the years of a listed Gemeinde outside its periods
luecken as (
    select ags, cast(null as integer) as gueltig_ab, gueltig_ab - 1 as gueltig_bis
    from perioden
    where nr = 1 and gueltig_ab is not null
    union all
    select ags, gueltig_bis + 1 as gueltig_ab, ab_danach - 1 as gueltig_bis
    from perioden
    where gueltig_bis is not null and (ab_danach is null or ab_danach > gueltig_bis + 1)
),

zuordnung as (
    select ags, sozialraum_id, sozialraum_name, false as ist_eigener_sozialraum, gueltig_ab, gueltig_bis
    from sozialraeume
    union all  -- later branches are positional: the AGS is also the Sozialraum id (hence noqa AL08)
    select ags, ags, cast(null as varchar), true, gueltig_ab, gueltig_bis  -- noqa: AL08
    from luecken
    union all
    select g.ags, g.ags, cast(null as varchar), true, cast(null as integer), cast(null as integer)  -- noqa: AL08
    from gemeinden as g
    where g.ags not in (select s.ags from sozialraeume as s)
),

final as (
    select
        gemeinden.ags,
        gemeinden.gemeinde_name,
        zuordnung.sozialraum_id,
        coalesce(zuordnung.sozialraum_name, gemeinden.gemeinde_name) as sozialraum_name,
        zuordnung.ist_eigener_sozialraum,
        gemeinden.kreis_ags,
        kreise.kreis_name,
        zuordnung.gueltig_ab,
        zuordnung.gueltig_bis,
        zuordnung.gueltig_bis is null as ist_aktuell
    from gemeinden
    inner join zuordnung on gemeinden.ags = zuordnung.ags
    left join kreise on gemeinden.kreis_ags = kreise.kreis_ags
)

select * from final
