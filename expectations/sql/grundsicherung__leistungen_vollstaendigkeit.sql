-- Every Gemeinde of the region for every further count (merkmal) the current Sozialamt delivery of a Stichtag has.
SELECT d.stichtag, d.merkmal, d.datei, g.ags, g.gemeinde_name, count(w.ags) AS zeilen
FROM (SELECT stichtag, merkmal, string_agg(DISTINCT datei, ', ' ORDER BY datei) AS datei
      FROM aktuell.grundsicherung__leistungen GROUP BY ALL) d
CROSS JOIN raw.region__gemeinden g
LEFT JOIN aktuell.grundsicherung__leistungen w ON w.stichtag = d.stichtag AND w.merkmal = d.merkmal AND w.ags = g.ags
GROUP BY ALL ORDER BY d.stichtag, d.merkmal, g.ags
