SELECT w.datei, w.zeile, w.stichtag, month(w.stichtag) * 100 + day(w.stichtag) AS monat_tag, year(w.stichtag) AS jahr,
       w.ags, w.anzahl, w.marker
FROM aktuell.asylblg__empfaenger w
ORDER BY w.stichtag, w.ags
