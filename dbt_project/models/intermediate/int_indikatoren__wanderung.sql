-- Indicator of the migration group, per Gemeinde and year (contract columns):
--   wanderungssaldo_je_1000  (Zuzüge − Fortzüge über die Gemeindegrenzen, Jahressumme) / E insgesamt
-- The denominator is the population at 31.12. of the previous year (catalogue stichtagsregel).
-- A suppressed Zuzug or Fortzug value makes the balance suppressed (NULL + flag).
with wanderungen as (
    select * from {{ ref('int_genesis__wanderungen') }}
    where {{ ist_indikator_gebiet() }} and geschlecht = 'insgesamt' and altersgruppe = 'insgesamt'
),

saldo as (
    select
        ags,
        jahr,
        any_value(stichtag) as stichtag,
        'wanderungssaldo_je_1000' as indikator_id,
        'insgesamt' as nenner_band,
        case when bool_or(ist_unterdrueckt) or count(distinct richtung) < 2 then null
            else sum(case richtung when 'zuzug' then anzahl when 'fortzug' then -anzahl end)
        end as zaehler,
        bool_or(ist_unterdrueckt) or count(distinct richtung) < 2 as zaehler_unterdrueckt,
        {{ genesis_quelle('any_value(tabelle)', 'any_value(zeit)', 'bool_or(ist_demodaten)') }} as quelle,
        bool_or(ist_demodaten) as ist_demodaten
    from wanderungen
    group by ags, jahr
),

final as (
    {{ mit_bevoelkerungsnenner('saldo') }}
)

select * from final
