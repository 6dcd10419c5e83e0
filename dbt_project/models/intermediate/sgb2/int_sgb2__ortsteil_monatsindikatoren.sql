-- SGB II indicators per Ortsteil × Berichtsmonat from the kommunale Jobcenter's Ortsteil counts
-- (stg_sgb2__ortsteil_monatswerte): every delivered month; int_indikatoren__sgb2_ortsteil keeps the December report
-- for the annual mart. Same formulas as the annual Ortsteil values:
--   sgb2_quote   Leistungsberechtigte insgesamt / Melderegister residents under 65 of the Ortsteil
--   kinderarmut  NEF unter 15 / Melderegister residents under 15 of the Ortsteil
-- Denominator: the Ortsteil's residents (macro ortsteil_nenner) at the 31.12. before the month
-- (macro monat_nenner_stichtag, as the monthly Gemeinde values): January to November the 31.12. of the previous
-- year, the December report (stock at 31.12.) the same 31.12., so December equals the annual value. A month without
-- the population of its reference date has no row. Unprotected counts (the Jobcenter's internal figures,
-- confidential: catalogue geheim_ab_ebene): they pass primary and secondary disclosure control per month
-- (int_geheimhaltung__primaer). Where the BA's workbook suppresses the Gemeinde's value of the month ('*'), its
-- Ortsteile are suppressed as well (zaehler_unterdrueckt): their sum would reveal the cell the BA keeps secret.
with zaehler as (
    select
        ags || ortsteil as ortsteil_id,
        ags,
        cast(year(berichtsmonat) as integer) as jahr,
        berichtsmonat as monat,
        case merkmal when 'lb_insgesamt' then 'sgb2_quote' else 'kinderarmut' end as indikator_id,
        wert as anzahl,
        'Kommunales Jobcenter, SGB-II-Ortsteilzahlen, ' || {{ monatsname('berichtsmonat') }} || ' '
        || year(berichtsmonat) || case when ist_demodaten then ', Demodaten' else '' end as quelle,
        ist_demodaten
    from {{ ref('stg_sgb2__ortsteil_monatswerte') }}
    where merkmal in ('lb_insgesamt', 'nef_unter_15')
),

nennerbaender as (
    select * from (values ('sgb2_quote', 0, 65), ('kinderarmut', 0, 15)) as b (indikator_id, alter_von, alter_bis)
),

-- Gemeinde × month × indicator whose value the BA suppressed
unterdrueckt as (
    select
        ags,
        berichtsmonat as monat,
        case merkmal when 'lb_insgesamt' then 'sgb2_quote' else 'kinderarmut' end as indikator_id
    from {{ ref('stg_sgb2__gemeinde_monatswerte') }}
    where
        ist_unterdrueckt and gebiet_ebene = 'gemeinde'
        and merkmal in ('lb_insgesamt', 'nef_unter_15')
),

-- count → indicator over the Ortsteil's residents of the indicator's age band (macro ortsteil_quoten, as the
-- Grundsicherung Ortsteil rows) at the 31.12. before the month
final as (
    {{ ortsteil_quoten(
        'nennerbaender', monat_nenner_stichtag('zaehler.monat'), ['ags', 'monat', 'indikator_id'], monatlich=true
    ) }}
)

select * from final
