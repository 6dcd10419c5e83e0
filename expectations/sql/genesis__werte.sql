-- Current GENESIS rows (view aktuell.genesis__werte: per table and time label the delivery with the newest
-- `Stand`, then load); older deliveries stay in raw as history and are not checked.
SELECT w.tabelle, w.zeit, w.jahr, w.stichtag, w.regionalschluessel, w.ags, w.gebiet_ebene, w.gebiet_name,
       w.merkmal, w.wert, w.marker, w.zeile, w.datei,
       -- balances (Wanderungs-, Pendlersaldo) may be negative; every other value is a count or an average
       (w.tabelle LIKE '12711-%' OR lower(w.merkmal) LIKE '%saldo%') AS kann_negativ
FROM aktuell.genesis__werte w
