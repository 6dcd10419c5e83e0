-- Indicator durchschnittsalter per Gemeinde and year (contract columns): Σ Lebensjahre / Σ Einwohner at the
-- 31.12. (int_genesis__durchschnittsalter: Durchschnittsalter × Einwohner of the delivered areas, converted
-- to the target Gebietsstand). For an unconverted Gemeinde, the Land and Bund this is the delivered
-- average; for a Sozialraum or Kreis (Σ Zähler / Σ Nenner over its Gemeinden) the population-weighted
-- average of its Gemeinden. Catalogue faktor 1: wert = zaehler / nenner in years.
with teile as (
    select * from {{ ref('int_genesis__durchschnittsalter') }}
    where {{ ist_indikator_gebiet() }} and geschlecht = 'insgesamt'
),

lebensjahre as (
    select * from teile where groesse = 'lebensjahre'
),

einwohner as (
    select * from teile where groesse = 'einwohner'
),

final as (
    select
        lebensjahre.ags,
        lebensjahre.jahr,
        'durchschnittsalter' as indikator_id,
        lebensjahre.wert as zaehler,
        einwohner.wert as nenner,
        lebensjahre.ist_unterdrueckt as zaehler_unterdrueckt,
        einwohner.ist_unterdrueckt as nenner_unterdrueckt,
        {{ genesis_quelle('lebensjahre.tabelle', 'lebensjahre.zeit', 'lebensjahre.ist_demodaten') }} as quelle,
        einwohner.einwohner_quelle as nenner_quelle,
        lebensjahre.ist_demodaten or einwohner.ist_demodaten as ist_demodaten
    from lebensjahre
    inner join einwohner
        on lebensjahre.ags = einwohner.ags
        and lebensjahre.gebiet_ebene = einwohner.gebiet_ebene
        and lebensjahre.zeit = einwohner.zeit
)

select * from final
