-- mart.dim_gebiet: every area of the mart (ortsteil, gemeinde, sozialraum, kreis; land and bund as comparison
-- areas; uninhabited gemeindefreie Gebiete as `gemeindefrei`) with its GeoJSON polygons.
-- One row per area × polygon: MultiPolygons arrive split into single Polygons (raw `teil`);
-- Sozialraum and Kreis rows carry the polygons of their Gemeinden (no geometric union needed by
-- polygon maps: each part is coloured with the area's value). geojson NULL when the profile has no
-- boundaries for the area; Ortsteile (region profile ortsteile.csv, id = AGS + 3-digit key) have none.
with zuordnung as (  -- the current cut
    select * from {{ ref('int_gebiet__zuordnung') }}
    where ist_aktuell
),

-- every Sozialraum that ever existed (a re-cut keeps earlier years on the earlier cut), with the
-- Gemeinden of its last period
sozialraeume as (
    select * from {{ ref('int_gebiet__zuordnung') }}
    where sozialraum_id is not null  -- the years a Gemeinde is split across Sozialräume by Ortsteile
    qualify coalesce(gueltig_bis, 9999) = max(coalesce(gueltig_bis, 9999)) over (partition by sozialraum_id)
),

-- Ortsteile of Gemeinden split across Sozialräume (their Sozialraum of each period)
zuordnung_ortsteile as (
    select * from {{ ref('int_gebiet__zuordnung_ortsteile') }}
),

geometrien as (
    select * from {{ ref('stg_region__geometrien') }}
),

polygone as (
    select ags, teil, geojson from geometrien
),

gebiete as (
    select distinct 'gemeinde' as gebiet_ebene, ags as gebiet_id, gemeinde_name as gebiet_name, kreis_ags,
        sozialraum_id, sozialraum_name, ags
    from zuordnung
    union all  -- later branches are positional: a column may appear twice (hence noqa AL08 below)
    select 'sozialraum', sozialraum_id, sozialraum_name, kreis_ags, sozialraum_id, sozialraum_name, ags  -- noqa: AL08
    from sozialraeume
    union all  -- a Sozialraum with Ortsteile of a split Gemeinde: no polygon for them (no Ortsteil boundaries)
    select 'sozialraum', sozialraum_id, sozialraum_name, kreis_ags, sozialraum_id, sozialraum_name,  -- noqa: AL08
        cast(null as varchar)
    from zuordnung_ortsteile
    union all
    select 'kreis', kreis_ags, kreis_name, kreis_ags, cast(null as varchar), cast(null as varchar), ags  -- noqa: AL08
    from zuordnung
    union all  -- Ortsteile of the current cut's Gemeinden: no boundaries (ags NULL: not the Gemeinde's polygon)
    select 'ortsteil', o.ortsteil_id, o.ortsteil_name, z.kreis_ags,  -- noqa: AL08
        coalesce(t.sozialraum_id, z.sozialraum_id), coalesce(t.sozialraum_name, z.sozialraum_name),
        cast(null as varchar)
    from {{ ref('stg_region__ortsteile') }} as o
    inner join zuordnung as z on o.ags = z.ags
    left join zuordnung_ortsteile as t on o.ortsteil_id = t.ortsteil_id and t.ist_aktuell
    union all  -- comparison areas: the region's Land and Germany (no polygons)
    select gebiet_ebene, gebiet_id, gebiet_name, cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar)
    from {{ ref('int_gebiet__vergleich') }}
    union all  -- uninhabited gemeindefreie Gebiete: listed with their type, never as a Gemeinde
    select 'gemeindefrei', ags, gebiet_name, kreis_ags, cast(null as varchar), cast(null as varchar), ags  -- noqa: AL08
    from {{ ref('int_gebiet__unbewohnt') }}
),

mit_polygonen as (
    select
        gebiete.gebiet_ebene,
        gebiete.gebiet_id,
        gebiete.gebiet_name,
        gebiete.kreis_ags,
        gebiete.sozialraum_id,
        gebiete.sozialraum_name,
        polygone.geojson,
        gebiete.ags,
        polygone.teil
    from gebiete
    left join polygone on gebiete.ags = polygone.ags
),

final as (
    select
        gebiet_ebene,
        gebiet_id,
        any_value(gebiet_name) over (partition by gebiet_ebene, gebiet_id) as gebiet_name,
        min(kreis_ags) over (partition by gebiet_ebene, gebiet_id) as kreis_ags,
        sozialraum_id,
        sozialraum_name,
        geojson,
        case when geojson is not null then
            row_number() over (partition by gebiet_ebene, gebiet_id order by geojson is null, ags, teil)
        end as polygon_nr
    from mit_polygonen
    -- an area without any polygon keeps exactly one row (geojson NULL)
    qualify geojson is not null
        or count(geojson) over (partition by gebiet_ebene, gebiet_id) = 0
            and row_number() over (partition by gebiet_ebene, gebiet_id order by ags) = 1
)

select * from final
