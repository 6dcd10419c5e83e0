-- Indicators of the SGB II family, per Gemeinde and year (contract columns of int_indikatoren__gemeinde):
--   sgb2_quote                  Leistungsberechtigte insgesamt (RLB + SLB, BA count) / E unter 65
--   kinderarmut                 NEF unter 15 / E unter 15
--   alleinerziehende_bg_anteil  Alleinerziehenden-BG / BG insgesamt (same delivery)
-- The annual value is the December report (stock at 31.12.), divided by the population at the same
-- 31.12. (catalogue stichtagsregel `stichtag_gleich`, macro mit_bevoelkerungsnenner).
-- Values suppressed by the source (`*`) stay NULL with zaehler_unterdrueckt / nenner_unterdrueckt;
-- they are never recomputed from other columns of the table.
with dezember as (
    select * from {{ ref('int_sgb2__gemeinde_monatswerte') }}
    where gebiet_ebene = 'gemeinde' and month(berichtsmonat) = 12
),

gemeinde_jahr as (
    select
        ags,
        cast(year(berichtsmonat) as integer) as jahr,
        make_date(year(berichtsmonat), 12, 31) as stichtag,
        {% for merkmal in ['lb_insgesamt', 'nef_unter_15', 'bg_insgesamt', 'bg_alleinerziehende'] %}
        max(wert) filter (where merkmal = '{{ merkmal }}') as {{ merkmal }},
        coalesce(bool_or(ist_unterdrueckt) filter (where merkmal = '{{ merkmal }}'), false)
            as {{ merkmal }}_unterdrueckt,
        {% endfor %}
        'SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), Dezember ' || year(berichtsmonat)
            || case when bool_or(ist_demodaten) then ', Demodaten' else '' end as quelle,
        bool_or(ist_demodaten) as ist_demodaten
    from dezember
    group by ags, berichtsmonat
),

zaehler as (
    select ags, jahr, stichtag, 'sgb2_quote' as indikator_id, 'unter_65' as nenner_band,
        lb_insgesamt as zaehler, lb_insgesamt_unterdrueckt as zaehler_unterdrueckt, quelle, ist_demodaten
    from gemeinde_jahr

    union all

    select ags, jahr, stichtag, 'kinderarmut' as indikator_id, 'unter_15' as nenner_band,
        nef_unter_15 as zaehler, nef_unter_15_unterdrueckt as zaehler_unterdrueckt, quelle, ist_demodaten
    from gemeinde_jahr
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
),

alleinerziehende as (
    select
        ags,
        jahr,
        'alleinerziehende_bg_anteil' as indikator_id,
        cast(bg_alleinerziehende as double) as zaehler,
        cast(bg_insgesamt as double) as nenner,
        bg_alleinerziehende_unterdrueckt as zaehler_unterdrueckt,
        bg_insgesamt_unterdrueckt as nenner_unterdrueckt,
        quelle,
        quelle as nenner_quelle,
        ist_demodaten
    from gemeinde_jahr
)

select * from bevoelkerungsbezogen
union all
select * from alleinerziehende
