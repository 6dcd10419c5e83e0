-- The measures of the current list on every area level they concern: the area the measure serves
-- (ist_eigenes_gebiet) and the areas that contain it (an Ortsteil's Gemeinde; the Sozialraum of an Ortsteil or a
-- Gemeinde; the Kreis of every area). Read by the profiles (orchestration/profiles/massnahmen.py) and by the
-- Superset annotation layer of the time series (superset/bundle_massnahmen.py).
with massnahmen as (
    select * from {{ ref('stg_massnahmen__massnahmen') }}
),

gebiete as (
    select distinct gebiet_ebene, gebiet_id, gebiet_name, kreis_ags, sozialraum_id
    from {{ ref('dim_gebiet') }}
    where gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis')
),

eigene as (
    select
        m.*,
        g.gebiet_name,
        g.kreis_ags,
        g.sozialraum_id
    from massnahmen as m
    left join gebiete as g on m.gebiet_ebene = g.gebiet_ebene and m.gebiet_id = g.gebiet_id
),

bezug as (
    select *, gebiet_ebene as bezug_ebene, gebiet_id as bezug_id, true as ist_eigenes_gebiet from eigene
    union all
    select *, 'gemeinde', left(gebiet_id, 8), false from eigene
    where gebiet_ebene = 'ortsteil'
    union all
    select *, 'sozialraum', sozialraum_id, false from eigene
    where gebiet_ebene in ('ortsteil', 'gemeinde') and sozialraum_id is not null
    union all
    select *, 'kreis', kreis_ags, false from eigene
    where gebiet_ebene <> 'kreis' and kreis_ags is not null
),

final as (
    select distinct
        b.massnahme_id,
        b.bezug_ebene as gebiet_ebene,
        b.bezug_id as gebiet_id,
        coalesce(g.gebiet_name, b.bezug_id) as gebiet_name,
        b.ist_eigenes_gebiet,
        b.gebiet_ebene as massnahme_gebiet_ebene,
        b.gebiet_id as massnahme_gebiet_id,
        coalesce(b.gebiet_name, b.gebiet_id) as massnahme_gebiet_name,
        b.beginn,
        b.ende,
        b.titel,
        b.traeger,
        b.art,
        b.stand,
        b.ist_demodaten
    from bezug as b
    left join gebiete as g on b.bezug_ebene = g.gebiet_ebene and b.bezug_id = g.gebiet_id
)

select * from final
