-- Indicators at every area level (ortsteil, gemeinde, sozialraum, kreis) with their value, and the region's Land
-- and Germany (land, bund) as comparison rows computed from their own official rows
-- (int_indikatoren__vergleich), not from sums of Gemeinden.
--   Aggregates: Σ zaehler / Σ nenner × faktor over the Gemeinden of the area (never an average of
--   rates). An aggregate with any suppressed component (zaehler or nenner of one Gemeinde) is NULL
--   with ist_unterdrueckt. An aggregate is only built when every Gemeinde of the area that has any
--   indicator row in that year also has a row for this indicator (a partial sum would be wrong, so it
--   is left out).
--   A Kreis whose sum is suppressed takes the Kreis total its source publishes (int_indikatoren__kreisquelle:
--   the BA prints the Kreis row although it suppresses single Gemeinden).
--   Count indicators (catalogue einheit 'Anzahl'): wert = zaehler.
--   Ortsteil rows (int_indikatoren__ortsteil, Melderegister; int_indikatoren__jugendhilfe_ortsteil, youth
--   welfare; int_indikatoren__sgb2_ortsteil, the Jobcenter's SGB II counts;
--   int_indikatoren__grundsicherung_ortsteil, the Sozialamt's Grundsicherung counts) are an extra level below the
--   Gemeinde:
--   gebiet_id = AGS + 3-digit key, kreis_ags and sozialraum_id those of their Gemeinde (of the Ortsteil itself when its
--   Gemeinde is split across Sozialräume); the Kreis is still built from the Gemeinde rows.
--   Split Gemeinden (sozialraeume.csv by Ortsteile, int_gebiet__zuordnung_ortsteile): a Sozialraum is the sum
--   over its members, its whole Gemeinden and its Ortsteile (their Ortsteil values). The members expected are
--   the whole Gemeinden with any indicator row in the year and all Ortsteile of the split Gemeinden with any
--   indicator row in the year; so an indicator that exists only at Gemeinde level (GENESIS, BA tables) has no
--   value for a Sozialraum containing part of a Gemeinde (absent, never a wrong partial sum), and
--   anzahl_gemeinden of a Sozialraum counts its members (Gemeinden and Ortsteile). A split Gemeinde's own row
--   has no sozialraum_id in those years.
--   einheit and faktor come from the catalogue (seed indikatoren).
-- mart.sozialraum_indikatoren is a plain select of this model; a disclosure-control model can be
-- put between the two by pointing the mart's single ref() at it.
-- the Ortsteil values of every family that delivers them
with ortsteilwerte as (
    select * from {{ ref('int_indikatoren__ortsteil') }}
    union all by name
    select * from {{ ref('int_indikatoren__jugendhilfe_ortsteil') }}
    union all by name
    select * from {{ ref('int_indikatoren__sgb2_ortsteil') }}
    union all by name
    select * from {{ ref('int_indikatoren__grundsicherung_ortsteil') }}
),

gemeinde as (
    select
        indikatoren.*,
        zuordnung.gemeinde_name,
        zuordnung.sozialraum_id,
        zuordnung.sozialraum_name,
        zuordnung.kreis_ags,
        zuordnung.kreis_name,
        coalesce(umgeschluesselt.ist_umgeschluesselt, false) as ist_umgeschluesselt
    from {{ ref('int_indikatoren__gemeinde') }} as indikatoren
    -- the Sozialraum cut valid in the indicator's year (a re-cut keeps earlier years on the earlier cut)
    {{ gebiet_im_jahr('indikatoren') }}
),

-- Gemeinden expected in an area and year: those of the area with at least one indicator row in that
-- year (a Gemeinde that no longer exists after a merger has no rows and is not expected)
gemeinden_im_jahr as (
    select distinct ags, jahr, sozialraum_id, kreis_ags from gemeinde
),

zuordnung_ortsteile as (
    select * from {{ ref('int_gebiet__zuordnung_ortsteile') }}
),

-- members of a Sozialraum expected in a year: whole Gemeinden and the Ortsteile of split Gemeinden
mitglieder_im_jahr as (
    select ags as mitglied, jahr, sozialraum_id
    from gemeinden_im_jahr
    where sozialraum_id is not null
    union all
    select
        zuordnung_ortsteile.ortsteil_id as mitglied,
        gemeinden_im_jahr.jahr,
        zuordnung_ortsteile.sozialraum_id
    from gemeinden_im_jahr
    inner join zuordnung_ortsteile
        on {{ zuordnung_im_jahr('gemeinden_im_jahr', 'zuordnung_ortsteile') }}
    where gemeinden_im_jahr.sozialraum_id is null
),

-- Ortsteil values as members of their Sozialraum, in the years their Gemeinde is split
ortsteil_mitglieder as (
    select
        zuordnung_ortsteile.sozialraum_id,
        zuordnung_ortsteile.sozialraum_name,
        zuordnung_ortsteile.kreis_ags,
        indikatoren.jahr,
        indikatoren.indikator_id,
        indikatoren.zaehler,
        indikatoren.nenner,
        indikatoren.zaehler_unterdrueckt,
        indikatoren.nenner_unterdrueckt,
        indikatoren.quelle,
        indikatoren.nenner_quelle,
        indikatoren.ist_demodaten,
        coalesce(umgeschluesselt.ist_umgeschluesselt, false) as ist_umgeschluesselt
    from ortsteilwerte as indikatoren
    inner join zuordnung_ortsteile
        on indikatoren.ortsteil_id = zuordnung_ortsteile.ortsteil_id
        and indikatoren.jahr between coalesce(zuordnung_ortsteile.gueltig_ab, 0)
        and coalesce(zuordnung_ortsteile.gueltig_bis, 9999)
    left join {{ ref('int_gebiet__umgeschluesselt') }} as umgeschluesselt
        on indikatoren.ags = umgeschluesselt.ags and indikatoren.jahr = umgeschluesselt.jahr
    -- not (yet) the confidential Ortsteil cells of public indicators (SGB II, catalogue geheim_ab_ebene): a
    -- Sozialraum summed from them would be a confidential cell of an otherwise public level; such a Sozialraum keeps
    -- having no value for them (as for every indicator without Ortsteil values)
    where not {{ vertraulich_als_ortsteil('indikatoren.indikator_id', "'ortsteil'") }}
),

gebietsgroessen as (
    select 'sozialraum' as gebiet_ebene, sozialraum_id as gebiet_id, jahr, count(*) as gemeinden_im_gebiet
    from mitglieder_im_jahr
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
    union all by name
    select 'sozialraum' as gebiet_ebene, sozialraum_id as gebiet_id, sozialraum_name as gebiet_name,
        kreis_ags, sozialraum_id, * exclude (kreis_ags, sozialraum_id)
    from gemeinde
    where sozialraum_id is not null
    union all by name
    select 'sozialraum' as gebiet_ebene, sozialraum_id as gebiet_id, sozialraum_name as gebiet_name, *
    from ortsteil_mitglieder
    union all by name
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
        {{ summe_ueber_gemeinden() }}
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

-- a Kreis whose Gemeinde sum is suppressed by the source takes the Kreis total the source publishes itself
-- (int_indikatoren__kreisquelle; its other parts are complete: every Gemeinde has its row, see vollstaendig)
mit_kreisquelle as (
    {{ mit_kreissumme_der_quelle('vollstaendig', ref('int_indikatoren__kreisquelle'), 'jahr') }}
),

-- the Ortsteil rows with their area columns (anzahl_gemeinden stays NULL: union by name)
ortsteil as (
    {{ ortsteil_gebietszeilen('ortsteilwerte') }}
),

vergleich as (
    select
        gebiete.gebiet_ebene,
        gebiete.gebiet_id,
        gebiete.gebiet_name,
        cast(null as varchar) as kreis_ags,
        cast(null as varchar) as sozialraum_id,
        indikatoren.jahr,
        indikatoren.indikator_id,
        indikatoren.zaehler,
        indikatoren.nenner,
        indikatoren.zaehler_unterdrueckt or indikatoren.nenner_unterdrueckt as ist_unterdrueckt,
        indikatoren.quelle,
        indikatoren.nenner_quelle,
        indikatoren.ist_demodaten,
        false as ist_umgeschluesselt,
        cast(null as bigint) as anzahl_gemeinden
    from {{ ref('int_indikatoren__vergleich') }} as indikatoren
    inner join {{ ref('int_gebiet__vergleich') }} as gebiete on indikatoren.ags = gebiete.gebiet_id
),

alle_ebenen as (
    select * from mit_kreisquelle
    union all by name
    select * from ortsteil
    union all by name
    select * from vergleich
),

final as (
    select
        alle_ebenen.gebiet_ebene,
        alle_ebenen.gebiet_id,
        alle_ebenen.gebiet_name,
        alle_ebenen.kreis_ags,
        alle_ebenen.sozialraum_id,
        alle_ebenen.jahr,
        alle_ebenen.indikator_id,
        case
            when alle_ebenen.ist_unterdrueckt then null
            when katalog.einheit = 'Anzahl' then alle_ebenen.zaehler
            else alle_ebenen.zaehler / nullif(alle_ebenen.nenner, 0) * katalog.faktor
        end as wert,
        alle_ebenen.zaehler,
        alle_ebenen.nenner,
        katalog.einheit,
        alle_ebenen.ist_unterdrueckt,
        alle_ebenen.quelle,
        alle_ebenen.nenner_quelle,
        alle_ebenen.ist_demodaten,
        alle_ebenen.ist_umgeschluesselt,
        alle_ebenen.anzahl_gemeinden
    from alle_ebenen
    inner join {{ ref('indikatoren') }} as katalog on alle_ebenen.indikator_id = katalog.indikator_id
    -- a rate over an empty denominator (e.g. the share of acute cases where no § 8a assessment took
    -- place) is undefined: no row, rather than a NULL that looks like a suppressed value
    where katalog.einheit = 'Anzahl' or alle_ebenen.nenner is distinct from 0
)

select * from final
