-- Kreis rows vs. the sums of their Gemeinden and of their Sozialräume (numerator and denominator), per period
-- and indicator. `vollstaendig`: no component of the sum is suppressed or missing, so the sums must match exactly.
-- Parameters (the suite's meta.dataset_parameters): $mart, the mart table (e.g. mart.sozialraum_indikatoren);
-- $zeit, its period column (jahr, monat), kept under its own name in the result and joined on as `periode`.
WITH teile AS (
    SELECT kreis_ags, COLUMNS(c -> c = $zeit) AS periode, indikator_id, gebiet_ebene,
           sum(zaehler) AS zaehler, sum(nenner) AS nenner,
           bool_or(ist_unterdrueckt OR zaehler IS NULL) AS luecke
    FROM query_table($mart)
    WHERE gebiet_ebene IN ('gemeinde', 'sozialraum')
    GROUP BY ALL
),
kreis AS (
    SELECT gebiet_id AS kreis_ags, COLUMNS(c -> c = $zeit), COLUMNS(c -> c = $zeit) AS periode, indikator_id,
           gebiet_name, zaehler, nenner
    FROM query_table($mart) WHERE gebiet_ebene = 'kreis'
)
SELECT k.kreis_ags, k.gebiet_name, COLUMNS(c -> c = $zeit), k.indikator_id, t.gebiet_ebene AS summe_ueber,
       k.zaehler AS kreis_zaehler, t.zaehler AS summe_zaehler, k.nenner AS kreis_nenner, t.nenner AS summe_nenner,
       NOT t.luecke AS vollstaendig,
       k.zaehler - t.zaehler AS differenz_zaehler,
       k.nenner - t.nenner AS differenz_nenner
FROM kreis k JOIN teile t USING (kreis_ags, periode, indikator_id)
ORDER BY k.indikator_id, k.periode, k.kreis_ags, t.gebiet_ebene
