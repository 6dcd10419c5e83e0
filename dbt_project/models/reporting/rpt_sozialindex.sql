-- One row per area and year of mart.sozialindex with Sozialraum and matrix labels, plus one empty row
-- per year and cell of the 4 × 3 status × dynamics matrix (gebiet_id null: all 12 cells always shown,
-- counted as 0). The z columns (z_status_<indikator>, z_dynamik_<indikator>) follow the seed
-- sozialindex_indikatoren; the contract in rpt_sozialindex.yml lists them.
with juengstes as (
    select max(jahr) as juengstes_jahr from {{ ref('sozialindex') }}
),

-- the data class of every index row (superset/provision.py, row-level security by data class)
klasse as (
    select {{ sozialindex_datenklasse() }} as datenklasse
),

sozialraeume as (
    {{ sozialraum_namen() }}
),

gebiete as (
    select
        {{ sozialindex_gebietsjahr('s') }},
        s.statussumme,
        s.statusindex,
        s.statusklasse,
        s.statusklasse_nr,
        s.statusklasse_nr || ' ' || s.statusklasse as status,
        s.dynamik_jahre,
        s.dynamiksumme,
        s.dynamikindex,
        s.dynamikklasse,
        s.dynamikklasse_nr,
        coalesce(s.dynamikklasse_nr || ' ' || s.dynamikklasse, 'ohne Dynamik') as dynamik,
        s.gruppe,
        s.gruppe_bezeichnung,
        k.datenklasse,
        s.ist_demodaten,
        columns('^z_(status|dynamik)_')
    from {{ ref('sozialindex') }} as s
    cross join juengstes as j
    cross join klasse as k
    left join sozialraeume as g
        on g.gebiet_ebene = s.gebiet_ebene and g.gebiet_id = s.gebiet_id
),

-- empty cells of the status × dynamics matrix (no area)
zellen as (
    select
        k.jahr,
        k.jahr = j.juengstes_jahr as ist_juengstes_jahr,
        st.status,
        dy.dynamik,
        kl.datenklasse
    from (select distinct jahr from {{ ref('sozialindex') }}) as k
    cross join juengstes as j
    cross join klasse as kl
    cross join (values ('1 hoch'), ('2 mittel'), ('3 niedrig'), ('4 sehr niedrig')) as st (status)
    cross join (values ('1 positiv'), ('2 stabil'), ('3 negativ')) as dy (dynamik)
)

-- by name: the empty matrix cells have no area columns
select * from gebiete  -- noqa: AM07
union all by name
select * from zellen
