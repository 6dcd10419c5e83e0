{{ config(materialized="table") }}
{#-
  mart.sozialindex: one row per area of the reference level and year with a valid status: the
  oriented z-value of every index indicator (z_status_<indikator>, z_dynamik_<indikator>),
  Statussumme, Statusindex (sum / its population SD), Statusklasse, the same for Dynamik, and the
  combined group of 12. Computed by the shared macros (macros/sozialindex.sql) that the Berlin MSS 2021
  validation also runs. Dynamik columns are NULL where the area has no valid value `dynamik_jahre`
  earlier (listed in mart.sozialindex_ausschluesse).
-#}
with zwerte as (
    select * from {{ ref('sozialindex_zwerte') }}
),

index_werte as (
    {{ sozialindex_index_select(
        'zwerte',
        "(select count(*) from " ~ ref('sozialindex_indikatoren') ~ " where einbezogen)"
    ) }}
),

gebiete as (
    select
        gebiet_id,
        jahr,
        any_value(gebiet_ebene) as gebiet_ebene,
        any_value(gebiet_name) as gebiet_name,
        any_value(sozialraum_id) as sozialraum_id,
        any_value(kreis_ags) as kreis_ags,
        any_value(einwohner) as einwohner,
        any_value(dynamik_jahre) as dynamik_jahre,
        bool_or(ist_demodaten) as ist_demodaten
    from zwerte
    group by gebiet_id, jahr
),

{# Wide z-value columns, one per index indicator of the seed (a placeholder row per configured
    indicator keeps the columns even when no area is valid). -#}
pivot_quelle as (
    select gebiet_id, jahr, indikator_id, z_status, z_dynamik from zwerte
    union all
    select null, null, indikator_id, null, null
    from {{ ref('sozialindex_indikatoren') }}
    where einbezogen
),

z_status_breit as (
    pivot pivot_quelle on 'z_status_' || indikator_id using first(z_status) group by gebiet_id, jahr
),

z_dynamik_breit as (
    pivot pivot_quelle on 'z_dynamik_' || indikator_id using first(z_dynamik) group by gebiet_id, jahr
)

select
    g.gebiet_ebene,
    i.gebiet_id,
    g.gebiet_name,
    g.sozialraum_id,
    g.kreis_ags,
    i.jahr,
    g.einwohner,
    i.statussumme,
    i.statusindex,
    i.statusklasse,
    i.statusklasse_nr,
    g.dynamik_jahre,
    i.dynamiksumme,
    i.dynamikindex,
    i.dynamikklasse,
    i.dynamikklasse_nr,
    i.gruppe,
    i.gruppe_nr,
    i.gruppe_bezeichnung,
    g.ist_demodaten,
    -- EXCLUDE lists column names, not references (sqlfluff reads them as unqualified references)
    zs.* exclude (gebiet_id, jahr),  -- noqa: RF02
    zd.* exclude (gebiet_id, jahr)  -- noqa: RF02
from index_werte as i
inner join gebiete as g on g.gebiet_id = i.gebiet_id and g.jahr = i.jahr
inner join z_status_breit as zs on zs.gebiet_id = i.gebiet_id and zs.jahr = i.jahr
inner join z_dynamik_breit as zd on zd.gebiet_id = i.gebiet_id and zd.jahr = i.jahr
where i.statussumme is not null
