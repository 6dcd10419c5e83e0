WITH aktuell AS (
    SELECT berichtsmonat, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256,
           arg_max(datei, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS datei
    FROM raw.sgb2__gemeinde_monat WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY berichtsmonat
),
zeilen AS (
    SELECT w.berichtsmonat, w.ags, count(*) AS zeilen
    FROM raw.sgb2__gemeinde_monat w JOIN aktuell a USING (berichtsmonat, sha256)
    WHERE length(w.ags) = 8 GROUP BY ALL
),
gemeinden AS (SELECT ags, gemeinde_name FROM raw.region__gemeinden)
SELECT a.berichtsmonat, a.datei, g.ags, g.gemeinde_name, coalesce(z.zeilen, 0) AS zeilen
FROM aktuell a CROSS JOIN gemeinden g
LEFT JOIN zeilen z ON z.berichtsmonat = a.berichtsmonat AND z.ags = g.ags
ORDER BY a.berichtsmonat, g.ags
