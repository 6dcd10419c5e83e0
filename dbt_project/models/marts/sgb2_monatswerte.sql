-- mart.sgb2_monatswerte: SGB-II-Quote and Kinderarmut per area (Ortsteil, Gemeinde, Sozialraum, Kreis) × Berichtsmonat
-- (published), next to the annual mart.sozialraum_indikatoren, which keeps the December report.
-- The rules of the annual aggregation (int_indikatoren__aggregiert), applied per month:
--   Aggregates: Σ zaehler / Σ nenner × faktor over the Gemeinden of the area (never an average of rates).
--   An aggregate with any suppressed component is NULL with ist_unterdrueckt. An aggregate is only built when
--   every Gemeinde expected in the area has a row for this indicator and month; expected are the Gemeinden
--   with any indicator row of the year (int_indikatoren__gemeinde, the annual rule) or with a monthly row in
--   that month. A rate over a zero denominator has no row.
--   A Kreis whose sum is suppressed takes the BA's own Kreis row (int_sgb2__kreiszaehler), as the annual mart.
--   Disclosure control: the SGB II indicators are public (catalogue geheimhaltung = false). Should the
--   catalogue mark one confidential, its Gemeinde and Sozialraum cells are suppressed here (fail closed:
--   the secondary suppression of the annual mart does not run per month); Kreis totals stay published.
--   Ortsteil rows: the kommunale Jobcenter's monthly Ortsteil counts (macro sgb2_ortsteil_monatszeilen), a leaf level
--   like the Gemeinde (no completeness rule, never summed into Sozialraum or Kreis). Cells of catalogue
--   geheim_ab_ebene are confidential: they pass the disclosure control of the annual cells, one block per
--   Kreis × month (int_geheimhaltung__primaer / __sekundaer: primary and secondary suppression against the public
--   Gemeinde value of the month; fail closed without a decision), the Ortsteile of a Gemeinde whose month the BA
--   suppressed are suppressed, and a suppressed cell's denominator below the minimum cell is NULL (as
--   int_geheimhaltung__indikatoren).
--   Levels: no row below the indicator's catalogue `niedrigste_ebene` (as the annual mart).
--   Denominator: population at the 31.12. before the month (int_sgb2__monatsindikatoren); so December
--   equals the annual value (dbt test assert_sgb2_monatswerte_dezember_gleich_jahreswert).
with zuordnung as (
    select * from {{ ref('int_gebiet__zuordnung') }}
),

gemeinde as (
    select
        monatswerte.*,
        zuordnung.gemeinde_name,
        zuordnung.sozialraum_id,
        zuordnung.sozialraum_name,
        zuordnung.kreis_ags,
        zuordnung.kreis_name
    from {{ ref('int_sgb2__monatsindikatoren') }} as monatswerte
    -- the Sozialraum cut valid in the month's year (as the annual aggregation)
    inner join zuordnung
        on {{ zuordnung_im_jahr('monatswerte') }}
),

monate as (
    select distinct jahr, monat from gemeinde
),

jahresgemeinden as (
    select distinct ags, jahr from {{ ref('int_indikatoren__gemeinde') }}
),

erwartet as (
    select distinct
        ags,
        jahr,
        monat
    from gemeinde
    union
    select
        jahresgemeinden.ags,
        monate.jahr,
        monate.monat
    from jahresgemeinden
    inner join monate on jahresgemeinden.jahr = monate.jahr
),

erwartet_im_gebiet as (
    select
        erwartet.monat,
        zuordnung.sozialraum_id,
        zuordnung.kreis_ags
    from erwartet
    inner join zuordnung
        on {{ zuordnung_im_jahr('erwartet') }}
    -- the Ortsteile of a Gemeinde split across Sozialräume are members of their Sozialraum; there are no monthly
    -- Ortsteil values, so such a Sozialraum has no monthly value (absent, never a partial sum)
    union all
    select
        erwartet.monat,
        zuordnung_ortsteile.sozialraum_id,
        cast(null as varchar) as kreis_ags
    from erwartet
    inner join {{ ref('int_gebiet__zuordnung_ortsteile') }} as zuordnung_ortsteile
        on {{ zuordnung_im_jahr('erwartet', 'zuordnung_ortsteile') }}
),

gebietsgroessen as (
    select
        'sozialraum' as gebiet_ebene,
        sozialraum_id as gebiet_id,
        monat,
        count(*) as gemeinden_im_gebiet
    from erwartet_im_gebiet
    group by sozialraum_id, monat
    union all
    select
        'kreis' as gebiet_ebene,
        kreis_ags as gebiet_id,
        monat,
        count(*) as gemeinden_im_gebiet
    from erwartet_im_gebiet
    group by kreis_ags, monat
),

ebenen as (
    select
        'gemeinde' as gebiet_ebene,
        ags as gebiet_id,
        gemeinde_name as gebiet_name,
        kreis_ags,
        sozialraum_id,
        * exclude (kreis_ags, sozialraum_id)
    from gemeinde
    union all
    select
        'sozialraum' as gebiet_ebene,
        sozialraum_id as gebiet_id,
        sozialraum_name as gebiet_name,
        kreis_ags,
        sozialraum_id,
        * exclude (kreis_ags, sozialraum_id)
    from gemeinde
    where sozialraum_id is not null  -- a split Gemeinde belongs to no single Sozialraum
    union all
    select
        'kreis' as gebiet_ebene,
        kreis_ags as gebiet_id,
        kreis_name as gebiet_name,
        kreis_ags,
        cast(null as varchar) as sozialraum_id,
        * exclude (kreis_ags, sozialraum_id)
    from gemeinde
),

summiert as (
    select
        gebiet_ebene,
        gebiet_id,
        monat,
        indikator_id,
        any_value(gebiet_name) as gebiet_name,
        min(kreis_ags) as kreis_ags,
        any_value(sozialraum_id) as sozialraum_id,
        any_value(jahr) as jahr,
        {{ summe_ueber_gemeinden(['max(nenner_stichtag) as nenner_stichtag']) }}
    from ebenen
    group by gebiet_ebene, gebiet_id, monat, indikator_id
),

vollstaendig as (
    select summiert.*
    from summiert
    left join gebietsgroessen
        on
            summiert.gebiet_ebene = gebietsgroessen.gebiet_ebene
            and summiert.gebiet_id = gebietsgroessen.gebiet_id
            and summiert.monat = gebietsgroessen.monat
    where
        summiert.gebiet_ebene = 'gemeinde'
        or summiert.anzahl_gemeinden = gebietsgroessen.gemeinden_im_gebiet
),

-- a Kreis whose Gemeinde sum is suppressed takes the BA's Kreis row (as the annual aggregation)
mit_kreisquelle as (
    {{ mit_kreissumme_der_quelle('vollstaendig', ref('int_sgb2__kreiszaehler'), 'monat') }}
),

-- the Jobcenter's Ortsteil months (unprotected here; disclosure control in beurteilt)
ortsteil as (
    {{ sgb2_ortsteil_monatszeilen() }}
),

alle_ebenen as (
    select * from mit_kreisquelle
    union all by name
    select * from ortsteil
),

entscheidungen as (
    select * from {{ ref('int_geheimhaltung__sekundaer') }}
    where monat_nr is not null
),

beurteilt as (
    select
        vollstaendig.*,
        katalog.einheit,
        katalog.faktor,
        vollstaendig.ist_unterdrueckt
        or (
            coalesce(katalog.geheimhaltung, false)
            and vollstaendig.gebiet_ebene in ('ortsteil', 'gemeinde', 'sozialraum')
        )
        -- a confidential Ortsteil cell: the decision of the disclosure control (fail closed without one)
        or (
            {{ vertraulich_als_ortsteil('vollstaendig.indikator_id', 'vollstaendig.gebiet_ebene') }}
            and coalesce(entscheidungen.zaehler_unterdrueckt, true)
        ) as ist_geheim,
        {{ vertraulich_als_ortsteil('vollstaendig.indikator_id', 'vollstaendig.gebiet_ebene') }} as ist_geschuetzt
    from alle_ebenen as vollstaendig
    inner join {{ ref('indikatoren') }} as katalog on vollstaendig.indikator_id = katalog.indikator_id
    left join entscheidungen
        on
            vollstaendig.jahr = entscheidungen.jahr
            and month(vollstaendig.monat) = entscheidungen.monat_nr
            and vollstaendig.gebiet_ebene = entscheidungen.gebiet_ebene
            and vollstaendig.gebiet_id = entscheidungen.gebiet_id
            and vollstaendig.indikator_id = entscheidungen.indikator_id
    where
        (katalog.einheit = 'Anzahl' or vollstaendig.nenner is distinct from 0)
        and {{ ebene_rang('vollstaendig.gebiet_ebene') }} >= {{ ebene_rang('katalog.niedrigste_ebene') }}
),

final as (
    select
        gebiet_ebene,
        gebiet_id,
        gebiet_name,
        kreis_ags,
        sozialraum_id,
        monat,
        jahr,
        cast(month(monat) as integer) as monat_nr,
        indikator_id,
        case
            when ist_geheim then null
            when einheit = 'Anzahl' then zaehler
            else zaehler / nullif(nenner, 0) * faktor
        end as wert,
        case when ist_geheim then null else zaehler end as zaehler,
        case
            -- a suppressed confidential cell does not show a denominator below the minimum (the primary reason)
            when ist_geheim and ist_geschuetzt and nenner > 0 and nenner < {{ var('disclosure_min_cell', 3) }} then null
            else nenner
        end as nenner,
        einheit,
        ist_geheim as ist_unterdrueckt,
        nenner_stichtag,
        quelle,
        nenner_quelle,
        ist_demodaten,
        ist_umgeschluesselt
    from beurteilt
)

select * from final
