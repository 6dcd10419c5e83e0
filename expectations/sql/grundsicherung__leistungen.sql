-- The further counts of the current Sozialamt delivery per Stichtag (the one raw.grundsicherung__empfaenger
-- is checked on): Grundsicherung bei Erwerbsminderung and HLU außerhalb von Einrichtungen.
WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256
    FROM raw.grundsicherung__empfaenger WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
)
SELECT w.datei, w.zeile, w.stichtag, month(w.stichtag) * 100 + day(w.stichtag) AS monat_tag, year(w.stichtag) AS jahr,
       w.ags, w.merkmal, w.anzahl, w.marker
FROM raw.grundsicherung__leistungen w JOIN aktuell a USING (stichtag, sha256)
ORDER BY w.stichtag, w.ags, w.merkmal
