-- Youth-welfare case counts per Wohnort-Gemeinde × year × Kennzahl, from the pseudonymised case
-- records (working database only; disclosure control happens in intermediate/geheimhaltung).
--
-- Counting rules (one record = one Hilfe / assessment / measure, counted once per year):
--   Hilfen (§§ 27 Abs. 2, 28–35, 35a, 41): running at 31.12. of the year (begin month <= December,
--     no end or end after the year) plus ended in the year (end month in the year). A case that appears
--     in several annual exports is taken from the latest export that contains it (newest end date), and
--     it counts for a year only up to that export's year (an export only knows the state up to its own
--     year). Years = the export years delivered.
--   Hilfearten → Kennzahl: hze_eckwert = §§ 27 Abs. 2, 29–35 (without § 28);
--     hze_ambulant_eckwert = §§ 27 Abs. 2, 29, 30, 31, 32, 35 (ambulant und teilstationär);
--     hze_stationaer_eckwert = §§ 33, 34 (so ambulant + stationär = hze_eckwert);
--     erziehungsberatung_eckwert = § 28; eingliederungshilfe_35a_eckwert = § 35a; junge_volljaehrige_eckwert = § 41.
--   § 8a: assessments dated in the year → gefaehrdungseinschaetzungen_je_1000_u18; those with result
--     akut or latent → gefaehrdungen_akut_latent (numerator of anteil_akute_latente_gefaehrdung).
--   § 42: Inobhutnahmen begun in the year, § 42a (vorläufige Inobhutnahme) excluded.
--   Of the hze_eckwert cases (§§ 27 Abs. 2, 29–35, counted as above, flags of the newest record):
--     hze_mit_transferleistung = transferleistung 'j' (the family lives wholly or partly on transfer
--     payments), hze_alleinerziehend = alleinerziehend 'j' ('u' unbekannt counts in neither; the
--     numerators of hze_anteil_transferleistung and hze_anteil_alleinerziehend).
-- Every Gemeinde of the region gets a row for every year of a delivered export (count 0 when no case).
with gemeinden as (
    select ags from {{ ref('int_gebiet__gemeinden') }}
),

{{ jugendhilfe_faelle() }},

anzahlen as (
    select ags, jahr, kennzahl, count(distinct fall_pseudonym) as anzahl
    from faelle
    group by ags, jahr, kennzahl
),

raster as (
    select gemeinden.ags, exporte.jahr, kennzahlen.kennzahl, kennzahlen.satzart, exporte.quelle,
        exporte.ist_demodaten
    from exporte
    inner join kennzahlen on exporte.satzart = kennzahlen.satzart
    cross join gemeinden
),

final as (
    {{ fallzahlen_im_raster(['ags']) }}
)

select * from final
