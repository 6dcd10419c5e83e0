WITH l AS (SELECT sha256, berichtszeitraum, geladen_am, datei FROM raw.jugendhilfe__lieferungen WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)),
aktuell AS (
    SELECT l.berichtszeitraum, arg_max(l.sha256, strftime(l.geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || l.datei) AS sha256
    FROM l WHERE l.sha256 IN (SELECT DISTINCT sha256 FROM raw.jugendhilfe__inobhutnahmen) GROUP BY ALL
)
SELECT i.datei, i.zeile, i.fall_pseudonym, i.paragraph, i.beginn, i.ende, i.anlass, i.unbegleitet, i."alter", i.geschlecht, i.wohnort_ags
FROM raw.jugendhilfe__inobhutnahmen i WHERE i.sha256 IN (SELECT sha256 FROM aktuell)
