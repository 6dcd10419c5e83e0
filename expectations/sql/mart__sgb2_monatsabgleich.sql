-- Per month and indicator: the Kreis row of mart.sgb2_monatswerte vs. the sums of its Gemeinden and of its
-- Sozialräume (numerator and denominator). `vollstaendig`: no part is suppressed or missing, so the sums
-- must match exactly.
WITH teile AS (
    SELECT kreis_ags, monat, indikator_id, gebiet_ebene,
           sum(zaehler) AS zaehler, sum(nenner) AS nenner,
           bool_or(ist_unterdrueckt OR zaehler IS NULL) AS luecke
    FROM mart.sgb2_monatswerte
    WHERE gebiet_ebene IN ('gemeinde', 'sozialraum')
    GROUP BY ALL
),
kreis AS (
    SELECT gebiet_id AS kreis_ags, monat, indikator_id, gebiet_name, zaehler, nenner
    FROM mart.sgb2_monatswerte WHERE gebiet_ebene = 'kreis'
)
SELECT k.kreis_ags, k.gebiet_name, k.monat, k.indikator_id, t.gebiet_ebene AS summe_ueber,
       k.zaehler AS kreis_zaehler, t.zaehler AS summe_zaehler, k.nenner AS kreis_nenner, t.nenner AS summe_nenner,
       NOT t.luecke AS vollstaendig,
       k.zaehler - t.zaehler AS differenz_zaehler,
       k.nenner - t.nenner AS differenz_nenner
FROM kreis k JOIN teile t USING (kreis_ags, monat, indikator_id)
ORDER BY k.indikator_id, k.monat, k.kreis_ags, t.gebiet_ebene
