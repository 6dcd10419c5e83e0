-- Every Gemeinde of the mart's area dimension × every (year, indicator) the mart publishes.
WITH angebot AS (
    SELECT DISTINCT jahr, indikator_id FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'gemeinde'
),
gemeinden AS (
    SELECT DISTINCT gebiet_id AS ags, gebiet_name FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeinde'  -- one row per polygon part
),
zeilen AS (
    SELECT jahr, indikator_id, gebiet_id AS ags, count(*) AS zeilen
    FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'gemeinde' GROUP BY ALL
)
SELECT a.jahr, a.indikator_id, g.ags, g.gebiet_name, coalesce(z.zeilen, 0) AS zeilen
FROM angebot a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.jahr = a.jahr AND z.indikator_id = a.indikator_id AND z.ags = g.ags
ORDER BY a.indikator_id, a.jahr, g.ags
