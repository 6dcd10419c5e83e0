-- Mindestsicherungsquote per Gemeinde and year (contract columns of int_indikatoren__gemeinde), defined as
-- by the statistical offices' social reporting and INKAR ("Empfänger von Mindestsicherungen", a_sMin):
--   recipients at the end of the year of
--     SGB II Gesamtregelleistungen       Regelleistungsberechtigte (ELB + NEF), December report (SGB II family)
--     SGB XII Grundsicherung im Alter    recipients 65+ (Grundsicherung family, empfaenger_65_plus)
--     SGB XII Grundsicherung bei Erwerbsminderung  recipients 18 bis unter 65 (Grundsicherung family)
--     SGB XII laufende HLU               außerhalb von Einrichtungen (Grundsicherung family)
--     AsylbLG Regelleistungen            (AsylbLG family)
--   / residents at 31.12. of the same year (catalogue stichtagsregel `stichtag_gleich`), × 100.
-- A Gemeinde-year gets a row only when all five parts are delivered; a part suppressed by its source makes
-- the numerator NULL with zaehler_unterdrueckt (never a partial sum).
with teile as (
    {{ mindestsicherung_teile() }}
),

zaehler as (
    select
        ags,
        jahr,
        make_date(jahr, 12, 31) as stichtag,
        'mindestsicherungsquote' as indikator_id,
        'insgesamt' as nenner_band,
        case when bool_or(ist_unterdrueckt) then null else sum(anzahl) end as zaehler,
        bool_or(ist_unterdrueckt) as zaehler_unterdrueckt,
        'SGB II (Statistik der BA / Jobcenter, Dezember ' || jahr || '), SGB XII (Sozialamt, 31.12.' || jahr
            || '), AsylbLG (31.12.' || jahr || ')'
            || case when bool_or(ist_demodaten) then ', Demodaten' else '' end as quelle,
        bool_or(ist_demodaten) as ist_demodaten
    from teile
    group by ags, jahr
    having count(distinct teil) = 5
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
)

select * from bevoelkerungsbezogen
