-- SGB II indicators per Gemeinde × Berichtsmonat: every delivered month (int_indikatoren__sgb2 keeps only
-- December for the annual mart). Same formulas as the annual values:
--   sgb2_quote   Leistungsberechtigte insgesamt (RLB + SLB, BA count) / E unter 65
--   kinderarmut  NEF unter 15 / E unter 15
-- Denominator: the population at the 31.12. before the month (macro monat_nenner_stichtag): January to
-- November divide by the population at the 31.12. of the previous year; the December report (stock at
-- 31.12.) by the population at the same 31.12., exactly as the annual value, so December equals it.
-- Source-suppressed values (`*`) stay NULL with zaehler_unterdrueckt, never recomputed; a month without the
-- population of its reference date has no row (inner join, as macro mit_bevoelkerungsnenner).
with monatswerte as (
    select * from {{ ref('int_sgb2__gemeinde_monatswerte') }}
    where gebiet_ebene = 'gemeinde'
),

gemeinde_monat as (
    select
        ags,
        berichtsmonat as monat,
        {% for merkmal in ['lb_insgesamt', 'nef_unter_15'] %}
            max(wert) filter (where merkmal = '{{ merkmal }}') as {{ merkmal }},
            coalesce(bool_or(ist_unterdrueckt) filter (where merkmal = '{{ merkmal }}'), false)
                as {{ merkmal }}_unterdrueckt,
        {% endfor %}
        bool_or(ist_umgeschluesselt) as ist_umgeschluesselt,
        'SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), ' || {{ monatsname('berichtsmonat') }} || ' '
        || year(berichtsmonat)
        || case when bool_or(ist_demodaten) then ', Demodaten' else '' end as quelle,
        bool_or(ist_demodaten) as ist_demodaten
    from monatswerte
    group by ags, berichtsmonat
),

zaehler as (
    select
        ags,
        monat,
        'sgb2_quote' as indikator_id,
        'unter_65' as nenner_band,
        lb_insgesamt as zaehler,
        lb_insgesamt_unterdrueckt as zaehler_unterdrueckt,
        ist_umgeschluesselt,
        quelle,
        ist_demodaten
    from gemeinde_monat

    union all

    select
        ags,
        monat,
        'kinderarmut' as indikator_id,
        'unter_15' as nenner_band,
        nef_unter_15 as zaehler,
        nef_unter_15_unterdrueckt as zaehler_unterdrueckt,
        ist_umgeschluesselt,
        quelle,
        ist_demodaten
    from gemeinde_monat
),

final as (
    select
        zaehler.ags,
        cast(year(zaehler.monat) as integer) as jahr,
        zaehler.monat,
        zaehler.indikator_id,
        cast(zaehler.zaehler as double) as zaehler,
        cast(baender.einwohner as double) as nenner,
        zaehler.zaehler_unterdrueckt,
        baender.ist_unterdrueckt as nenner_unterdrueckt,
        baender.stichtag as nenner_stichtag,
        zaehler.quelle,
        baender.nenner_quelle,
        (zaehler.ist_demodaten or baender.ist_demodaten) as ist_demodaten,
        zaehler.ist_umgeschluesselt
    from zaehler
    inner join {{ ref('int_bevoelkerung__altersbaender') }} as baender
        on
            zaehler.ags = baender.ags
            and zaehler.nenner_band = baender.altersband
            and baender.stichtag = {{ monat_nenner_stichtag('zaehler.monat') }}
)

select * from final
