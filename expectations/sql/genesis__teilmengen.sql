-- Consistency of the GENESIS columns the indicators combine (current deliveries, like genesis__werte), one
-- row per rule, area and time: `wert` and `vergleichswert` of the rule, `abweichung` = wert − vergleichswert.
--   teil_*    a subset is not larger than its total (abweichung <= 0): foreign or female employees
--             (13111-01-03-5, 13111-02-02-5), commuters (13111-08-02-5: Einpendler <= SvB am Arbeitsort,
--             Auspendler <= SvB am Wohnort), the "und zwar" groups of the unemployed (13211-01-03-5)
--   summe_*   the parts add up to the total: men + women (13111-*, 12711-01-03-5), the age groups of the
--             moves (12711-01-03-5), Pendlersaldo = Einpendler − Auspendler; `ueber_toleranz` =
--             |abweichung| − toleranz, with toleranz = 0.5 × (number of parts + 1), what independently
--             rounded parts and total can differ by (the official tables add up exactly)
--   alter_*   Durchschnittsalter (12411-07-01-5): `wert` is the average in years; alter_geschlecht: the
--             average of both sexes lies between those of men and women (abweichung = distance outside)
-- Only rows where both values are numbers (a hidden value is judged by genesis__werte).
WITH w AS (
    SELECT w.tabelle, w.zeit, w.regionalschluessel, w.ags, w.gebiet_ebene, w.gebiet_name, w.merkmal, w.wert,
           w.zeile, w.datei
    FROM aktuell.genesis__werte w
    WHERE w.tabelle IN ('13111-01-03-5', '13111-02-02-5', '13111-08-02-5', '13211-01-03-5', '12711-01-03-5',
                        '12411-07-01-5')
      AND w.wert IS NOT NULL
),
-- header paths split into their parts: (dimension 1, dimension 2, dimension 3)
teile AS (
    SELECT *, split_part(merkmal, ' | ', 1) AS t1, split_part(merkmal, ' | ', 2) AS t2,
           split_part(merkmal, ' | ', 3) AS t3
    FROM w
),
paare AS (
    -- 13111-*: Ausländer(innen) | G <= Insgesamt | G; Insgesamt | weiblich / männlich <= Insgesamt | Insgesamt
    SELECT t.*, 'teil_beschaeftigte' AS regel, g.wert AS vergleichswert, g.merkmal AS vergleichsmerkmal
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle IN ('13111-01-03-5', '13111-02-02-5')
      AND ((t.t1 <> 'Insgesamt' AND g.t1 = 'Insgesamt' AND g.t2 = t.t2)
           OR (t.t1 = 'Insgesamt' AND t.t2 <> 'Insgesamt' AND g.t1 = 'Insgesamt' AND g.t2 = 'Insgesamt'))
    UNION ALL
    -- 13111-08-02-5: commuters across the Gemeinde border are a part of the employees on their side
    SELECT t.*, 'teil_pendler', g.wert, g.merkmal
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle = '13111-08-02-5'
      AND ((t.merkmal LIKE 'Einpendler%' AND g.merkmal LIKE '%Beschäftigte%Arbeitsort%')
           OR (t.merkmal LIKE 'Auspendler%' AND g.merkmal LIKE '%Beschäftigte%Wohnort%'))
    UNION ALL
    -- 13211-01-03-5: every "und zwar" group (Ausländer, langzeitarbeitslos, ages …) <= Arbeitslose insgesamt
    SELECT t.*, 'teil_arbeitslose', g.wert, g.merkmal
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle = '13211-01-03-5' AND t.merkmal LIKE '%und zwar%' AND g.merkmal NOT LIKE '%und zwar%'
),
summen AS (
    -- 13111-*: männlich + weiblich = Insgesamt, per nationality
    SELECT any_value(g) AS g, 'summe_geschlecht' AS regel, sum(t.wert) AS wert, count(*) AS n
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle IN ('13111-01-03-5', '13111-02-02-5') AND t.t2 IN ('männlich', 'weiblich')
      AND g.t1 = t.t1 AND g.t2 = 'Insgesamt'
    GROUP BY t.tabelle, t.zeit, t.gebiet_ebene, t.regionalschluessel, g.merkmal
    UNION ALL
    -- 12711-01-03-5: männlich + weiblich = Insgesamt, per direction and age group
    SELECT any_value(g), 'summe_geschlecht', sum(t.wert), count(*)
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle = '12711-01-03-5' AND t.t2 IN ('männlich', 'weiblich')
      AND g.t1 = t.t1 AND g.t2 = 'Insgesamt' AND g.t3 = t.t3
    GROUP BY t.tabelle, t.zeit, t.gebiet_ebene, t.regionalschluessel, g.merkmal
    UNION ALL
    -- 12711-01-03-5: Σ age groups = Insgesamt, per direction and sex
    SELECT any_value(g), 'summe_altersgruppen', sum(t.wert), count(*)
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle = '12711-01-03-5' AND t.t3 <> 'Insgesamt'
      AND g.t1 = t.t1 AND g.t2 = t.t2 AND g.t3 = 'Insgesamt'
    GROUP BY t.tabelle, t.zeit, t.gebiet_ebene, t.regionalschluessel, g.merkmal
    UNION ALL
    -- 13111-08-02-5: Pendlersaldo = Einpendler − Auspendler
    SELECT any_value(g), 'summe_pendlersaldo',
           sum(CASE WHEN t.merkmal LIKE 'Einpendler%' THEN t.wert ELSE -t.wert END), count(*)
    FROM teile t JOIN teile g USING (tabelle, zeit, gebiet_ebene, regionalschluessel)
    WHERE t.tabelle = '13111-08-02-5' AND (t.merkmal LIKE 'Einpendler%' OR t.merkmal LIKE 'Auspendler%')
      AND g.merkmal LIKE 'Pendlersaldo%'
    GROUP BY t.tabelle, t.zeit, t.gebiet_ebene, t.regionalschluessel, g.merkmal
),
alter_geschlecht AS (
    SELECT g.*, 'alter_geschlecht' AS regel,
           greatest(least(m.wert, f.wert) - g.wert, g.wert - greatest(m.wert, f.wert), 0) AS abweichung,
           least(m.wert, f.wert) AS vergleichswert
    FROM teile g
    JOIN teile m ON m.tabelle = g.tabelle AND m.zeit = g.zeit AND m.gebiet_ebene = g.gebiet_ebene
                AND m.regionalschluessel = g.regionalschluessel AND m.t2 = 'männlich'
    JOIN teile f ON f.tabelle = g.tabelle AND f.zeit = g.zeit AND f.gebiet_ebene = g.gebiet_ebene
                AND f.regionalschluessel = g.regionalschluessel AND f.t2 = 'weiblich'
    WHERE g.tabelle = '12411-07-01-5' AND g.t2 = ''
)
SELECT tabelle, zeit, regionalschluessel, ags, gebiet_ebene, gebiet_name, regel, merkmal, wert,
       vergleichsmerkmal, vergleichswert, wert - vergleichswert AS abweichung, NULL::DOUBLE AS ueber_toleranz,
       zeile, datei
FROM paare
UNION ALL
SELECT (g).tabelle, (g).zeit, (g).regionalschluessel, (g).ags, (g).gebiet_ebene, (g).gebiet_name, regel,
       'Summe der Teile von ' || (g).merkmal, wert, (g).merkmal, (g).wert, wert - (g).wert,
       abs(wert - (g).wert) - 0.5 * (n + 1), (g).zeile, (g).datei
FROM summen
UNION ALL
SELECT tabelle, zeit, regionalschluessel, ags, gebiet_ebene, gebiet_name, 'alter', merkmal, wert, NULL, NULL, NULL,
       NULL, zeile, datei
FROM teile WHERE tabelle = '12411-07-01-5'
UNION ALL
SELECT tabelle, zeit, regionalschluessel, ags, gebiet_ebene, gebiet_name, regel, merkmal, wert,
       'Durchschnittsalter männlich / weiblich', vergleichswert, abweichung, NULL, zeile, datei
FROM alter_geschlecht
