-- Every Gemeinde of the region × every delivered (current) table and time label: number of rows.
WITH aktuell AS (
    SELECT tabelle, zeit,
           arg_max(sha256, coalesce(strftime(stand, '%Y-%m-%dT%H:%M:%S'), '') || '|' || strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256,
           arg_max(datei, coalesce(strftime(stand, '%Y-%m-%dT%H:%M:%S'), '') || '|' || strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS datei
    FROM raw.genesis__werte
    WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
    GROUP BY tabelle, zeit
),
zeilen AS (
    SELECT w.tabelle, w.zeit, w.ags, count(*) AS zeilen
    FROM raw.genesis__werte w JOIN aktuell a USING (tabelle, zeit, sha256)
    WHERE w.gebiet_ebene = 'gemeinde'
    GROUP BY ALL
),
gemeinden AS (
    SELECT ags, max(gemeinde_name) AS gemeinde_name FROM (
        SELECT ags, gemeinde_name FROM raw.region__gemeinden
        UNION ALL
        SELECT DISTINCT ags, NULL FROM zeilen  -- Gemeinden known only from the tables (profile with region.yml only)
        WHERE starts_with(ags, (SELECT CASE WHEN upper(coalesce(region_ags, '')) = 'DG' THEN '' ELSE coalesce(region_ags, '') END
                                FROM raw.region__profil LIMIT 1))
    ) GROUP BY ags
)
SELECT a.tabelle, a.zeit, a.datei, g.ags, g.gemeinde_name, coalesce(z.zeilen, 0) AS zeilen
FROM aktuell a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.tabelle = a.tabelle AND z.zeit = a.zeit AND z.ags = g.ags
ORDER BY a.tabelle, a.zeit, g.ags
