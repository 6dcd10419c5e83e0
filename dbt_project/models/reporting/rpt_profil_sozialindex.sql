-- The Sozialindex of every Gemeinde or Sozialraum in its latest index year with the z-value of each
-- index indicator and its rank as a driver: rank 1 is the largest z-value in the direction of the
-- Statusindex (the most unfavourable indicator of an area with a positive index, the most favourable
-- of one with a negative index). Read by the narrative of the profiles.
with letzte as (
    select *
    from {{ ref('sozialindex') }}
    qualify jahr = max(jahr) over (partition by gebiet_ebene, gebiet_id)
)

select
    s.gebiet_ebene,
    s.gebiet_id,
    s.gebiet_name,
    s.jahr,
    s.statusindex,
    s.statusklasse,
    s.dynamikklasse,
    z.indikator_id,
    coalesce(i.name, z.indikator_id) as indikator,
    z.z_status,
    row_number() over (
        partition by s.gebiet_ebene, s.gebiet_id
        order by z.z_status * (case when s.statusindex < 0 then -1 else 1 end) desc nulls last, z.indikator_id
    ) as treiber_rang,
    s.ist_demodaten
from letzte as s
inner join {{ ref('sozialindex_zwerte') }} as z
    on z.gebiet_ebene = s.gebiet_ebene and z.gebiet_id = s.gebiet_id and z.jahr = s.jahr
left join {{ ref('indikatoren') }} as i
    on i.indikator_id = z.indikator_id
