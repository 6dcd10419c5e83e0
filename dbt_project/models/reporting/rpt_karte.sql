-- One row per polygon of an area (WGS84 GeoJSON, single polygons) with the area's values (map charts).
select v.*, g.geojson
from {{ ref('rpt_indikatorwerte') }} as v
inner join {{ ref('dim_gebiet') }} as g
    on g.gebiet_ebene = v.gebiet_ebene and g.gebiet_id = v.gebiet_id
where g.geojson is not null
