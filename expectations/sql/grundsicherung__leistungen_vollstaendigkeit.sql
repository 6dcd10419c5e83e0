-- Every Gemeinde of the region for every further count (merkmal) the current Sozialamt delivery of a Stichtag has.
WITH aktuell AS (
    SELECT stichtag, arg_max(sha256, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256,
           arg_max(datei, strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS datei
    FROM raw.grundsicherung__empfaenger WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen) GROUP BY stichtag
),
geliefert AS (
    SELECT DISTINCT a.stichtag, a.datei, w.merkmal
    FROM raw.grundsicherung__leistungen w JOIN aktuell a USING (stichtag, sha256)
),
zeilen AS (
    SELECT w.stichtag, w.merkmal, w.ags, count(*) AS zeilen
    FROM raw.grundsicherung__leistungen w JOIN aktuell a USING (stichtag, sha256)
    GROUP BY ALL
)
SELECT d.stichtag, d.merkmal, d.datei, g.ags, g.gemeinde_name, coalesce(z.zeilen, 0) AS zeilen
FROM geliefert d CROSS JOIN raw.region__gemeinden g
LEFT JOIN zeilen z ON z.stichtag = d.stichtag AND z.merkmal = d.merkmal AND z.ags = g.ags
ORDER BY d.stichtag, d.merkmal, g.ags
