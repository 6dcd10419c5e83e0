-- Σ Gemeinde values vs. the official Kreis row of the same table, time and column (current deliveries,
-- only where no value of the group is hidden by a marker).
WITH gemeinden AS (
    SELECT tabelle, zeit, merkmal, left(ags, 5) AS kreis_ags, sum(wert) AS summe_gemeinden,
           count(*) FILTER (WHERE wert IS NULL) AS verdeckt
    FROM aktuell.genesis__werte
    WHERE gebiet_ebene = 'gemeinde'
      -- only additive values: averages, rates and shares do not sum up to the Kreis value
      AND NOT regexp_matches(lower(merkmal), 'durchschnitt|quote|anteil|je 1|prozent|%')
    GROUP BY ALL
)
SELECT k.datei, k.zeile, k.tabelle, k.zeit, k.merkmal, k.ags AS kreis_ags, k.wert AS kreis_wert,
       g.summe_gemeinden, g.summe_gemeinden - k.wert AS differenz
FROM aktuell.genesis__werte k JOIN gemeinden g ON g.tabelle = k.tabelle AND g.zeit = k.zeit AND g.merkmal = k.merkmal AND g.kreis_ags = k.ags
WHERE k.gebiet_ebene = 'kreis' AND k.wert IS NOT NULL AND g.verdeckt = 0
ORDER BY k.tabelle, k.zeit, k.merkmal
