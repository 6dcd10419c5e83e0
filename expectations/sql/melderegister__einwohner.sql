SELECT w.datei, w.zeile, w.stichtag, year(w.stichtag) AS jahr, w.ags, w.ortsteil, w.geschlecht, w."alter", w.anzahl, w.staatsangehoerigkeit
FROM aktuell.melderegister__einwohner w
