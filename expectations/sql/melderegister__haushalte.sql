WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256
    FROM raw.melderegister__haushalte WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
)
SELECT w.datei, w.zeile, w.stichtag, year(w.stichtag) AS jahr, w.ags, w.ortsteil, w.haushaltstyp, w.anzahl
FROM raw.melderegister__haushalte w JOIN aktuell a USING (stichtag, sha256)
