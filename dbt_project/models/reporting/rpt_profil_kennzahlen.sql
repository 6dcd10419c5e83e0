-- Profile figures per Gemeinde and Sozialraum and indicator (the latest year the area has a row for it):
-- the value, its Kreis, Land and Bund values of the same year, the value five years before and the
-- change since then (the narrative of the profiles, orchestration/profiles/narrative.py). A suppressed
-- value stays empty, and so does every change computed with it; the small-number flag uses the
-- published Zähler only, and only where it counts cases (not for a Saldo).
with werte as (
    select * from {{ ref('rpt_indikatorwerte') }}
    where gebiet_ebene in ('gemeinde', 'sozialraum')
),

letzte as (
    select *
    from werte
    qualify jahr = max(jahr) over (partition by gebiet_ebene, gebiet_id, indikator_id)
),

-- a difference (Zuzüge minus Fortzüge, Pendlersaldo) is no number of cases: no small-number flag
salden as (
    select w.indikator_id
    from {{ ref('sozialraum_indikatoren') }} as w
    left join {{ ref('indikatoren') }} as i on w.indikator_id = i.indikator_id
    group by w.indikator_id
    having bool_or(w.zaehler < 0) or bool_or(coalesce(i.zaehler ilike '% minus %', false))
)

select
    l.gebiet_ebene,
    l.gebiet_id,
    l.gebiet_name,
    l.sozialraum_id,
    l.kreis_ags,
    l.indikator_id,
    l.indikator,
    l.einheit,
    l.jahr,
    l.wert,
    l.zaehler,
    l.ist_unterdrueckt,
    l.kreis_wert,
    l.land_wert,
    l.bund_wert,
    l.jahr - 5 as trend_basisjahr,
    b.wert as trend_basiswert,
    coalesce(b.ist_unterdrueckt, false) as trend_basis_unterdrueckt,
    case
        when not l.ist_unterdrueckt and not coalesce(b.ist_unterdrueckt, false)
            then l.wert - b.wert
    end as trend_veraenderung,
    (
        not l.ist_unterdrueckt
        and s.indikator_id is null
        and l.zaehler is not null
        and l.zaehler < {{ var('profil_kleine_fallzahl', 20) }}
    ) as ist_kleine_fallzahl,
    l.ist_demodaten,
    l.datenklasse
from letzte as l
left join werte as b
    on
        b.gebiet_ebene = l.gebiet_ebene
        and b.gebiet_id = l.gebiet_id
        and b.indikator_id = l.indikator_id
        and b.jahr = l.jahr - 5
left join salden as s
    on l.indikator_id = s.indikator_id
