-- Every Gemeinde of the mart's area dimension × every (year, indicator) the mart publishes, except
-- where the rate is undefined because its denominator is 0 in the delivered data (e.g. no § 8a
-- assessment in a Gemeinde that year): such rates have no row by design (denominators are > 0).
WITH angebot AS (
    SELECT DISTINCT jahr, indikator_id FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'gemeinde'
),
gemeinden AS (
    SELECT DISTINCT gebiet_id AS ags, gebiet_name FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeinde'  -- one row per polygon part
),
undefiniert AS (
    SELECT DISTINCT ags, jahr, indikator_id FROM intermediate.int_indikatoren__gemeinde
    WHERE nenner = 0 AND NOT coalesce(nenner_unterdrueckt, false)
),
zeilen AS (
    SELECT jahr, indikator_id, gebiet_id AS ags, count(*) AS zeilen
    FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'gemeinde' GROUP BY ALL
)
SELECT a.jahr, a.indikator_id, g.ags, g.gebiet_name, coalesce(z.zeilen, 0) AS zeilen
FROM angebot a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.jahr = a.jahr AND z.indikator_id = a.indikator_id AND z.ags = g.ags
ANTI JOIN undefiniert u ON u.jahr = a.jahr AND u.indikator_id = a.indikator_id AND u.ags = g.ags
ORDER BY a.indikator_id, a.jahr, g.ags
