-- Disclosure control, step 1: the confidential cells and the primary suppression rule.
-- One row per confidential indicator (catalogue geheimhaltung = true) × area × year, with its count
-- (anzahl = the indicator's zaehler, a youth-welfare case count), and per public indicator with confidential
-- Ortsteil cells (catalogue geheim_ab_ebene: the Jobcenter's SGB II Ortsteil counts) × area × year.
--   ist_unterdrueckbar: Ortsteil, Gemeinde and Sozialraum cells; Kreis totals always stay published. Of the
--                       vertraulich_als_ortsteil indicators only the Ortsteil cells (their Gemeinde, Sozialraum and
--                       Kreis rows are public figures: they are the known totals of the equations).
--   ist_primaer:        0 < anzahl < var('disclosure_min_cell') (default 3) at a suppressible level, or
--                       0 < nenner < that minimum (a tiny population, e.g. of a small Ortsteil's age band).
-- Step 2 (int_geheimhaltung__sekundaer) adds the complementary suppressions, step 3
-- (int_geheimhaltung__indikatoren) applies them to the published rows.
with indikatoren as (
    select * from {{ ref('int_indikatoren__aggregiert') }}
),

-- confidential indicators, and public ones with confidential Ortsteil cells (catalogue geheim_ab_ebene: their
-- public rows take part as the totals of the equations, but are never suppressed)
katalog as (
    select
        indikator_id,
        geheimhaltung
    from {{ ref('indikatoren') }}
    where geheimhaltung or {{ vertraulich_als_ortsteil('indikator_id', "'ortsteil'") }}
),

zellen as (
    select
        indikatoren.*,
        indikatoren.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum')
        and (katalog.geheimhaltung
            or {{ vertraulich_als_ortsteil('indikatoren.indikator_id', 'indikatoren.gebiet_ebene') }})
            as ist_unterdrueckbar
    from indikatoren
    inner join katalog on indikatoren.indikator_id = katalog.indikator_id
),

final as (
    select
        zellen.kreis_ags,
        zellen.sozialraum_id,
        zellen.jahr,
        zellen.gebiet_ebene,
        zellen.gebiet_id,
        zellen.indikator_id,
        cast(zellen.zaehler as bigint) as anzahl,
        zellen.ist_unterdrueckbar,
        coalesce(
            zellen.ist_unterdrueckbar
            and (
                zellen.zaehler > 0 and zellen.zaehler < {{ var('disclosure_min_cell', 3) }}
                -- a tiny denominator (e.g. 2 residents of 18 to 21 in a small Ortsteil) reveals the count too
                or zellen.nenner > 0 and zellen.nenner < {{ var('disclosure_min_cell', 3) }}
            ),
            false
        ) as ist_primaer,
        cast(zellen.nenner as double) as nenner
    from zellen
)

select * from final
