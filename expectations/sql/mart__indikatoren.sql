-- Published indicator rows with their catalogue entry (seeds/catalogue/indikatoren.csv, schema mart);
-- `geheimhaltung` is the catalogue's disclosure flag (the youth-welfare indicators), its only source.
-- `kann_negativ`: the catalogue defines the numerator as a difference ("Zuzüge minus Fortzüge", "SvB am
-- Arbeitsort minus SvB am Wohnort"): a balance may be negative, every other numerator is a count.
SELECT s.gebiet_ebene, s.gebiet_id, s.gebiet_name, s.jahr, s.indikator_id, s.einheit, s.wert, s.zaehler, s.nenner,
       s.ist_unterdrueckt, s.quelle, i.faktor,
       coalesce(i.geheimhaltung, false) AS geheimhaltung,
       coalesce(i.zaehler ILIKE '% minus %', false) AS kann_negativ,
       CASE WHEN s.wert IS NOT NULL AND s.zaehler IS NOT NULL AND s.nenner > 0 AND i.faktor IS NOT NULL
                 AND s.einheit <> 'Anzahl'
            THEN abs(s.wert - s.zaehler / s.nenner * i.faktor) END AS wert_abweichung
FROM mart.sozialraum_indikatoren s
LEFT JOIN mart.indikatoren i USING (indikator_id)
ORDER BY s.indikator_id, s.jahr, s.gebiet_ebene, s.gebiet_id
