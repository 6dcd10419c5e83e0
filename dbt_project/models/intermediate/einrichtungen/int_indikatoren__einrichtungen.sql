-- Indicators of the facility register, per Gemeinde and year (contract columns of int_indikatoren__gemeinde),
-- from int_einrichtungen__versorgung and the population at the same 31.12. (catalogue stichtagsregel):
--   kita_plaetze_je_100_unter_6    Kita places / residents under 6, × 100
--   einrichtungen_je_10000_ew      facilities / residents, × 10,000
--   entfernung_familienzentrum_km  zaehler = distance (km) × residents, nenner = residents, × 1: the Gemeinde's
--                                  own distance, and summed over Gemeinden (int_indikatoren__aggregiert:
--                                  Σ zaehler / Σ nenner) the population-weighted mean distance of a Sozialraum
--                                  or the Kreis; no row without a distance
-- No population for the date: no row.
with versorgung as (
    select * from {{ ref('int_einrichtungen__versorgung') }}
),

katalog as (
    select * from {{ ref('indikatoren') }}
    where indikator_id in ('kita_plaetze_je_100_unter_6', 'einrichtungen_je_10000_ew', 'entfernung_familienzentrum_km')
),

baender as (
    select * from {{ ref('int_bevoelkerung__altersbaender') }}
    where altersband in ('insgesamt', 'unter_6')
),

zaehler as (
    select
        ags, jahr, stichtag, ist_demodaten,
        'kita_plaetze_je_100_unter_6' as indikator_id,
        'unter_6' as nenner_band,
        cast(kita_plaetze as double) as zaehler,
        false as je_einwohner
    from versorgung
    union all
    select
        ags, jahr, stichtag, ist_demodaten,
        'einrichtungen_je_10000_ew',
        'insgesamt',
        cast(einrichtungen as double),
        false
    from versorgung
    union all
    select
        ags, jahr, stichtag, ist_demodaten,
        'entfernung_familienzentrum_km',
        'insgesamt',
        entfernung_fz_km,
        true
    from versorgung
    where entfernung_fz_km is not null
),

final as (
    select
        zaehler.ags,
        zaehler.jahr,
        katalog.indikator_id,
        case
            when zaehler.je_einwohner then zaehler.zaehler * baender.einwohner
            else zaehler.zaehler
        end as zaehler,
        cast(baender.einwohner as double) as nenner,
        zaehler.je_einwohner and baender.ist_unterdrueckt as zaehler_unterdrueckt,
        baender.ist_unterdrueckt as nenner_unterdrueckt,
        {{ quelle_am("'Einrichtungsregister'", 'zaehler.stichtag', 'zaehler.ist_demodaten') }} as quelle,
        baender.nenner_quelle,
        (zaehler.ist_demodaten or baender.ist_demodaten) as ist_demodaten
    from zaehler
    inner join katalog
        on zaehler.indikator_id = katalog.indikator_id
    inner join baender
        on zaehler.ags = baender.ags
        and zaehler.nenner_band = baender.altersband
        and baender.stichtag
        = {{ nenner_stichtag('katalog.stichtagsregel', 'zaehler.jahr', 'zaehler.stichtag') }}
)

select * from final
