-- Every Gemeinde of the region on the target Gebietsstand × every delivered (current) table and time
-- label: number of delivered rows that make it up. A delivered Gemeinde counts for the target
-- Gemeinden it has a share in (Gebietsstand key in use: the target year of region.yml, else the newest;
-- key years next to the data year), so a merger or split is no gap, while a Gemeinde missing from a
-- table still is.
WITH aktuell AS (
    SELECT tabelle, zeit,
           arg_max(sha256, coalesce(strftime(stand, '%Y-%m-%dT%H:%M:%S'), '') || '|' || strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256,
           arg_max(datei, coalesce(strftime(stand, '%Y-%m-%dT%H:%M:%S'), '') || '|' || strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS datei
    FROM raw.genesis__werte
    WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
    GROUP BY tabelle, zeit
),
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
-- old area -> target area for every data year next to a key year (equi-join, no range condition)
naehe AS (
    SELECT DISTINCT s.ags_alt, s.jahr + r.d AS daten_jahr, s.ags_ziel
    FROM schluessel s, range(-1, 2) r(d)
),
gemeindezeilen AS (
    SELECT w.tabelle, w.zeit, w.ags, w.zeile, w.wert, w.marker, least(greatest(w.jahr, j.erstes), j.letztes) AS daten_jahr
    FROM raw.genesis__werte w JOIN aktuell a USING (tabelle, zeit, sha256) CROSS JOIN jahre j
    WHERE w.gebiet_ebene = 'gemeinde'
),
zeilen AS (
    SELECT g.tabelle, g.zeit, coalesce(n.ags_ziel, g.ags) AS ags, count(DISTINCT g.zeile) AS zeilen
    FROM gemeindezeilen g
    LEFT JOIN naehe n ON n.ags_alt = g.ags AND n.daten_jahr = g.daten_jahr
    -- an area without key did not exist then: its '-' (or a marker without a number, as in the BA tables)
    -- is "not applicable", not a row of anything
    WHERE NOT (n.ags_ziel IS NULL AND (g.wert IS NULL OR coalesce(g.marker = '-', false)))
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
