-- Published monthly SGB II rows (mart.sgb2_monatswerte) with their catalogue entry, whether the denominator has
-- the reference date of the month (31.12. of the previous year; December: the same 31.12.), and for December
-- whether the row equals the annual row of mart.sozialraum_indikatoren (same area, year and indicator).
SELECT m.gebiet_ebene, m.gebiet_id, m.gebiet_name, m.monat, m.jahr, m.monat_nr, m.indikator_id, m.einheit,
       m.wert, m.zaehler, m.nenner, m.ist_unterdrueckt, m.nenner_stichtag, m.quelle, i.faktor,
       coalesce(i.geheimhaltung, false) AS geheimhaltung,
       coalesce(m.nenner_stichtag = make_date(m.jahr - CASE WHEN m.monat_nr = 12 THEN 0 ELSE 1 END, 12, 31), false)
           AS nenner_stichtag_passt,
       CASE WHEN m.wert IS NOT NULL AND m.zaehler IS NOT NULL AND m.nenner > 0 AND i.faktor IS NOT NULL
            THEN abs(m.wert - m.zaehler / m.nenner * i.faktor) END AS wert_abweichung,
       j.wert AS jahreswert,
       CASE WHEN m.monat_nr = 12
            THEN j.gebiet_id IS NOT NULL AND m.wert IS NOT DISTINCT FROM j.wert AND m.zaehler IS NOT DISTINCT FROM j.zaehler
                 AND m.nenner IS NOT DISTINCT FROM j.nenner AND m.ist_unterdrueckt = j.ist_unterdrueckt END
           AS gleich_jahreswert
FROM mart.sgb2_monatswerte m
LEFT JOIN mart.indikatoren i USING (indikator_id)
LEFT JOIN mart.sozialraum_indikatoren j
       ON j.gebiet_ebene = m.gebiet_ebene AND j.gebiet_id = m.gebiet_id AND j.jahr = m.jahr
      AND j.indikator_id = m.indikator_id
ORDER BY m.indikator_id, m.monat, m.gebiet_ebene, m.gebiet_id
