-- Population bands per Gemeinde × stichtag, each row naming its source (`nenner_quelle`).
-- These are the denominators of every population-based indicator (also for the SGB II, Grundsicherung
-- and youth-welfare families).
--
-- Sources, in order of priority per (ags, stichtag, altersband):
--   1. band `insgesamt`: GENESIS 12411-01-01-5 (Bevölkerung nach Geschlecht)
--   2. GENESIS 12411-02-03-5 (17 age groups): a band is taken when its bounds fall on group bounds
--      (e.g. unter 18 = 0–3 … 15–18); it cannot give unter_21 or 18_bis_unter_21
--   3. Melderegister single-year ages (all bands): for bands GENESIS cannot give and for dates
--      GENESIS lacks
-- A band of one sex (e.g. frauen_15_bis_unter_65) is taken from that sex's columns of 12411-02-03-5 (else
-- from the Melderegister's residents of that sex); the total of 12411-01-01-5 is only the band insgesamt.
-- A band built from a suppressed GENESIS cell is NULL with ist_unterdrueckt (never 0).
{#- Bands: [name, alter_von (incl.), alter_bis (excl., none = open), optional sex 'm' | 'w' (default:
    both sexes, 'insgesamt')]. Overridable with the var `altersbaender` (used by the unit test); other
    families may need more bands: add them here. -#}
{% set baender = var('altersbaender', [
    ['insgesamt', 0, none],
    ['unter_3', 0, 3],
    ['3_bis_unter_6', 3, 6],
    ['unter_6', 0, 6],
    ['unter_15', 0, 15],
    ['unter_18', 0, 18],
    ['unter_20', 0, 20],
    ['unter_21', 0, 21],
    ['unter_65', 0, 65],
    ['6_bis_unter_15', 6, 15],
    ['15_bis_unter_18', 15, 18],
    ['15_bis_unter_25', 15, 25],
    ['15_bis_unter_65', 15, 65],
    ['18_bis_unter_21', 18, 21],
    ['18_bis_unter_25', 18, 25],
    ['20_bis_unter_65', 20, 65],
    ['25_bis_unter_55', 25, 55],
    ['30_bis_unter_50', 30, 50],
    ['50_bis_unter_65', 50, 65],
    ['55_bis_unter_65', 55, 65],
    ['65_plus', 65, none],
    ['75_plus', 75, none],
    ['frauen_15_bis_unter_65', 15, 65, 'w'],
]) %}

with baender as (
    select * from (values
        {% for band in baender -%}
        ('{{ band[0] }}', {{ band[1] }}, {{ 'cast(null as integer)' if band[2] is none else band[2] }},
            '{{ band[3] if band | length > 3 else 'insgesamt' }}'){{ ',' if not loop.last }}
        {% endfor %}
    ) as b (altersband, alter_von, alter_bis, geschlecht)
),

-- A '-' (0) as the population of a Gemeinde that has residents at a later date is a gap of the delivery,
-- not a zero (e.g. Hannover 03241001 and Saarbrücken 10041100 at 31.12.2008 in 12411-01-01-5, while their
-- Kreis rows count them): NULL with ist_unterdrueckt, so no rate divides by it and no sum counts it as 0.
-- A population that fell to 0 and stays there is a zero (Gutsbezirk Münsingen 08415971 from 2011).
gesamt_genesis as (
    select
        ags,
        stichtag,
        'insgesamt' as altersband,
        case when ist_luecke then null else einwohner end as einwohner,
        ist_unterdrueckt or ist_luecke as ist_unterdrueckt,
        {{ genesis_quelle('tabelle', 'zeit', 'ist_demodaten') }} as nenner_quelle,
        tabelle as quelle_tabelle,
        ist_demodaten,
        1 as prioritaet
    from (
        select
            *,
            coalesce(marker = '-' and einwohner = 0, false)
                and coalesce(max(einwohner) over (
                    partition by gebiet_ebene, ags order by stichtag
                    rows between 1 following and unbounded following) > 0, false) as ist_luecke
        from {{ ref('int_genesis__bevoelkerung') }}
        where {{ ist_indikator_gebiet() }} and geschlecht = 'insgesamt' and stichtag is not null
    ) as bevoelkerung
),

gruppen as (
    select *
    from {{ ref('int_genesis__bevoelkerung_altersgruppen') }}
    where {{ ist_indikator_gebiet() }} and stichtag is not null
),

-- a band is derivable from the groups of one (ags, stichtag) and of the band's sex when a group starts at
-- its lower bound and a group ends at its upper bound (open band: an open group exists)
altersgruppen_genesis as (
    select
        gruppen.ags,
        gruppen.stichtag,
        baender.altersband,
        case when bool_or(gruppen.ist_unterdrueckt) then null else sum(gruppen.einwohner) end as einwohner,
        bool_or(gruppen.ist_unterdrueckt) as ist_unterdrueckt,
        {{ genesis_quelle(
            'any_value(gruppen.tabelle)', 'any_value(gruppen.zeit)', 'bool_or(gruppen.ist_demodaten)'
        ) }} as nenner_quelle,
        any_value(gruppen.tabelle) as quelle_tabelle,
        bool_or(gruppen.ist_demodaten) as ist_demodaten,
        2 as prioritaet
    from baender
    inner join gruppen
        on gruppen.altersgruppe <> 'insgesamt'
        and gruppen.geschlecht = baender.geschlecht
        and gruppen.alter_von >= baender.alter_von
        and (baender.alter_bis is null or (gruppen.alter_bis is not null and gruppen.alter_bis <= baender.alter_bis))
    where baender.altersband <> 'insgesamt'
    group by gruppen.ags, gruppen.stichtag, baender.altersband, baender.alter_von, baender.alter_bis
    having bool_or(gruppen.alter_von = baender.alter_von)
        and (
            (baender.alter_bis is null and bool_or(gruppen.alter_bis is null))
            or bool_or(gruppen.alter_bis = baender.alter_bis)
        )

    union all

    select
        ags,
        stichtag,
        'insgesamt' as altersband,
        einwohner,
        ist_unterdrueckt,
        {{ genesis_quelle('tabelle', 'zeit', 'ist_demodaten') }} as nenner_quelle,
        tabelle as quelle_tabelle,
        ist_demodaten,
        2 as prioritaet
    from gruppen
    where altersgruppe = 'insgesamt' and geschlecht = 'insgesamt'
),

melderegister_einwohner as (
    select * from {{ ref('int_melderegister__einwohner') }}
),

-- every band of every delivered (ags, stichtag): a band without residents is 0, not missing. The residents are
-- summed per band through the (sex, age) → band pairs (a few hundred): an equality join on those, where a range
-- join of every resident row with every band took 3 s on the demo Kreis (0.1 s now)
alter_baender as (
    select
        merkmale.geschlecht,
        merkmale.alter,
        baender.altersband
    from (select distinct geschlecht, alter from melderegister_einwohner) as merkmale
    inner join baender
        on (baender.geschlecht = 'insgesamt' or merkmale.geschlecht = baender.geschlecht)
        and merkmale.alter >= baender.alter_von
        and (baender.alter_bis is null or merkmale.alter < baender.alter_bis)
),

band_summen as (
    select
        einwohner.ags,
        einwohner.stichtag,
        alter_baender.altersband,
        sum(einwohner.einwohner) as einwohner
    from melderegister_einwohner as einwohner
    inner join alter_baender
        on einwohner.geschlecht is not distinct from alter_baender.geschlecht
        and einwohner.alter = alter_baender.alter
    group by einwohner.ags, einwohner.stichtag, alter_baender.altersband
),

melderegister as (
    select
        stichtage.ags,
        stichtage.stichtag,
        baender.altersband,
        cast(coalesce(band_summen.einwohner, 0) as double) as einwohner,
        false as ist_unterdrueckt,
        {{ quelle_am("'Melderegister'", 'stichtage.stichtag', 'stichtage.ist_demodaten') }} as nenner_quelle,
        'Melderegister' as quelle_tabelle,
        stichtage.ist_demodaten,
        3 as prioritaet
    from (
        select ags, stichtag, bool_or(coalesce(ist_demodaten, false)) as ist_demodaten
        from melderegister_einwohner
        group by ags, stichtag
    ) as stichtage
    cross join baender
    left join band_summen
        on stichtage.ags = band_summen.ags
        and stichtage.stichtag = band_summen.stichtag
        and baender.altersband = band_summen.altersband
),

alle as (
    select * from gesamt_genesis
    union all
    select * from altersgruppen_genesis
    union all
    select * from melderegister
),

final as (
    select
        alle.ags,
        alle.stichtag,
        cast(year(alle.stichtag) as integer) as jahr,
        alle.altersband,
        baender.alter_von,
        baender.alter_bis,
        cast(alle.einwohner as double) as einwohner,
        alle.ist_unterdrueckt,
        alle.nenner_quelle,
        alle.quelle_tabelle,
        alle.ist_demodaten
    from alle
    inner join baender on alle.altersband = baender.altersband
    qualify row_number() over (
        partition by alle.ags, alle.stichtag, alle.altersband
        order by alle.prioritaet
    ) = 1
)

select * from final
