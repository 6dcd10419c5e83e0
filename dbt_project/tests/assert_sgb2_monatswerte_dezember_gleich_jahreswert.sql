-- The monthly mart and the annual mart agree on December: for every area, year and SGB II indicator the
-- December row of mart.sgb2_monatswerte has the value, numerator, denominator, suppression flag and source of
-- the row of mart.sozialraum_indikatoren (whose reference-date rule keeps the December report), at every level
-- including the Jobcenter's Ortsteile (same disclosure-control decisions), and the
-- one exists exactly when the other does. Returns the rows that differ.
with dezember as (
    select * from {{ ref('sgb2_monatswerte') }}
    where monat_nr = 12
),

jahr as (
    select * from {{ ref('sozialraum_indikatoren') }}
    where
        indikator_id in ('sgb2_quote', 'kinderarmut')
        and gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum', 'kreis')
)

select
    coalesce(dezember.gebiet_ebene, jahr.gebiet_ebene) as gebiet_ebene,
    coalesce(dezember.gebiet_id, jahr.gebiet_id) as gebiet_id,
    coalesce(dezember.jahr, jahr.jahr) as jahr,
    coalesce(dezember.indikator_id, jahr.indikator_id) as indikator_id,
    dezember.wert as wert_dezember,
    jahr.wert as wert_jahr,
    dezember.zaehler as zaehler_dezember,
    jahr.zaehler as zaehler_jahr,
    dezember.nenner as nenner_dezember,
    jahr.nenner as nenner_jahr
from dezember
full outer join jahr
    on
        dezember.gebiet_ebene = jahr.gebiet_ebene
        and dezember.gebiet_id = jahr.gebiet_id
        and dezember.jahr = jahr.jahr
        and dezember.indikator_id = jahr.indikator_id
where
    dezember.gebiet_id is null
    or jahr.gebiet_id is null
    or dezember.wert is distinct from jahr.wert
    or dezember.zaehler is distinct from jahr.zaehler
    or dezember.nenner is distinct from jahr.nenner
    or dezember.ist_unterdrueckt is distinct from jahr.ist_unterdrueckt
    or dezember.quelle is distinct from jahr.quelle
    or dezember.nenner_quelle is distinct from jahr.nenner_quelle
