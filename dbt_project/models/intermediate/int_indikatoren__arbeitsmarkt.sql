-- Indicators of the labour-market group, per Gemeinde and year (contract columns):
--   arbeitslosenanteil          Alo insgesamt (Jahresdurchschnitt) / E 15–<65
--   juengere_arbeitslose        Alo 15–<25 / E 15–<25
--   aeltere_arbeitslose         Alo 55–<65 / E 55–<65
--   langzeitarbeitslosenanteil  Langzeitarbeitslose / Alo insgesamt (same table and year)
--   beschaeftigtenquote         SvB am Wohnort (30.06.) / E 15–<65
-- Population denominators at the date the catalogue's stichtagsregel gives (31.12. of the previous
-- year for annual averages and 30.06. stocks): arbeitslosenanteil 2016 divides by E at 31.12.2015.
with arbeitslose as (
    select * from {{ ref('int_genesis__arbeitslose') }}
    where {{ ist_indikator_gebiet() }}
),

beschaeftigte as (
    select * from {{ ref('int_genesis__beschaeftigte_wohnort') }}
    where {{ ist_indikator_gebiet() }} and nationalitaet = 'insgesamt' and geschlecht = 'insgesamt'
),

definitionen as (
    select * from (values
        ('arbeitslosenanteil', 'insgesamt', '15_bis_unter_65'),
        ('juengere_arbeitslose', 'alter_15_bis_unter_25', '15_bis_unter_25'),
        ('aeltere_arbeitslose', 'alter_55_bis_unter_65', '55_bis_unter_65')
    ) as d (indikator_id, personengruppe, nenner_band)
),

zaehler as (
    select
        arbeitslose.ags,
        arbeitslose.jahr,
        arbeitslose.stichtag,
        definitionen.indikator_id,
        definitionen.nenner_band,
        arbeitslose.arbeitslose as zaehler,
        arbeitslose.ist_unterdrueckt as zaehler_unterdrueckt,
        {{ genesis_quelle('arbeitslose.tabelle', 'arbeitslose.zeit', 'arbeitslose.ist_demodaten') }} as quelle,
        arbeitslose.ist_demodaten
    from arbeitslose
    inner join definitionen on arbeitslose.personengruppe = definitionen.personengruppe

    union all

    select
        ags,
        jahr,
        stichtag,
        'beschaeftigtenquote' as indikator_id,
        '15_bis_unter_65' as nenner_band,
        beschaeftigte as zaehler,
        ist_unterdrueckt as zaehler_unterdrueckt,
        {{ genesis_quelle('tabelle', 'zeit', 'ist_demodaten') }} as quelle,
        ist_demodaten
    from beschaeftigte
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
),

langzeit as (
    select
        lza.ags,
        lza.jahr,
        'langzeitarbeitslosenanteil' as indikator_id,
        -- more Langzeitarbeitslose than Arbeitslose (annual averages of small numbers, e.g. 01061053 in 2016:
        -- 26 vs 0) is no share: withheld like a suppressed value (NULL, flagged), never silently dropped,
        -- so that no sum over the Gemeinden counts it
        case when lza.arbeitslose > alo.arbeitslose then null else lza.arbeitslose end as zaehler,
        alo.arbeitslose as nenner,
        lza.ist_unterdrueckt or coalesce(lza.arbeitslose > alo.arbeitslose, false) as zaehler_unterdrueckt,
        alo.ist_unterdrueckt as nenner_unterdrueckt,
        {{ genesis_quelle('lza.tabelle', 'lza.zeit', 'lza.ist_demodaten') }} as quelle,
        {{ genesis_quelle('alo.tabelle', 'alo.zeit', 'alo.ist_demodaten') }} as nenner_quelle,
        lza.ist_demodaten or alo.ist_demodaten as ist_demodaten
    from arbeitslose as lza
    inner join arbeitslose as alo
        on lza.ags = alo.ags
        and lza.zeit = alo.zeit
        and lza.sha256 = alo.sha256
    where lza.personengruppe = 'langzeitarbeitslose'
        and alo.personengruppe = 'insgesamt'
)

select * from bevoelkerungsbezogen
union all
select * from langzeit
