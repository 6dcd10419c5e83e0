{{ config(schema='intermediate', materialized='table') }}
{#-
  Inputs of the Sozialindex: one row per area of the reference level × year × index indicator, with
  the value in the year, the value `sozialindex_dynamik_jahre` years earlier, the change, the
  population and the validity flags the standardisation macros expect (macros/sozialindex.sql).
  Candidate area-years: every area of the reference level × every year in which any area has a value
  of any index indicator, so that an area lacking an indicator is listed as excluded, not lost.
  Reference level `ortsteil`: the smallest unit of the region, as MSS's planning areas cover the whole city —
  the Ortsteile, and every Gemeinde without Ortsteil rows as one area (gebiet_ebene says which).
-#}
{%- set ebene = var('sozialindex_bezugsebene', 'gemeinde') -%}
{%- set jahre = var('sozialindex_dynamik_jahre', 2) | int -%}
{%- set min_ew = var('sozialindex_min_einwohner', 300) -%}

with konfig as (
    select indikator_id, polaritaet, -polaritaet as richtung
    from {{ ref('sozialindex_indikatoren') }}
    where einbezogen
),

werte as (
    select *
    from {{ ref('sozialraum_indikatoren') }}
    where gebiet_ebene = '{{ ebene }}'
    {%- if ebene == 'ortsteil' %}
        -- a Gemeinde without Ortsteile is an area of its own (Ortsteil-ID = AGS + Ortsteilschlüssel)
        or (
            gebiet_ebene = 'gemeinde'
            and gebiet_id not in (
                select left(ortsteile.gebiet_id, 8) from {{ ref('sozialraum_indikatoren') }} as ortsteile
                where ortsteile.gebiet_ebene = 'ortsteil'
            )
        )
    {%- endif %}
),

gebiete as (
    select
        gebiet_id,
        any_value(gebiet_name order by jahr desc) as gebiet_name,
        any_value(kreis_ags order by jahr desc) as kreis_ags,
        any_value(sozialraum_id order by jahr desc) as sozialraum_id,
        any_value(gebiet_ebene) as gebiet_ebene
    from werte
    group by gebiet_id
),

jahre as (
    select distinct w.jahr
    from werte as w
    inner join konfig as k on k.indikator_id = w.indikator_id
    where w.wert is not null
),

einwohner as (
    select gebiet_id, jahr, max(coalesce(wert, zaehler)) as einwohner
    from werte
    where indikator_id = '{{ var("sozialindex_einwohner_indikator", "bevoelkerung") }}'
    group by gebiet_id, jahr
),

kandidaten as (
    select g.*, j.jahr, k.indikator_id, k.polaritaet, k.richtung
    from gebiete as g
    cross join jahre as j
    cross join konfig as k
),

zeilen as (
    select
        c.*,
        e.einwohner,
        w.wert,
        coalesce(w.ist_unterdrueckt, false) as ist_unterdrueckt,
        v.wert as wert_vorperiode,
        coalesce(v.ist_unterdrueckt, false) as vorperiode_unterdrueckt,
        coalesce(w.ist_demodaten, false) or coalesce(v.ist_demodaten, false) as ist_demodaten,
        case
            when w.wert is not null then null
            when coalesce(w.ist_unterdrueckt, false) then 'unterdrückt'
            else 'fehlt'
        end as status_mangel,
        case
            when v.wert is not null then null
            when coalesce(v.ist_unterdrueckt, false) then 'unterdrückt'
            else 'fehlt'
        end as vorperiode_mangel
    from kandidaten as c
    left join werte as w
        on w.gebiet_id = c.gebiet_id and w.jahr = c.jahr and w.indikator_id = c.indikator_id
    left join werte as v
        on v.gebiet_id = c.gebiet_id and v.jahr = c.jahr - {{ jahre }} and v.indikator_id = c.indikator_id
    left join einwohner as e
        on e.gebiet_id = c.gebiet_id and e.jahr = c.jahr
),

flags as (
    select
        *,
        case
            when einwohner is null then 'Einwohnerzahl fehlt'
            when einwohner < {{ min_ew }} then 'weniger als {{ min_ew }} Einwohner'
        end as einwohner_mangel,
        bool_and(status_mangel is null) over (partition by gebiet_id, jahr) as alle_werte_da,
        bool_and(vorperiode_mangel is null) over (partition by gebiet_id, jahr) as alle_vorwerte_da
    from zeilen
)

select
    gebiet_ebene,
    gebiet_id,
    gebiet_name,
    kreis_ags,
    sozialraum_id,
    jahr,
    {{ jahre }} as dynamik_jahre,
    indikator_id,
    polaritaet,
    richtung,
    einwohner,
    wert,
    ist_unterdrueckt,
    wert_vorperiode,
    vorperiode_unterdrueckt,
    wert - wert_vorperiode as veraenderung,
    ist_demodaten,
    status_mangel,
    vorperiode_mangel,
    einwohner_mangel,
    einwohner_mangel is null and alle_werte_da as status_gueltig,
    einwohner_mangel is null and alle_werte_da and alle_vorwerte_da as dynamik_gueltig
from flags
