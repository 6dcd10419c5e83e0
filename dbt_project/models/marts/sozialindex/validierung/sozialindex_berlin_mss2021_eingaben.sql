{{ config(schema='validierung', materialized='table', tags=['validierung']) }}
{#-
  The Berlin z-values in the input shape of the shared Sozialindex macros: indicators S1, S3, S4 with
  the status value zS and the change value zD. The MSS z-values are already oriented (high = more
  disadvantage), hence richtung = +1. An area takes part when all three values are present.
-#}
with p as (
    select * from {{ ref('sozialindex_berlin_mss2021_publiziert') }}
),

lang as (
    select plr_id, 'S1' as indikator_id, zs1 as wert, zd1 as veraenderung from p
    union all
    select plr_id, 'S3', zs3, zd3 from p
    union all
    select plr_id, 'S4', zs4, zd4 from p
)

select
    l.plr_id as gebiet_id,
    2020 as jahr,
    l.indikator_id,
    1 as richtung,
    l.wert,
    l.veraenderung,
    p.zs1 is not null and p.zs3 is not null and p.zs4 is not null as status_gueltig,
    p.zd1 is not null and p.zd3 is not null and p.zd4 is not null
        and p.zs1 is not null and p.zs3 is not null and p.zs4 is not null as dynamik_gueltig
from lang as l
inner join p on p.plr_id = l.plr_id
