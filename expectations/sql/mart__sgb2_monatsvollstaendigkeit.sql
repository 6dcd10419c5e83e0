-- Every Gemeinde of the mart's area dimension × every (month, indicator) mart.sgb2_monatswerte publishes
-- for Gemeinden: a month is published for every Gemeinde or for none. A rate over a zero denominator has no
-- row by design and is left out.
WITH angebot AS (
    SELECT DISTINCT monat, indikator_id FROM mart.sgb2_monatswerte WHERE gebiet_ebene = 'gemeinde'
),
gemeinden AS (
    SELECT DISTINCT gebiet_id AS ags, gebiet_name FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeinde'  -- one row per polygon part
),
undefiniert AS (
    SELECT DISTINCT ags, monat, indikator_id FROM intermediate.int_sgb2__monatsindikatoren
    WHERE nenner = 0 AND NOT coalesce(nenner_unterdrueckt, false)
),
zeilen AS (
    SELECT monat, indikator_id, gebiet_id AS ags, count(*) AS zeilen
    FROM mart.sgb2_monatswerte WHERE gebiet_ebene = 'gemeinde' GROUP BY ALL
)
SELECT a.monat, a.indikator_id, g.ags, g.gebiet_name, coalesce(z.zeilen, 0) AS zeilen
FROM angebot a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.monat = a.monat AND z.indikator_id = a.indikator_id AND z.ags = g.ags
ANTI JOIN undefiniert u ON u.monat = a.monat AND u.indikator_id = a.indikator_id AND u.ags = g.ags
ORDER BY a.indikator_id, a.monat, g.ags
