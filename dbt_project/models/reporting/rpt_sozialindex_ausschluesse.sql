-- Areas without a (complete) Sozialindex with the reason in words (indicator names from the catalogue).
with gebiete as (
    {{ sozialraum_namen() }}
),

-- the latest Sozialindex year; a region without any index (e.g. official tables only) has exclusions only
juengstes as (
    select coalesce(
        (select max(jahr) from {{ ref('sozialindex') }}),
        (select max(jahr) from {{ ref('sozialindex_ausschluesse') }})
    ) as juengstes_jahr
)

select
    {{ sozialindex_gebietsjahr('a') }},
    a.bereich,
    case a.bereich
        when 'status_und_dynamik' then 'kein Sozialindex'
        when 'nur_dynamik' then 'ohne Dynamikindex'
        else a.bereich end as ausschluss,
    a.indikator_id,
    coalesce(i.name, a.indikator_id) as indikator,
    case when a.indikator_id is null then a.grund
         else replace(a.grund, 'Indikator ' || a.indikator_id, 'Indikator „' || coalesce(i.name, a.indikator_id) || '“')
    end as grund,
    {{ sozialindex_datenklasse() }} as datenklasse
from {{ ref('sozialindex_ausschluesse') }} as a
cross join juengstes as j
left join gebiete as g
    on g.gebiet_ebene = a.gebiet_ebene and g.gebiet_id = a.gebiet_id
left join {{ ref('indikatoren') }} as i
    on i.indikator_id = a.indikator_id
