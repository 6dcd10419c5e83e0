-- Indicators of the population group, per Gemeinde and year (contract columns of int_indikatoren__gemeinde):
--   bevoelkerung     Anzahl: E insgesamt at 31.12.
--   anteil_unter_18  E <18 / E insgesamt
--   anteil_65_plus   E 65+ / E insgesamt
--   jugendquotient   E <20 / E 20–<65
--   altenquotient    E 65+ / E 20–<65
-- Numerator and denominator are population bands (int_bevoelkerung__altersbaender) at 31.12.; the
-- denominator date follows the catalogue's stichtagsregel (macro mit_bevoelkerungsnenner).
with baender as (
    select * from {{ ref('int_bevoelkerung__altersbaender') }}
    where month(stichtag) = 12 and day(stichtag) = 31
),

definitionen as (
    select * from (values
        ('anteil_unter_18', 'unter_18', 'insgesamt'),
        ('anteil_65_plus', '65_plus', 'insgesamt'),
        ('jugendquotient', 'unter_20', '20_bis_unter_65'),
        ('altenquotient', '65_plus', '20_bis_unter_65')
    ) as d (indikator_id, zaehler_band, nenner_band)
),

zaehler as (
    select
        baender.ags,
        cast(year(baender.stichtag) as integer) as jahr,
        baender.stichtag,
        definitionen.indikator_id,
        definitionen.nenner_band,
        baender.einwohner as zaehler,
        baender.ist_unterdrueckt as zaehler_unterdrueckt,
        baender.nenner_quelle as quelle,
        baender.ist_demodaten
    from baender
    inner join definitionen on baender.altersband = definitionen.zaehler_band
),

anteile as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
),

anzahl as (
    select
        ags,
        cast(year(stichtag) as integer) as jahr,
        'bevoelkerung' as indikator_id,
        einwohner as zaehler,
        cast(null as double) as nenner,
        ist_unterdrueckt as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        nenner_quelle as quelle,
        cast(null as varchar) as nenner_quelle,
        ist_demodaten
    from baender
    where altersband = 'insgesamt'
)

select * from anzahl
union all
select * from anteile
