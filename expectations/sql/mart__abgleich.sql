-- Kreis rows vs. the sums of their Gemeinden and of their Sozialräume (numerator and denominator).
-- `vollstaendig`: no component of the sum is suppressed or missing, so the sums must match exactly.
WITH teile AS (
    SELECT kreis_ags, jahr, indikator_id, gebiet_ebene,
           sum(zaehler) AS zaehler, sum(nenner) AS nenner,
           bool_or(ist_unterdrueckt OR zaehler IS NULL) AS luecke
    FROM mart.sozialraum_indikatoren
    WHERE gebiet_ebene IN ('gemeinde', 'sozialraum')
    GROUP BY ALL
),
kreis AS (
    SELECT gebiet_id AS kreis_ags, jahr, indikator_id, gebiet_name, zaehler, nenner
    FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'kreis'
)
SELECT k.kreis_ags, k.gebiet_name, k.jahr, k.indikator_id, t.gebiet_ebene AS summe_ueber,
       k.zaehler AS kreis_zaehler, t.zaehler AS summe_zaehler, k.nenner AS kreis_nenner, t.nenner AS summe_nenner,
       NOT t.luecke AS vollstaendig,
       k.zaehler - t.zaehler AS differenz_zaehler,
       k.nenner - t.nenner AS differenz_nenner
FROM kreis k JOIN teile t USING (kreis_ags, jahr, indikator_id)
ORDER BY k.indikator_id, k.jahr, k.kreis_ags, t.gebiet_ebene
