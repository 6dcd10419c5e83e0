{{ config(schema='validierung', materialized='table', tags=['validierung']) }}
{#-
  Validation of the Sozialindex code against the published Berlin MSS 2021: the published z-values
  run through the same macros as mart.sozialindex (z-standardisation, standardised sums, classes).
  The MSS publishes its indices rounded to two decimals and computed them from unrounded z-values;
  the *_abweichung columns compare at the published precision, *_abweichung_roh without rounding.
-#}
with eingaben as (
    select * from {{ ref('sozialindex_berlin_mss2021_eingaben') }}
),

zwerte as (
    {{ sozialindex_zwerte_select('eingaben') }}
),

berechnet as (
    {{ sozialindex_index_select('zwerte', 3) }}
)

select
    p.plr_id,
    p.plr_name,
    p.einwohner,
    b.statussumme,
    b.statusindex,
    p.statusindex as statusindex_publiziert,
    round(b.statusindex, 2) - p.statusindex as statusindex_abweichung,
    b.statusindex - p.statusindex as statusindex_abweichung_roh,
    b.statusklasse,
    p.statusklasse as statusklasse_publiziert,
    (b.statusklasse is not distinct from p.statusklasse) as statusklasse_gleich,
    b.dynamiksumme,
    b.dynamikindex,
    p.dynamikindex as dynamikindex_publiziert,
    round(b.dynamikindex, 2) - p.dynamikindex as dynamikindex_abweichung,
    b.dynamikindex - p.dynamikindex as dynamikindex_abweichung_roh,
    b.dynamikklasse,
    p.dynamikklasse as dynamikklasse_publiziert,
    (b.dynamikklasse is not distinct from p.dynamikklasse) as dynamikklasse_gleich,
    b.gruppe
from {{ ref('sozialindex_berlin_mss2021_publiziert') }} as p
left join berechnet as b on b.gebiet_id = p.plr_id
where p.statusindex is not null
