-- Current Hilfen export per Berichtszeitraum (a newer export of the same year replaces the older one).
WITH l AS (SELECT sha256, berichtszeitraum, geladen_am, datei FROM raw.jugendhilfe__lieferungen WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)),
aktuell AS (
    SELECT l.berichtszeitraum, arg_max(l.sha256, strftime(l.geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || l.datei) AS sha256
    FROM l WHERE l.sha256 IN (SELECT DISTINCT sha256 FROM raw.jugendhilfe__hilfen) GROUP BY ALL
)
SELECT h.datei, h.zeile, h.fall_pseudonym, h.hilfeart, h.beginn, year(h.beginn) AS beginn_jahr, h.ende, h.geburtsdatum, h.geschlecht, h.wohnort_ags,
       h.alleinerziehend, h.transferleistung
FROM raw.jugendhilfe__hilfen h WHERE h.sha256 IN (SELECT sha256 FROM aktuell)
