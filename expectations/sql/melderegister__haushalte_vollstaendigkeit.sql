WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256,
           arg_max(datei, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS datei
    FROM raw.melderegister__haushalte WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
),
zeilen AS (
    SELECT w.stichtag, w.ags, count(*) AS zeilen, sum(w.anzahl) AS haushalte
    FROM raw.melderegister__haushalte w JOIN aktuell a USING (stichtag, sha256)
    GROUP BY ALL
)
SELECT a.stichtag, a.datei, g.ags, g.gemeinde_name, coalesce(z.zeilen, 0) AS zeilen, coalesce(z.haushalte, 0) AS haushalte
FROM aktuell a CROSS JOIN raw.region__gemeinden g
LEFT JOIN zeilen z ON z.stichtag = a.stichtag AND z.ags = g.ags
ORDER BY a.stichtag, g.ags
