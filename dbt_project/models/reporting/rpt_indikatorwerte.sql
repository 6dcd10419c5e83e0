-- Indicator values per area, year and indicator with the catalogue name, the area's Sozialraum and the
-- comparison values of its Kreis, Land and Bund (Superset dataset rpt_indikatorwerte; profiles).
-- dim_gebiet may hold several polygons per area (exploded MultiPolygons): the sub-select keeps one
-- row per area, so no value is counted twice.
with gebiete as (
    {{ sozialraum_namen() }}
)

select
    {{ gebiet_spalten('w') }},
    w.kreis_ags,
    w.jahr,
    make_date(w.jahr, 12, 31) as zeitpunkt,
    w.indikator_id,
    coalesce(i.name, w.indikator_id) as indikator,
    i.thema,
    w.einheit,
    w.wert,
    w.zaehler,
    w.nenner,
    w.ist_unterdrueckt,
    w.quelle,
    w.nenner_quelle,
    w.ist_demodaten,
    k.wert as kreis_wert,
    w.wert - k.wert as abweichung_kreis,
    l.wert as land_wert,
    b.wert as bund_wert,
    w.ist_umgeschluesselt,
    {{ datenklasse("i.geheimhaltung or " ~ vertraulich_als_ortsteil('w.indikator_id', 'w.gebiet_ebene')) }}
        as datenklasse
from {{ ref('sozialraum_indikatoren') }} as w
left join gebiete as g
    on g.gebiet_ebene = w.gebiet_ebene and g.gebiet_id = w.gebiet_id
left join {{ ref('indikatoren') }} as i
    on i.indikator_id = w.indikator_id
left join {{ ref('sozialraum_indikatoren') }} as k
    on k.gebiet_ebene = 'kreis' and k.gebiet_id = w.kreis_ags
   and k.jahr = w.jahr and k.indikator_id = w.indikator_id
-- comparison rows (official rows of the region's Land and of Germany, same indicator and year)
left join {{ ref('sozialraum_indikatoren') }} as l
    on l.gebiet_ebene = 'land' and l.gebiet_id = left(coalesce(w.kreis_ags, w.gebiet_id), 2)
   and l.jahr = w.jahr and l.indikator_id = w.indikator_id
left join {{ ref('sozialraum_indikatoren') }} as b
    on b.gebiet_ebene = 'bund' and b.jahr = w.jahr and b.indikator_id = w.indikator_id
