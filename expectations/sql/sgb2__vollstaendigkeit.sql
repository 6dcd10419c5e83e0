-- Every Gemeinde of the region in every berichtsmonat of the current deliveries (view aktuell.sgb2__gemeinde_monat): rows delivered.
SELECT a.berichtsmonat, a.datei, g.ags, g.gemeinde_name, count(w.ags) AS zeilen
FROM (SELECT berichtsmonat, string_agg(DISTINCT datei, ', ' ORDER BY datei) AS datei FROM aktuell.sgb2__gemeinde_monat GROUP BY ALL) a
CROSS JOIN raw.region__gemeinden g
LEFT JOIN aktuell.sgb2__gemeinde_monat w ON w.berichtsmonat = a.berichtsmonat AND w.ags = g.ags
GROUP BY ALL ORDER BY a.berichtsmonat, g.ags
