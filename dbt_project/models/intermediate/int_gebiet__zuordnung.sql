-- Area mapping Gemeinde → Sozialraum → Kreis, the basis of every aggregation; one row per Gemeinde and
-- period of its Sozialraum (gueltig_ab/gueltig_bis inclusive, NULL = open). Sozialräume come from the
-- planners' sozialraeume.csv (region profile); in the years no row of that file covers (the Gemeinde is
-- missing from it, or before, between and after its periods) a Gemeinde forms its own Sozialraum
-- (sozialraum_id = its AGS, name = Gemeinde name, ist_eigener_sozialraum). So every Gemeinde has
-- exactly one row per year, and exactly one current row (ist_aktuell).
-- A Gemeinde split across Sozialräume by Ortsteile (rows of sozialraeume.csv with ortsteil_schluessel) has,
-- for the years of the split, one row with ist_geteilt and sozialraum_id/sozialraum_name NULL: it belongs to no
-- single Sozialraum; its Ortsteile' Sozialräume are in int_gebiet__zuordnung_ortsteile. The Kreis stays Σ
-- Gemeinden.
with gemeinden as (
    select * from {{ ref('int_gebiet__gemeinden') }}
),

sozialraeume as (
    select * from {{ ref('stg_region__sozialraeume') }}
),

kreise as (
    select * from {{ ref('int_gebiet__kreise') }}
),

ganz as (  -- whole Gemeinden
    select * from sozialraeume
    where ortsteil_schluessel is null
),

-- the years a Gemeinde is split into Ortsteile: the Ortsteil rows' periods merged (the ingest makes every
-- Ortsteil of a split Gemeinde assigned in every year of the split, and never overlapping a whole row)
ortsteil_perioden as (
    select distinct
        ags,
        coalesce(gueltig_ab, 0) as ab,
        coalesce(gueltig_bis, 9999) as bis
    from sozialraeume
    where ortsteil_schluessel is not null
),

ortsteil_inseln as (
    select
        ags,
        ab,
        bis,
        case
            when ab <= max(bis) over (
                partition by ags order by ab, bis rows between unbounded preceding and 1 preceding
            ) + 1 then 0
            else 1
        end as ist_neu
    from ortsteil_perioden
),

geteilt as (
    select
        ags,
        nullif(min(ab), 0) as gueltig_ab,
        nullif(max(bis), 9999) as gueltig_bis
    from (
        select
            *,
            sum(ist_neu) over (partition by ags order by ab, bis rows unbounded preceding) as insel
        from ortsteil_inseln
    ) as nummeriert
    group by ags, insel
),

belegt as (  -- every period a Gemeinde is listed in sozialraeume.csv, whole or split
    select ags, gueltig_ab, gueltig_bis from ganz
    union all
    select ags, gueltig_ab, gueltig_bis from geteilt
),

perioden as (
    select
        ags,
        gueltig_ab,
        gueltig_bis,
        row_number() over (partition by ags order by gueltig_ab asc nulls first) as nr,
        lead(gueltig_ab) over (partition by ags order by gueltig_ab asc nulls first) as ab_danach
    from belegt
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
    select
        ags, sozialraum_id, sozialraum_name, false as ist_eigener_sozialraum, false as ist_geteilt, gueltig_ab,
        gueltig_bis
    from ganz
    union all  -- later branches are positional: the AGS is also the Sozialraum id (hence noqa AL08)
    select ags, cast(null as varchar), cast(null as varchar), false, true, gueltig_ab, gueltig_bis  -- noqa: AL08
    from geteilt
    union all
    select ags, ags, cast(null as varchar), true, false, gueltig_ab, gueltig_bis  -- noqa: AL08
    from luecken
    union all
    select g.ags, g.ags, cast(null as varchar), true, false, cast(null as integer), cast(null as integer)  -- noqa: AL08
    from gemeinden as g
    where g.ags not in (select s.ags from sozialraeume as s)
),

final as (
    select
        gemeinden.ags,
        gemeinden.gemeinde_name,
        zuordnung.sozialraum_id,
        case
            when not zuordnung.ist_geteilt then coalesce(zuordnung.sozialraum_name, gemeinden.gemeinde_name)
        end as sozialraum_name,
        zuordnung.ist_eigener_sozialraum,
        zuordnung.ist_geteilt,
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
