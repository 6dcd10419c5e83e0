-- The public dataset (rpt_oeffentlich, the only dataset the anonymous Superset role reads) holds no row of a
-- confidential indicator (catalogue geheimhaltung) or of an indicator the catalogue does not know, and no row
-- below the indicator's niedrigste_ebene (Land and Bund are comparison rows); and it misses no public row of
-- rpt_indikatorwerte at an allowed level.
with katalog as (
    select
        indikator_id,
        geheimhaltung,
        {{ ebene_rang('niedrigste_ebene') }} as rang
    from {{ ref('indikatoren') }}
),

zuviel as (
    select
        o.gebiet_ebene,
        o.gebiet_id,
        o.jahr,
        o.indikator_id,
        'nicht öffentlich oder unter niedrigste_ebene' as fehler
    from {{ ref('rpt_oeffentlich') }} as o
    left join katalog as k on o.indikator_id = k.indikator_id
    where
        k.indikator_id is null
        or k.geheimhaltung
        or {{ ebene_rang('o.gebiet_ebene') }} < k.rang
        or o.gebiet_ebene not in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis', 'land', 'bund')
),

fehlt as (
    select
        w.gebiet_ebene,
        w.gebiet_id,
        w.jahr,
        w.indikator_id,
        'öffentliche Zeile fehlt' as fehler
    from {{ ref('rpt_indikatorwerte') }} as w
    inner join katalog as k on w.indikator_id = k.indikator_id
    where
        not k.geheimhaltung
        and {{ ebene_rang('w.gebiet_ebene') }} >= k.rang
        and w.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis', 'land', 'bund')
        and not exists (
            select 1 from {{ ref('rpt_oeffentlich') }} as o
            where
                o.gebiet_ebene = w.gebiet_ebene and o.gebiet_id = w.gebiet_id
                and o.jahr = w.jahr and o.indikator_id = w.indikator_id
        )
)

select * from zuviel
union all
select * from fehlt
