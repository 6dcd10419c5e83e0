SELECT w.datei, w.zeile, w.einrichtung_id, w.art, w.ags, w.lon, w.lat, w.kapazitaet,
       coalesce(w.gueltig_ab <= w.gueltig_bis, true) AS zeitraum_ok
FROM aktuell.einrichtungen__einrichtungen w
ORDER BY w.datei, w.zeile
