-- Privacy contract: no model of the published schema `mart` has a column that identifies a person or a
-- case (patterns: seed personenbezogene_spalten, the same list ingest, publish and export use).
-- One row per offending column.
select
    c.table_name,
    c.column_name,
    p.muster,
    p.beschreibung
from information_schema.columns as c
inner join {{ ref('personenbezogene_spalten') }} as p
    on regexp_full_match(lower(c.column_name), p.muster)
where
    c.table_catalog = current_database()
    and c.table_schema = 'mart'
