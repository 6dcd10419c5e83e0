WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256
    FROM raw.wohngeld__haushalte WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
)
SELECT w.datei, w.zeile, w.stichtag, month(w.stichtag) * 100 + day(w.stichtag) AS monat_tag, year(w.stichtag) AS jahr,
       w.ags, w.anzahl, w.marker
FROM raw.wohngeld__haushalte w JOIN aktuell a USING (stichtag, sha256)
ORDER BY w.stichtag, w.ags
