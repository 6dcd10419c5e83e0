-- Indicators at every area level (gemeinde, sozialraum, kreis) with their value.
--   Aggregates: Σ zaehler / Σ nenner × faktor over the Gemeinden of the area (never an average of
--   rates). An aggregate with any suppressed component (zaehler or nenner of one Gemeinde) is NULL
--   with ist_unterdrueckt. An aggregate is only built when every Gemeinde of the area that has any
--   indicator row in that year also has a row for this indicator (a partial sum would be wrong, so it
--   is left out).
--   Count indicators (catalogue einheit 'Anzahl'): wert = zaehler.
--   einheit and faktor come from the catalogue (seed indikatoren).
-- mart.sozialraum_indikatoren is a plain select of this model; a disclosure-control model can be
-- put between the two by pointing the mart's single ref() at it.
with gemeinde as (
    select
        indikatoren.*,
        zuordnung.gemeinde_name,
        zuordnung.sozialraum_id,
        zuordnung.sozialraum_name,
        zuordnung.kreis_ags,
        zuordnung.kreis_name
    from {{ ref('int_indikatoren__gemeinde') }} as indikatoren
    inner join {{ ref('int_gebiet__zuordnung') }} as zuordnung on indikatoren.ags = zuordnung.ags
),

-- Gemeinden expected in an area and year: those of the area with at least one indicator row in that
-- year (a Gemeinde that no longer exists after a merger has no rows and is not expected)
gemeinden_im_jahr as (
    select distinct ags, jahr, sozialraum_id, kreis_ags from gemeinde
),

gebietsgroessen as (
    select 'sozialraum' as gebiet_ebene, sozialraum_id as gebiet_id, jahr, count(*) as gemeinden_im_gebiet
    from gemeinden_im_jahr
    group by sozialraum_id, jahr
    union all
    select 'kreis' as gebiet_ebene, kreis_ags as gebiet_id, jahr, count(*) as gemeinden_im_gebiet
    from gemeinden_im_jahr
    group by kreis_ags, jahr
),

ebenen as (
    select 'gemeinde' as gebiet_ebene, ags as gebiet_id, gemeinde_name as gebiet_name,
        kreis_ags, sozialraum_id, * exclude (kreis_ags, sozialraum_id)
    from gemeinde
    union all
    select 'sozialraum' as gebiet_ebene, sozialraum_id as gebiet_id, sozialraum_name as gebiet_name,
        kreis_ags, sozialraum_id, * exclude (kreis_ags, sozialraum_id)
    from gemeinde
    union all
    select 'kreis' as gebiet_ebene, kreis_ags as gebiet_id, kreis_name as gebiet_name,
        kreis_ags, cast(null as varchar) as sozialraum_id, * exclude (kreis_ags, sozialraum_id)
    from gemeinde
),

summiert as (
    select
        gebiet_ebene,
        gebiet_id,
        any_value(gebiet_name) as gebiet_name,
        min(kreis_ags) as kreis_ags,
        any_value(sozialraum_id) as sozialraum_id,
        jahr,
        indikator_id,
        case when bool_or(zaehler_unterdrueckt) then null else sum(zaehler) end as zaehler,
        case when bool_or(nenner_unterdrueckt) then null else sum(nenner) end as nenner,
        bool_or(zaehler_unterdrueckt or nenner_unterdrueckt) as ist_unterdrueckt,
        string_agg(distinct quelle, '; ' order by quelle) as quelle,
        string_agg(distinct nenner_quelle, '; ' order by nenner_quelle) as nenner_quelle,
        bool_or(ist_demodaten) as ist_demodaten,
        count(*) as anzahl_gemeinden
    from ebenen
    group by gebiet_ebene, gebiet_id, jahr, indikator_id
),

vollstaendig as (
    select summiert.*
    from summiert
    left join gebietsgroessen
        on summiert.gebiet_ebene = gebietsgroessen.gebiet_ebene
        and summiert.gebiet_id = gebietsgroessen.gebiet_id
        and summiert.jahr = gebietsgroessen.jahr
    where summiert.gebiet_ebene = 'gemeinde'
        or summiert.anzahl_gemeinden = gebietsgroessen.gemeinden_im_gebiet
),

final as (
    select
        vollstaendig.gebiet_ebene,
        vollstaendig.gebiet_id,
        vollstaendig.gebiet_name,
        vollstaendig.kreis_ags,
        vollstaendig.sozialraum_id,
        vollstaendig.jahr,
        vollstaendig.indikator_id,
        case
            when vollstaendig.ist_unterdrueckt then null
            when katalog.einheit = 'Anzahl' then vollstaendig.zaehler
            else vollstaendig.zaehler / nullif(vollstaendig.nenner, 0) * katalog.faktor
        end as wert,
        vollstaendig.zaehler,
        vollstaendig.nenner,
        katalog.einheit,
        vollstaendig.ist_unterdrueckt,
        vollstaendig.quelle,
        vollstaendig.nenner_quelle,
        vollstaendig.ist_demodaten,
        vollstaendig.anzahl_gemeinden
    from vollstaendig
    inner join {{ ref('indikatoren') }} as katalog on vollstaendig.indikator_id = katalog.indikator_id
    -- a rate over an empty denominator (e.g. the share of acute cases where no § 8a assessment took
    -- place) is undefined: no row, rather than a NULL that looks like a suppressed value
    where katalog.einheit = 'Anzahl' or vollstaendig.nenner is distinct from 0
)

select * from final
