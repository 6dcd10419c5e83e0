SELECT g.datei, g.zeile, g.fall_pseudonym, g.datum, year(g.datum) AS datum_jahr, g."alter", g.geschlecht, g.wohnort_ags, g.ergebnis
FROM aktuell.jugendhilfe__gefaehrdungen g
