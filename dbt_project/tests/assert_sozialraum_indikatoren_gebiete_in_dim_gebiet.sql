-- Every area of mart.sozialraum_indikatoren exists in mart.dim_gebiet (composite key gebiet_ebene, gebiet_id).
select distinct indikatoren.gebiet_ebene, indikatoren.gebiet_id
from {{ ref('sozialraum_indikatoren') }} as indikatoren
left join {{ ref('dim_gebiet') }} as gebiete
    on indikatoren.gebiet_ebene = gebiete.gebiet_ebene
    and indikatoren.gebiet_id = gebiete.gebiet_id
where gebiete.gebiet_id is null
