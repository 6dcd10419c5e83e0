-- Every Gemeinde of the region in every stichtag of the current deliveries (view aktuell.wohngeld__haushalte): rows delivered.
SELECT a.stichtag, a.datei, g.ags, g.gemeinde_name, count(w.ags) AS zeilen
FROM (SELECT stichtag, string_agg(DISTINCT datei, ', ' ORDER BY datei) AS datei FROM aktuell.wohngeld__haushalte GROUP BY ALL) a
CROSS JOIN raw.region__gemeinden g
LEFT JOIN aktuell.wohngeld__haushalte w ON w.stichtag = a.stichtag AND w.ags = g.ags
GROUP BY ALL ORDER BY a.stichtag, g.ags
