-- The further counts of the current Sozialamt delivery per Stichtag: Grundsicherung bei Erwerbsminderung and
-- HLU außerhalb von Einrichtungen.
SELECT w.datei, w.zeile, w.stichtag, month(w.stichtag) * 100 + day(w.stichtag) AS monat_tag, year(w.stichtag) AS jahr,
       w.ags, w.merkmal, w.anzahl, w.marker
FROM aktuell.grundsicherung__leistungen w
ORDER BY w.stichtag, w.ags, w.merkmal
