SELECT w.datei, w.zeile, w.stichtag, year(w.stichtag) AS jahr, w.ags, w.ortsteil, w.haushaltstyp, w.anzahl
FROM aktuell.melderegister__haushalte w
