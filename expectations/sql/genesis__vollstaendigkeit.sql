-- Every Gemeinde of the region on the target Gebietsstand × every delivered (current) table and time
-- label: number of delivered rows that make it up. A delivered Gemeinde counts for the target
-- Gemeinden it has a share in (Gebietsstand key in use: the target year of region.yml, else the newest;
-- the key year nearest to the data year in which it exists), so a merger or split is no gap, while a
-- Gemeinde missing from a table still is.
WITH aktuell AS (SELECT tabelle, zeit, min(datei) AS datei FROM aktuell.genesis__werte GROUP BY ALL),
region AS (
    SELECT CASE WHEN upper(coalesce(region_ags, '')) = 'DG' THEN '' ELSE coalesce(region_ags, '') END AS prefix,
           gebietsstand
    FROM raw.region__profil LIMIT 1
),
schluessel AS (
    SELECT jahr, ags_alt, ags_ziel FROM raw.gebietsstand__schluessel
    WHERE ebene = 'gemeinde'
      AND sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
      AND ziel_jahr = coalesce((SELECT gebietsstand FROM region),
                               (SELECT max(ziel_jahr) FROM raw.gebietsstand__lieferungen WHERE ebene = 'gemeinde'))
),
jahre AS (SELECT min(jahr) AS erstes, max(jahr) AS letztes FROM schluessel),
gemeindezeilen AS (
    SELECT w.tabelle, w.zeit, w.ags, w.zeile, w.wert, w.marker,
           least(greatest(w.jahr, j.erstes), j.letztes) AS daten_jahr
    FROM aktuell.genesis__werte w CROSS JOIN jahre j
    WHERE w.gebiet_ebene = 'gemeinde'
),
-- per old area and data year the nearest key year in which the area exists (as dbt converts)
schluesseljahr AS (
    SELECT d.ags, d.daten_jahr, k.jahr AS schluessel_jahr, abs(k.jahr - d.daten_jahr) AS abstand
    FROM (SELECT DISTINCT ags, daten_jahr FROM gemeindezeilen) d
    JOIN (SELECT DISTINCT jahr, ags_alt FROM schluessel) k ON k.ags_alt = d.ags
    QUALIFY row_number() OVER (PARTITION BY d.ags, d.daten_jahr ORDER BY abs(k.jahr - d.daten_jahr), k.jahr) = 1
),
zeilen AS (
    SELECT g.tabelle, g.zeit, coalesce(s.ags_ziel, g.ags) AS ags, count(DISTINCT g.zeile) AS zeilen
    FROM gemeindezeilen g
    LEFT JOIN schluesseljahr sj ON sj.ags = g.ags AND sj.daten_jahr = g.daten_jahr
    LEFT JOIN schluessel s ON s.ags_alt = g.ags AND s.jahr = sj.schluessel_jahr
    -- an area without key in the years next to the data year did not exist then: its '-' (or a marker
    -- without a number, as in the BA tables) is "not applicable", not a row of anything
    WHERE NOT (coalesce(sj.abstand > 1, true) AND (g.wert IS NULL OR coalesce(g.marker = '-', false)))
    GROUP BY ALL
),
gemeinden AS (
    SELECT ags, max(gemeinde_name) AS gemeinde_name FROM (
        SELECT ags, gemeinde_name FROM raw.region__gemeinden
        UNION ALL
        SELECT DISTINCT ags, NULL FROM zeilen  -- Gemeinden known only from the tables (profile with region.yml only)
        WHERE starts_with(ags, (SELECT prefix FROM region))
    ) GROUP BY ags
)
SELECT a.tabelle, a.zeit, a.datei, g.ags, g.gemeinde_name, coalesce(z.zeilen, 0) AS zeilen
FROM aktuell a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.tabelle = a.tabelle AND z.zeit = a.zeit AND z.ags = g.ags
ORDER BY a.tabelle, a.zeit, g.ags
