-- Current SGB II rows (per Berichtsmonat the newest delivery), one row per area × month × Merkmal,
-- with the other Merkmale of the same area and month beside it for the consistency expectations.
WITH w AS (SELECT * FROM aktuell.sgb2__gemeinde_monat),
breit AS (
    SELECT berichtsmonat, ags,
           max(wert) FILTER (WHERE merkmal = 'bg_insgesamt') AS bg_insgesamt,
           max(wert) FILTER (WHERE merkmal = 'bg_alleinerziehende') AS bg_alleinerziehende,
           max(wert) FILTER (WHERE merkmal = 'lb_insgesamt') AS lb_insgesamt,
           max(wert) FILTER (WHERE merkmal = 'rlb') AS rlb,
           max(wert) FILTER (WHERE merkmal = 'slb') AS slb,
           max(wert) FILTER (WHERE merkmal = 'elb') AS elb,
           max(wert) FILTER (WHERE merkmal = 'nef') AS nef,
           max(wert) FILTER (WHERE merkmal = 'nef_unter_15') AS nef_unter_15
    FROM w GROUP BY ALL
)
SELECT w.datei, w.zeile, w.berichtsmonat, year(w.berichtsmonat) AS berichtsjahr, day(w.berichtsmonat) AS berichtstag, w.ags, length(w.ags) AS ags_laenge, w.gemeinde_name, w.merkmal, w.wert, w.marker,
       CASE WHEN w.merkmal = 'bg_alleinerziehende' THEN b.bg_insgesamt
            WHEN w.merkmal = 'nef_unter_15' THEN b.nef
            WHEN w.merkmal IN ('rlb', 'slb') THEN b.lb_insgesamt END AS obergrenze,
       CASE WHEN w.merkmal = 'lb_insgesamt' THEN w.wert - (b.rlb + b.slb)
            WHEN w.merkmal = 'rlb' THEN w.wert - (b.elb + b.nef) END AS summen_differenz
FROM w JOIN breit b USING (berichtsmonat, ags)
ORDER BY w.berichtsmonat, w.ags, w.merkmal
