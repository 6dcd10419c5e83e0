-- Every Gemeinde of the region in every stichtag of the current deliveries (view aktuell.grundsicherung__empfaenger): rows delivered.
SELECT a.stichtag, a.datei, g.ags, g.gemeinde_name, count(w.ags) AS zeilen
FROM (SELECT stichtag, string_agg(DISTINCT datei, ', ' ORDER BY datei) AS datei FROM aktuell.grundsicherung__empfaenger GROUP BY ALL) a
CROSS JOIN raw.region__gemeinden g
LEFT JOIN aktuell.grundsicherung__empfaenger w ON w.stichtag = a.stichtag AND w.ags = g.ags
GROUP BY ALL ORDER BY a.stichtag, g.ags
