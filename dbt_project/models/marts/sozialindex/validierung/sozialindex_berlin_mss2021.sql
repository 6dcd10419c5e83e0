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
    {%- for index in ['status', 'dynamik'] %}
    b.{{ index }}summe,
    b.{{ index }}index,
    p.{{ index }}index as {{ index }}index_publiziert,
    round(b.{{ index }}index, 2) - p.{{ index }}index as {{ index }}index_abweichung,
    b.{{ index }}index - p.{{ index }}index as {{ index }}index_abweichung_roh,
    b.{{ index }}klasse,
    p.{{ index }}klasse as {{ index }}klasse_publiziert,
    (b.{{ index }}klasse is not distinct from p.{{ index }}klasse) as {{ index }}klasse_gleich,
    {%- endfor %}
    b.gruppe
from {{ ref('sozialindex_berlin_mss2021_publiziert') }} as p
left join berechnet as b on b.gebiet_id = p.plr_id
where p.statusindex is not null
