-- The Sozialindex areas (not the empty matrix cells) with one row per polygon of mart.dim_gebiet.
select v.*, g.geojson
from {{ ref('rpt_sozialindex') }} as v
inner join {{ ref('dim_gebiet') }} as g
    on g.gebiet_ebene = v.gebiet_ebene and g.gebiet_id = v.gebiet_id
where v.gebiet_id is not null
  and g.geojson is not null
