-- Disclosure control, step 1: the confidential cells and the primary suppression rule.
-- One row per confidential indicator (catalogue geheimhaltung = true) × area × year, with its count
-- (anzahl = the indicator's zaehler, a youth-welfare case count).
--   ist_unterdrueckbar: Ortsteil, Gemeinde and Sozialraum cells; Kreis totals always stay published.
--   ist_primaer:        0 < anzahl < var('disclosure_min_cell') (default 3) at a suppressible level, or
--                       0 < nenner < that minimum (a tiny population, e.g. of a small Ortsteil's age band).
-- Step 2 (int_geheimhaltung__sekundaer) adds the complementary suppressions, step 3
-- (int_geheimhaltung__indikatoren) applies them to the published rows.
with indikatoren as (
    select * from {{ ref('int_indikatoren__aggregiert') }}
),

katalog as (
    select indikator_id from {{ ref('indikatoren') }}
    where geheimhaltung
),

final as (
    select
        indikatoren.kreis_ags,
        indikatoren.sozialraum_id,
        indikatoren.jahr,
        indikatoren.gebiet_ebene,
        indikatoren.gebiet_id,
        indikatoren.indikator_id,
        cast(indikatoren.zaehler as bigint) as anzahl,
        indikatoren.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum') as ist_unterdrueckbar,
        coalesce(
            indikatoren.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum')
            and (
                indikatoren.zaehler > 0 and indikatoren.zaehler < {{ var('disclosure_min_cell', 3) }}
                -- a tiny denominator (e.g. 2 residents of 18 to 21 in a small Ortsteil) reveals the count too
                or indikatoren.nenner > 0 and indikatoren.nenner < {{ var('disclosure_min_cell', 3) }}
            ),
            false
        ) as ist_primaer,
        cast(indikatoren.nenner as double) as nenner
    from indikatoren
    inner join katalog on indikatoren.indikator_id = katalog.indikator_id
)

select * from final
