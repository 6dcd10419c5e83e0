-- mart.gebietsstand: the Gebietsstand every figure of the mart refers to (one row per key level):
-- target date, key files, how many of the region's areas were converted in at least one year.
with schluessel as (
    select ebene, ziel_jahr, any_value(datei) as datei, any_value(sha256) as sha256,
        min(jahr) as jahr_von, max(jahr) as jahr_bis
    from {{ ref('stg_gebietsstand__schluessel') }}
    group by ebene, ziel_jahr
),

lieferungen as (
    select sha256, ist_mitgeliefert, geladen_am from {{ source('gebietsstand', 'gebietsstand__lieferungen') }}
),

umgeschluesselt as (
    select
        case when length(ags) = 8 then 'gemeinde' else 'kreis' end as ebene,
        count(distinct ags) filter (where ist_umgeschluesselt) as gebiete_umgeschluesselt
    from {{ ref('int_gebiet__umgeschluesselt') }}
    where ags in (select gemeinden.ags from {{ ref('int_gebiet__gemeinden') }} as gemeinden)
        or ags in (select kreise.kreis_ags from {{ ref('int_gebiet__kreise') }} as kreise)
    group by ebene
),

final as (
    select
        schluessel.ebene,
        schluessel.ziel_jahr,
        make_date(schluessel.ziel_jahr, 12, 31) as stichtag,
        'Gebietsstand ' || strftime(make_date(schluessel.ziel_jahr, 12, 31), '%d.%m.%Y') as bezeichnung,
        schluessel.jahr_von,
        schluessel.jahr_bis,
        schluessel.datei,
        schluessel.sha256,
        lieferungen.ist_mitgeliefert,
        lieferungen.geladen_am,
        coalesce(umgeschluesselt.gebiete_umgeschluesselt, 0) as gebiete_umgeschluesselt
    from schluessel
    left join lieferungen on schluessel.sha256 = lieferungen.sha256
    left join umgeschluesselt on schluessel.ebene = umgeschluesselt.ebene
)

select * from final
