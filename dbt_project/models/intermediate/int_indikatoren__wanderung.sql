-- Indicators of the migration group, per Gemeinde and year (contract columns):
--   wanderungssaldo_je_1000  (Zuzüge − Fortzüge über die Gemeindegrenzen, Jahressumme) / E insgesamt
--   familienwanderung        Saldo unter 18 und 30 bis unter 50 Jahre / E unter 18 + E 30 bis unter 50
--   bildungswanderung        Saldo 18 bis unter 25 Jahre / E 18 bis unter 25
--   ruhestandswanderung      Saldo 50 bis unter 65 Jahre / E 50 bis unter 65
-- (the age groups of INKAR, BBSR; the Saldo of an age range is summed over the table's age groups inside
-- it, which must start at its lower and end at its upper bound). The denominator is the population of the
-- same ages at 31.12. of the previous year (catalogue stichtagsregel); an indicator of two age ranges
-- (familienwanderung) adds up the numerators and the denominators of both.
-- A suppressed Zuzug or Fortzug value makes the balance suppressed (NULL + flag).
with wanderungen as (
    select * from {{ ref('int_genesis__wanderungen') }}
    where {{ ist_indikator_gebiet() }} and geschlecht = 'insgesamt'
),

-- age ranges of the indicators: [alter_von, alter_bis) and the population band of the same ages
definitionen as (
    select * from (values
        ('wanderungssaldo_je_1000', 0, cast(null as integer), 'insgesamt'),
        ('familienwanderung', 0, 18, 'unter_18'),
        ('familienwanderung', 30, 50, '30_bis_unter_50'),
        ('bildungswanderung', 18, 25, '18_bis_unter_25'),
        ('ruhestandswanderung', 50, 65, '50_bis_unter_65')
    ) as d (indikator_id, alter_von, alter_bis, nenner_band)
),

saldo as (
    select
        wanderungen.ags,
        wanderungen.jahr,
        any_value(wanderungen.stichtag) as stichtag,
        definitionen.indikator_id,
        definitionen.nenner_band,
        case when bool_or(wanderungen.ist_unterdrueckt) or count(distinct wanderungen.richtung) < 2 then null
            else sum(case wanderungen.richtung when 'zuzug' then wanderungen.anzahl
                when 'fortzug' then -wanderungen.anzahl end)
        end as zaehler,
        bool_or(wanderungen.ist_unterdrueckt) or count(distinct wanderungen.richtung) < 2 as zaehler_unterdrueckt,
        {{ genesis_quelle(
            'any_value(wanderungen.tabelle)', 'any_value(wanderungen.zeit)', 'bool_or(wanderungen.ist_demodaten)'
        ) }} as quelle,
        bool_or(wanderungen.ist_demodaten) as ist_demodaten
    from wanderungen
    inner join definitionen
        on (definitionen.alter_bis is null and wanderungen.altersgruppe = 'insgesamt')
        or (
            definitionen.alter_bis is not null
            and wanderungen.altersgruppe <> 'insgesamt'
            and wanderungen.alter_von >= definitionen.alter_von
            and wanderungen.alter_bis <= definitionen.alter_bis
        )
    group by wanderungen.ags, wanderungen.jahr, definitionen.indikator_id, definitionen.nenner_band,
        definitionen.alter_von, definitionen.alter_bis
    having definitionen.alter_bis is null
        or (bool_or(wanderungen.alter_von = definitionen.alter_von)
            and bool_or(wanderungen.alter_bis = definitionen.alter_bis))
),

teile as (
    {{ mit_bevoelkerungsnenner('saldo') }}
),

-- one row per indicator: the parts of an indicator of two age ranges added up
final as (
    select
        ags,
        jahr,
        indikator_id,
        case when bool_or(zaehler_unterdrueckt) then null else sum(zaehler) end as zaehler,
        case when bool_or(nenner_unterdrueckt) then null else sum(nenner) end as nenner,
        bool_or(zaehler_unterdrueckt) as zaehler_unterdrueckt,
        bool_or(nenner_unterdrueckt) as nenner_unterdrueckt,
        {{ quellen('quelle') }} as quelle,
        {{ quellen('nenner_quelle') }} as nenner_quelle,
        bool_or(ist_demodaten) as ist_demodaten
    from teile
    group by ags, jahr, indikator_id
    -- an indicator of two age ranges needs both (a part without its population is no row in `teile`)
    having count(*) = (select count(*) from definitionen as d where d.indikator_id = teile.indikator_id)
)

select * from final
