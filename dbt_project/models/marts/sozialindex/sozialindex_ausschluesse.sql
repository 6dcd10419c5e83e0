{#-
  mart.sozialindex_ausschluesse: every area of the reference level and year that is not (fully) in
  mart.sozialindex, with the reason. One row per reason:
    bereich = 'status_und_dynamik': the area has no index in that year (population below the minimum
              or unknown, or an index indicator missing / suppressed in the year);
    bereich = 'nur_dynamik': the area has a Statusindex but no Dynamikindex (an indicator missing or
              suppressed `dynamik_jahre` years earlier, e.g. the first years of a series).
-#}
{%- set jahre = var('sozialindex_dynamik_jahre', 2) | int -%}
with eingaben as (
    select * from {{ ref('int_sozialindex__eingaben') }}
),

gruende as (
    -- population
    select distinct
        gebiet_ebene, gebiet_id, gebiet_name, sozialraum_id, kreis_ags, jahr, einwohner,
        'status_und_dynamik' as bereich,
        cast(null as varchar) as indikator_id,
        einwohner_mangel as grund
    from eingaben
    where einwohner_mangel is not null

    union all

    -- an index indicator missing or suppressed in the year
    select
        gebiet_ebene, gebiet_id, gebiet_name, sozialraum_id, kreis_ags, jahr, einwohner,
        'status_und_dynamik',
        indikator_id,
        'Indikator ' || indikator_id || ' ' || status_mangel || ' (' || jahr || ')'
    from eingaben
    where status_mangel is not null

    union all

    -- status valid, but a value of the comparison year missing or suppressed
    select
        gebiet_ebene, gebiet_id, gebiet_name, sozialraum_id, kreis_ags, jahr, einwohner,
        'nur_dynamik',
        indikator_id,
        'Dynamik: Indikator ' || indikator_id || ' ' || vorperiode_mangel
            || ' im Vergleichsjahr ' || (jahr - {{ jahre }})
    from eingaben
    where status_gueltig and not dynamik_gueltig and vorperiode_mangel is not null
)

select *
from gruende
