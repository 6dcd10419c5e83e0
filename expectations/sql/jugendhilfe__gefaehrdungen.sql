WITH l AS (SELECT sha256, berichtszeitraum, geladen_am, datei FROM raw.jugendhilfe__lieferungen WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)),
aktuell AS (
    SELECT l.berichtszeitraum, arg_max(l.sha256, strftime(l.geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || l.datei) AS sha256
    FROM l WHERE l.sha256 IN (SELECT DISTINCT sha256 FROM raw.jugendhilfe__gefaehrdungen) GROUP BY ALL
)
SELECT g.datei, g.zeile, g.fall_pseudonym, g.datum, year(g.datum) AS datum_jahr, g."alter", g.geschlecht, g.wohnort_ags, g.ergebnis
FROM raw.jugendhilfe__gefaehrdungen g WHERE g.sha256 IN (SELECT sha256 FROM aktuell)
