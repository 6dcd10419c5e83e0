-- SGB-II-Quote and Kinderarmut per area (Ortsteil, Gemeinde, Sozialraum, Kreis), Berichtsmonat and indicator
-- (mart.sgb2_monatswerte) with the catalogue name, the area's Sozialraum, the Kreis value of the same month and
-- the value of the same month one year earlier (Superset dataset rpt_monatswerte, dashboard Monatsmonitor; macro
-- indikatorwerte_bericht, as rpt_indikatorwerte: the Jobcenter's Ortsteil cells are confidential there as well).
{% call indikatorwerte_bericht(
    'sgb2_monatswerte', 'monat',
    zeit=['w.jahr', 'w.monat', 'w.monat_nr'],
    stichtag=['w.nenner_stichtag'],
    vergleich=['v.wert as vorjahresmonat_wert', 'w.wert - v.wert as veraenderung_vorjahresmonat'],
) %}
left join {{ ref('sgb2_monatswerte') }} as v
    on
        w.gebiet_ebene = v.gebiet_ebene and w.gebiet_id = v.gebiet_id
        and v.monat = cast(w.monat - interval 1 year as date) and w.indikator_id = v.indikator_id
{% endcall %}
