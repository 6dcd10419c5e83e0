-- Current GENESIS rows: per table and time label the delivery with the newest `Stand` (then load time,
-- then file name) is the current one; older deliveries stay in raw as history and are not checked.
WITH aktuell AS (
    SELECT tabelle, zeit,
           arg_max(sha256, coalesce(strftime(stand, '%Y-%m-%dT%H:%M:%S'), '') || '|' || strftime(geladen_am, '%Y-%m-%dT%H:%M:%S.%f') || '|' || datei) AS sha256
    FROM raw.genesis__werte
    WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
    GROUP BY tabelle, zeit
)
SELECT w.tabelle, w.zeit, w.jahr, w.stichtag, w.regionalschluessel, w.ags, w.gebiet_ebene, w.gebiet_name,
       w.merkmal, w.wert, w.marker, w.zeile, w.datei,
       -- balances (Wanderungs-, Pendlersaldo) may be negative; every other value is a count or an average
       (w.tabelle LIKE '12711-%' OR lower(w.merkmal) LIKE '%saldo%') AS kann_negativ
FROM raw.genesis__werte w
JOIN aktuell a USING (tabelle, zeit, sha256)
