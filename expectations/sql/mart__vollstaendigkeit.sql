-- Every Gemeinde of the mart's area dimension × every (period, indicator) the mart publishes for Gemeinden: a
-- period is published for every Gemeinde or for none, except where the rate is undefined because its
-- denominator is 0 in the delivered data (e.g. no § 8a assessment in a Gemeinde that year): such rates have no
-- row by design (denominators are > 0).
-- Parameters (the suite's meta.dataset_parameters): $mart, the mart table (e.g. mart.sozialraum_indikatoren);
-- $zeit, its period column (jahr, monat), kept under its own name in the result and joined on as `periode`;
-- $gemeindewerte, the intermediate model of the mart's Gemeinde values (numerator, denominator, suppression).
WITH angebot AS (
    SELECT DISTINCT COLUMNS(c -> c = $zeit), COLUMNS(c -> c = $zeit) AS periode, indikator_id
    FROM query_table($mart) WHERE gebiet_ebene = 'gemeinde'
),
gemeinden AS (
    SELECT DISTINCT gebiet_id AS ags, gebiet_name FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeinde'  -- one row per polygon part
),
undefiniert AS (
    SELECT DISTINCT ags, COLUMNS(c -> c = $zeit) AS periode, indikator_id FROM query_table($gemeindewerte)
    WHERE nenner = 0 AND NOT coalesce(nenner_unterdrueckt, false)
),
zeilen AS (
    SELECT COLUMNS(c -> c = $zeit) AS periode, indikator_id, gebiet_id AS ags, count(*) AS zeilen
    FROM query_table($mart) WHERE gebiet_ebene = 'gemeinde' GROUP BY ALL
)
SELECT COLUMNS(c -> c = $zeit), a.indikator_id, g.ags, g.gebiet_name, coalesce(z.zeilen, 0) AS zeilen
FROM angebot a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.periode = a.periode AND z.indikator_id = a.indikator_id AND z.ags = g.ags
ANTI JOIN undefiniert u ON u.periode = a.periode AND u.indikator_id = a.indikator_id AND u.ags = g.ags
ORDER BY a.indikator_id, a.periode, g.ags
