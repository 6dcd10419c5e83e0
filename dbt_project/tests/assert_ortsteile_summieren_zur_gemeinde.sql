-- Ortsteil sums equal Gemeinde totals. Per Gemeinde × year × indicator with Ortsteil rows:
--   1. Σ Ortsteile = the Gemeinde's Melderegister residents of the same 31.12. (nobody lost or counted twice);
--   2. in the mart, Σ zaehler and Σ nenner of the Ortsteile = the Gemeinde row, wherever both levels name
--      the same source (the Melderegister; Gemeinde rows taken from GENESIS are compared in the demo test), for
--      the indicators without a suppressed Ortsteil cell (the nenner where both name the same nenner source).
-- Returns the differing rows.
with ortsteile as (
    select ags, jahr, sum(zaehler) as zaehler
    from {{ ref('int_indikatoren__ortsteil') }}
    where indikator_id = 'bevoelkerung'
    group by ags, jahr
),

register as (
    select ags, cast(year(stichtag) as integer) as jahr, sum(einwohner) as einwohner
    from {{ ref('int_melderegister__einwohner') }}
    where month(stichtag) = 12 and day(stichtag) = 31
    group by ags, stichtag
),

mart_ortsteile as (
    select
        left(gebiet_id, 8) as ags,
        jahr,
        indikator_id,
        sum(zaehler) as zaehler,
        sum(nenner) as nenner,
        any_value(quelle) as quelle,
        any_value(nenner_quelle) as nenner_quelle,
        bool_or(ist_unterdrueckt) as mit_unterdrueckten,
        count(*) as anzahl
    from {{ ref('sozialraum_indikatoren') }}
    where gebiet_ebene = 'ortsteil'
    group by left(gebiet_id, 8), jahr, indikator_id
),

abweichungen as (
    select
        'register' as pruefung,
        ortsteile.ags,
        ortsteile.jahr,
        'bevoelkerung' as indikator_id,
        ortsteile.zaehler as summe_ortsteile,
        register.einwohner as gemeinde
    from ortsteile
    left join register on ortsteile.ags = register.ags and ortsteile.jahr = register.jahr
    where register.einwohner is null or abs(ortsteile.zaehler - register.einwohner) > 1e-6
    union all
    select 'mart', o.ags, o.jahr, o.indikator_id, o.zaehler, g.zaehler as gemeinde
    from mart_ortsteile as o
    inner join {{ ref('sozialraum_indikatoren') }} as g
        on g.gebiet_ebene = 'gemeinde' and o.ags = g.gebiet_id and o.jahr = g.jahr and o.indikator_id = g.indikator_id
    where g.quelle = o.quelle
        and not o.mit_unterdrueckten  -- a suppressed Ortsteil cell (youth welfare) is not in the published sum
        and (abs(o.zaehler - g.zaehler) > 1e-6
            or (g.nenner_quelle is not distinct from o.nenner_quelle
                and abs(coalesce(o.nenner, 0) - coalesce(g.nenner, 0)) > 1e-6))
)

select * from abweichungen
