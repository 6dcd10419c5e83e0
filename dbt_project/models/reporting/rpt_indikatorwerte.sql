-- Indicator values per area, year and indicator with the catalogue name, the area's Sozialraum and the
-- comparison values of its Kreis, Land and Bund (Superset dataset rpt_indikatorwerte; profiles; macro
-- indikatorwerte_bericht, as rpt_monatswerte).
{% call indikatorwerte_bericht(
    'sozialraum_indikatoren', 'jahr',
    zeit=['w.jahr', 'make_date(w.jahr, 12, 31) as zeitpunkt'],
    vergleich=['l.wert as land_wert', 'b.wert as bund_wert'],
) %}
-- comparison rows (official rows of the region's Land and of Germany, same indicator and year)
left join {{ ref('sozialraum_indikatoren') }} as l
    on
        l.gebiet_ebene = 'land' and l.gebiet_id = left(coalesce(w.kreis_ags, w.gebiet_id), 2)
        and l.jahr = w.jahr and l.indikator_id = w.indikator_id
left join {{ ref('sozialraum_indikatoren') }} as b
    on b.gebiet_ebene = 'bund' and b.jahr = w.jahr and b.indikator_id = w.indikator_id
{% endcall %}
