-- Year-over-year change per area and indicator: percentage points for shares (%), relative change otherwise.
-- `kleine_zahlen`: numerator below 20 in either year — random noise there is no signal, so those rows are
-- listed but not judged.
WITH w AS (
    SELECT gebiet_ebene, gebiet_id, gebiet_name, indikator_id, einheit, jahr, wert, zaehler, nenner
    FROM mart.sozialraum_indikatoren WHERE wert IS NOT NULL
)
SELECT a.gebiet_ebene, a.gebiet_id, a.gebiet_name, a.indikator_id, a.einheit, a.jahr,
       v.wert AS wert_vorjahr, a.wert, v.zaehler AS zaehler_vorjahr, a.zaehler,
       coalesce(least(abs(a.zaehler), abs(v.zaehler)) < 20, false) AS kleine_zahlen,
       CASE WHEN a.einheit = '%' THEN a.wert - v.wert END AS veraenderung_pp,
       CASE WHEN a.einheit <> '%' AND v.wert <> 0 THEN a.wert / v.wert - 1 END AS veraenderung_rel
FROM w a JOIN w v ON v.gebiet_ebene = a.gebiet_ebene AND v.gebiet_id = a.gebiet_id
                 AND v.indikator_id = a.indikator_id AND v.jahr = a.jahr - 1
ORDER BY a.indikator_id, a.gebiet_ebene, a.gebiet_id, a.jahr
