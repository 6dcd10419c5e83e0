-- Disclosure control, step 3: all indicator rows of int_indikatoren__aggregiert (every level, year and
-- indicator) with the suppression decisions of int_geheimhaltung__sekundaer applied. This is what
-- mart.sozialraum_indikatoren publishes.
--   zaehler suppressed → zaehler and wert NULL (the population denominator is public, so a published
--                        rate would reveal the count), ist_unterdrueckt = true;
--   nenner suppressed  → nenner NULL as well (§ 8a share: its nenner is a confidential count); a suppressed
--                        row's nenner below the minimum cell (tiny Ortsteil population) is NULL too.
-- Fail closed: a confidential row without a decision is suppressed.
-- Non-confidential indicators pass through unchanged (their source suppression included), except their Ortsteil
-- cells of catalogue geheim_ab_ebene (the Jobcenter's SGB II Ortsteil counts), which are confidential.
with indikatoren as (
    select * from {{ ref('int_indikatoren__aggregiert') }}
),

katalog as (
    select indikator_id, geheimhaltung from {{ ref('indikatoren') }}
),

entscheidungen as (
    select * from {{ ref('int_geheimhaltung__sekundaer') }}
),

beurteilt as (
    select
        indikatoren.*,
        (coalesce(katalog.geheimhaltung, false)
            or {{ vertraulich_als_ortsteil('indikatoren.indikator_id', 'indikatoren.gebiet_ebene') }})
            and coalesce(entscheidungen.zaehler_unterdrueckt, true) as zaehler_weg,
        (coalesce(katalog.geheimhaltung, false)
            or {{ vertraulich_als_ortsteil('indikatoren.indikator_id', 'indikatoren.gebiet_ebene') }})
            and coalesce(entscheidungen.nenner_unterdrueckt, entscheidungen.zaehler_unterdrueckt is null) as nenner_weg
    from indikatoren
    left join katalog on indikatoren.indikator_id = katalog.indikator_id
    left join entscheidungen
        on indikatoren.jahr = entscheidungen.jahr
        and entscheidungen.monat_nr is null  -- the annual cells (monthly ones: mart.sgb2_monatswerte)
        and indikatoren.gebiet_ebene = entscheidungen.gebiet_ebene
        and indikatoren.gebiet_id = entscheidungen.gebiet_id
        and indikatoren.indikator_id = entscheidungen.indikator_id
),

final as (
    select
        * exclude (zaehler_weg, nenner_weg) replace (
            case when zaehler_weg then null else wert end as wert,
            case when zaehler_weg then null else zaehler end as zaehler,
            case
                when nenner_weg then null
                -- a suppressed cell does not show a denominator below the minimum (the primary reason)
                when zaehler_weg and nenner > 0 and nenner < {{ var('disclosure_min_cell', 3) }} then null
                else nenner
            end as nenner,
            ist_unterdrueckt or zaehler_weg as ist_unterdrueckt
        )
    from beurteilt
)

select * from final
