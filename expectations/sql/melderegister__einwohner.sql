WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256
    FROM raw.melderegister__einwohner WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
)
SELECT w.datei, w.zeile, w.stichtag, year(w.stichtag) AS jahr, w.ags, w.ortsteil, w.geschlecht, w."alter", w.anzahl, w.staatsangehoerigkeit
FROM raw.melderegister__einwohner w JOIN aktuell a USING (stichtag, sha256)
