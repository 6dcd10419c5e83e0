-- Supply with social facilities per Gemeinde × year, facilities valid on 31.12. of the year (gueltig_ab and
-- gueltig_bis inclusive, NULL = open), for the years with a population stock at 31.12. and at least one valid
-- facility in the region:
--   kita_plaetze             Σ kapazitaet of the Kitas in the Gemeinde (0 without a Kita)
--   einrichtungen            facilities of every type in the Gemeinde (0 without one)
--   entfernung_fz_km         great-circle distance in km from the centroid of the Gemeinde's area (its
--                            polygons in gemeinden.geojson, DuckDB spatial loaded by the dbt-duckdb plugin
--                            orchestration/transform/duckdb_spatial.py) to the nearest Familienzentrum of the
--                            region, rounded to metres; NULL without a Familienzentrum or without a Gemeinde geometry
with einrichtungen as (
    select * from {{ ref('stg_einrichtungen__einrichtungen') }}
),

gemeinden as (
    select ags from {{ ref('int_gebiet__gemeinden') }}
),

-- the year-end population stocks of the region's Gemeinden
jahre as (
    select distinct cast(year(stichtag) as integer) as jahr, stichtag
    from {{ ref('int_bevoelkerung__altersbaender') }}
    where altersband = 'insgesamt' and month(stichtag) = 12 and day(stichtag) = 31
        and ags in (select gemeinden.ags from gemeinden)
),

gueltig as (
    select
        jahre.jahr,
        jahre.stichtag,
        einrichtungen.*
    from jahre
    inner join einrichtungen
        on coalesce(einrichtungen.gueltig_ab, jahre.stichtag) <= jahre.stichtag
        and coalesce(einrichtungen.gueltig_bis, jahre.stichtag) >= jahre.stichtag
),

register_jahre as (
    select
        jahr,
        stichtag,
        bool_or(ist_demodaten) as ist_demodaten
    from gueltig
    group by jahr, stichtag
),

je_gemeinde as (
    select
        ags,
        jahr,
        coalesce(sum(kapazitaet) filter (where art = 'Kita'), 0) as kita_plaetze,
        count(*) as einrichtungen
    from gueltig
    group by ags, jahr
),

schwerpunkte as (
    select
        ags,
        st_centroid(st_union_agg(st_geomfromgeojson(geojson))) as schwerpunkt
    from {{ ref('stg_region__geometrien') }}
    group by ags
),

familienzentren as (
    select jahr, lon, lat from gueltig where art = 'Familienzentrum'
),

entfernungen as (
    select
        schwerpunkte.ags,
        familienzentren.jahr,
        min(st_distance_sphere(
            -- st_distance_sphere expects (latitude, longitude) points
            st_point(st_y(schwerpunkte.schwerpunkt), st_x(schwerpunkte.schwerpunkt)),
            st_point(familienzentren.lat, familienzentren.lon)
        )) / 1000.0 as entfernung_fz_km_roh
    from schwerpunkte
    cross join familienzentren
    group by schwerpunkte.ags, familienzentren.jahr
),

final as (
    select
        gemeinden.ags,
        register_jahre.jahr,
        register_jahre.stichtag,
        coalesce(je_gemeinde.kita_plaetze, 0) as kita_plaetze,
        coalesce(je_gemeinde.einrichtungen, 0) as einrichtungen,
        round(entfernungen.entfernung_fz_km_roh, 3) as entfernung_fz_km,
        register_jahre.ist_demodaten
    from gemeinden
    cross join register_jahre
    left join je_gemeinde
        on gemeinden.ags = je_gemeinde.ags and register_jahre.jahr = je_gemeinde.jahr
    left join entfernungen
        on gemeinden.ags = entfernungen.ags and register_jahre.jahr = entfernungen.jahr
)

select * from final
