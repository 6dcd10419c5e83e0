-- SGB-II-Quote and Kinderarmut per area (Ortsteil, Gemeinde, Sozialraum, Kreis), Berichtsmonat and indicator
-- (mart.sgb2_monatswerte) with the catalogue name, the area's Sozialraum, the Kreis value of the same month and
-- the value of the same month one year earlier (Superset dataset rpt_monatswerte, dashboard Monatsmonitor).
with gebiete as (
    {{ sozialraum_namen() }}
)

select
    {{ gebiet_spalten('w') }},
    w.kreis_ags,
    w.jahr,
    w.monat,
    w.monat_nr,
    w.indikator_id,
    coalesce(i.name, w.indikator_id) as indikator,
    i.thema,
    w.einheit,
    w.wert,
    w.zaehler,
    w.nenner,
    w.ist_unterdrueckt,
    w.nenner_stichtag,
    w.quelle,
    w.nenner_quelle,
    w.ist_demodaten,
    k.wert as kreis_wert,
    w.wert - k.wert as abweichung_kreis,
    v.wert as vorjahresmonat_wert,
    w.wert - v.wert as veraenderung_vorjahresmonat,
    w.ist_umgeschluesselt,
    -- the Jobcenter's Ortsteil cells (catalogue geheim_ab_ebene) are confidential, as in rpt_indikatorwerte
    {{ datenklasse("i.geheimhaltung or " ~ vertraulich_als_ortsteil('w.indikator_id', 'w.gebiet_ebene')) }}
        as datenklasse
from {{ ref('sgb2_monatswerte') }} as w
left join gebiete as g
    on w.gebiet_ebene = g.gebiet_ebene and w.gebiet_id = g.gebiet_id
left join {{ ref('indikatoren') }} as i
    on w.indikator_id = i.indikator_id
left join {{ ref('sgb2_monatswerte') }} as k
    on
        k.gebiet_ebene = 'kreis' and w.kreis_ags = k.gebiet_id
        and w.monat = k.monat and w.indikator_id = k.indikator_id
left join {{ ref('sgb2_monatswerte') }} as v
    on
        w.gebiet_ebene = v.gebiet_ebene and w.gebiet_id = v.gebiet_id
        and v.monat = cast(w.monat - interval 1 year as date) and w.indikator_id = v.indikator_id
