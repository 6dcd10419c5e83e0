-- Disclosure control, step 1: the confidential cells and the primary suppression rule.
-- One row per confidential indicator (catalogue geheimhaltung = true) × area × year, with its count
-- (anzahl = the indicator's zaehler, a youth-welfare case count), and per public indicator with confidential
-- Ortsteil cells (catalogue geheim_ab_ebene: the Jobcenter's SGB II Ortsteil counts) × area × year.
--   ist_unterdrueckbar: Ortsteil, Gemeinde and Sozialraum cells; Kreis totals always stay published. Of the
--                       vertraulich_als_ortsteil indicators only the Ortsteil cells (their Gemeinde, Sozialraum and
--                       Kreis rows are public figures: they are the known totals of the equations).
--   ist_primaer:        0 < anzahl < var('disclosure_min_cell') (default 3) at a suppressible level, or
--                       0 < nenner < that minimum (a tiny population, e.g. of a small Ortsteil's age band).
--   monat_nr:           NULL for the annual cells (int_indikatoren__aggregiert); 1–12 for the monthly cells of
--                       mart.sgb2_monatswerte: the Jobcenter's Ortsteil counts per month (macro
--                       sgb2_ortsteil_monatszeilen) with their public monthly Gemeinde totals
--                       (int_sgb2__monatsindikatoren), one block per Kreis × month, protected by the same rules
--                       as the annual cells.
-- Step 2 (int_geheimhaltung__sekundaer) adds the complementary suppressions, step 3
-- (int_geheimhaltung__indikatoren; sgb2_monatswerte for the monthly cells) applies them to the published rows.
with monatsgemeinden as (
    select
        'gemeinde' as gebiet_ebene,
        monatswerte.ags as gebiet_id,
        zuordnung.kreis_ags,
        zuordnung.sozialraum_id,
        monatswerte.jahr,
        monatswerte.monat,
        monatswerte.indikator_id,
        case when monatswerte.zaehler_unterdrueckt then null else monatswerte.zaehler end as zaehler,
        case when monatswerte.nenner_unterdrueckt then null else monatswerte.nenner end as nenner
    from {{ ref('int_sgb2__monatsindikatoren') }} as monatswerte
    inner join {{ ref('int_gebiet__zuordnung') }} as zuordnung
        on {{ zuordnung_im_jahr('monatswerte') }}
    where monatswerte.nenner is distinct from 0
),

monatsortsteile as (
    {{ sgb2_ortsteil_monatszeilen() }}
),

indikatoren as (
    select
        kreis_ags,
        sozialraum_id,
        jahr,
        cast(null as integer) as monat_nr,
        gebiet_ebene,
        gebiet_id,
        indikator_id,
        zaehler,
        nenner
    from {{ ref('int_indikatoren__aggregiert') }}
    union all
    select
        kreis_ags,
        sozialraum_id,
        jahr,
        cast(month(monat) as integer) as monat_nr,
        gebiet_ebene,
        gebiet_id,
        indikator_id,
        zaehler,
        nenner
    from (
        -- only the Gemeinden with monthly Ortsteil cells: the others take part in no equation with a confidential
        -- cell
        select
            kreis_ags, sozialraum_id, jahr, monat, gebiet_ebene, gebiet_id, indikator_id, zaehler, nenner
        from monatsgemeinden
        where exists (
            select 1 from monatsortsteile
            where
                monatsortsteile.gebiet_id[1:8] = monatsgemeinden.gebiet_id
                and monatsortsteile.monat = monatsgemeinden.monat
                and monatsortsteile.indikator_id = monatsgemeinden.indikator_id
        )
        union all
        select
            kreis_ags, sozialraum_id, jahr, monat, gebiet_ebene, gebiet_id, indikator_id, zaehler, nenner
        from monatsortsteile
    ) as monatszellen
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
        zellen.monat_nr,
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
