-- The public dataset (rpt_oeffentlich, the only dataset the anonymous Superset role reads) holds exactly the
-- rows of rpt_indikatorwerte that may be public: no row of a confidential indicator (catalogue geheimhaltung)
-- or of an indicator the catalogue does not know, no confidential Ortsteil cell of a public indicator (var
-- vertraulich_als_ortsteil), no row below the indicator's niedrigste_ebene (Land and Bund are comparison rows), and
-- no public row at an allowed level missing.
with katalog as (
    select
        indikator_id,
        geheimhaltung,
        {{ ebene_rang('niedrigste_ebene') }} as rang
    from {{ ref('indikatoren') }}
),

erlaubt as (
    select
        w.gebiet_ebene,
        w.gebiet_id,
        w.jahr,
        w.indikator_id
    from {{ ref('rpt_indikatorwerte') }} as w
    inner join katalog as k on w.indikator_id = k.indikator_id
    where
        not k.geheimhaltung
        -- nor a confidential Ortsteil cell of a public indicator (catalogue geheim_ab_ebene: SGB II per Ortsteil)
        and not {{ vertraulich_als_ortsteil('w.indikator_id', 'w.gebiet_ebene') }}
        and {{ ebene_rang('w.gebiet_ebene') }} >= k.rang
        and w.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis', 'land', 'bund')
),

oeffentlich as (
    select
        gebiet_ebene,
        gebiet_id,
        jahr,
        indikator_id
    from {{ ref('rpt_oeffentlich') }}
),

zuviel as (
    select * from oeffentlich
    except all
    select * from erlaubt
),

fehlt as (
    select * from erlaubt
    except all
    select * from oeffentlich
)

select *, 'nicht öffentlich oder unter niedrigste_ebene' as fehler from zuviel
union all
select *, 'öffentliche Zeile fehlt' as fehler from fehlt
