-- Indicators of the labour-market group, per Gemeinde and year (contract columns):
--   arbeitslosenanteil          Alo insgesamt (Jahresdurchschnitt) / E 15–<65
--   juengere_arbeitslose        Alo 15–<25 / E 15–<25
--   aeltere_arbeitslose         Alo 55–<65 / E 55–<65
--   langzeitarbeitslosenanteil  Langzeitarbeitslose / Alo insgesamt (same table and year)
--   auslaendische_arbeitslose   ausländische Arbeitslose / Alo insgesamt (same table and year)
--   beschaeftigtenquote         SvB am Wohnort (30.06.) / E 15–<65
--   beschaeftigungsquote_frauen SvB am Wohnort, Frauen (30.06.) / Frauen 15–<65
--   beschaeftigtenquote_jahresende  SvB am Wohnort (30.06.) / E 15–<65 at 31.12. of the same year
-- Population denominators at the date the catalogue's stichtagsregel gives (31.12. of the previous
-- year for annual averages and 30.06. stocks): arbeitslosenanteil 2016 divides by E at 31.12.2015;
-- beschaeftigtenquote_jahresende 2015 by E at 31.12.2015.
with arbeitslose as (
    select * from {{ ref('int_genesis__arbeitslose') }}
    where {{ ist_indikator_gebiet() }}
),

beschaeftigte as (
    select * from {{ ref('int_genesis__beschaeftigte_wohnort') }}
    where {{ ist_indikator_gebiet() }} and nationalitaet = 'insgesamt'
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
        beschaeftigte.ags,
        beschaeftigte.jahr,
        beschaeftigte.stichtag,
        svb_definitionen.indikator_id,
        svb_definitionen.nenner_band,
        beschaeftigte.beschaeftigte as zaehler,
        beschaeftigte.ist_unterdrueckt as zaehler_unterdrueckt,
        {{ genesis_quelle('beschaeftigte.tabelle', 'beschaeftigte.zeit', 'beschaeftigte.ist_demodaten') }} as quelle,
        beschaeftigte.ist_demodaten
    from beschaeftigte
    inner join (values
        ('beschaeftigtenquote', 'insgesamt', '15_bis_unter_65'),
        ('beschaeftigtenquote_jahresende', 'insgesamt', '15_bis_unter_65'),
        ('beschaeftigungsquote_frauen', 'w', 'frauen_15_bis_unter_65')
    ) as svb_definitionen (indikator_id, geschlecht, nenner_band)
        on beschaeftigte.geschlecht = svb_definitionen.geschlecht
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
),

-- shares of a group of the unemployed in all unemployed of the same delivery and year
anteile_definitionen as (
    select * from (values
        ('langzeitarbeitslosenanteil', 'langzeitarbeitslose'),
        ('auslaendische_arbeitslose', 'auslaender')
    ) as d (indikator_id, personengruppe)
),

anteile as (
    select
        teil.ags,
        teil.jahr,
        anteile_definitionen.indikator_id,
        -- more in the group than Arbeitslose (annual averages of small numbers, e.g. 01061053 in 2016: 26
        -- Langzeitarbeitslose vs 0) is no share: withheld like a suppressed value (NULL, flagged), never
        -- silently dropped, so that no sum over the Gemeinden counts it
        case when teil.arbeitslose > alo.arbeitslose then null else teil.arbeitslose end as zaehler,
        alo.arbeitslose as nenner,
        teil.ist_unterdrueckt or coalesce(teil.arbeitslose > alo.arbeitslose, false) as zaehler_unterdrueckt,
        alo.ist_unterdrueckt as nenner_unterdrueckt,
        {{ genesis_quelle('teil.tabelle', 'teil.zeit', 'teil.ist_demodaten') }} as quelle,
        {{ genesis_quelle('alo.tabelle', 'alo.zeit', 'alo.ist_demodaten') }} as nenner_quelle,
        teil.ist_demodaten or alo.ist_demodaten as ist_demodaten
    from arbeitslose as teil
    inner join anteile_definitionen on teil.personengruppe = anteile_definitionen.personengruppe
    inner join arbeitslose as alo
        on teil.ags = alo.ags
        and teil.zeit = alo.zeit
        and teil.sha256 = alo.sha256
    where alo.personengruppe = 'insgesamt'
)

select * from bevoelkerungsbezogen
union all
select * from anteile
