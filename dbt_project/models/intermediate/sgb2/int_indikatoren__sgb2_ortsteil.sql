-- SGB II indicators per Ortsteil × year: the December report (stock at 31.12., like the yearly Gemeinde rows of
-- int_indikatoren__sgb2) of the monthly Ortsteil values int_sgb2__ortsteil_monatsindikatoren (the one home of the
-- formulas: Jobcenter count / the Ortsteil's Melderegister residents under 65 resp. under 15 at the same 31.12.;
-- the Ortsteile of a Gemeinde whose December value the BA suppressed are suppressed too). Contract columns of
-- int_indikatoren__ortsteil. Unprotected counts (the Jobcenter's internal figures, confidential: catalogue
-- geheim_ab_ebene): int_indikatoren__aggregiert adds them as gebiet_ebene 'ortsteil', and they pass primary and
-- secondary disclosure control (intermediate/geheimhaltung).
select
    ortsteil_id,
    ags,
    jahr,
    indikator_id,
    zaehler,
    nenner,
    zaehler_unterdrueckt,
    nenner_unterdrueckt,
    quelle,
    nenner_quelle,
    ist_demodaten
from {{ ref('int_sgb2__ortsteil_monatsindikatoren') }}
where month(monat) = 12
