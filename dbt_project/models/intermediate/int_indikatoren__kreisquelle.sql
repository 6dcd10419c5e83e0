-- Kreis numerators that a source publishes itself as its Kreis total row, per Kreis of the region × year ×
-- indicator. A source that suppresses small Gemeinde cells (the BA's `*`) still prints the Kreis total, so the
-- Kreis value need not be lost when the sum over the Gemeinden is: int_indikatoren__aggregiert takes
-- `zaehler` (and `nenner` where not NULL) from here for a Kreis row whose Gemeinde sum is suppressed. Where the
-- sum is not suppressed, the two agree (dbt test `kreisquelle_gleich_gemeindesumme`).
--   sgb2_quote, kinderarmut, alleinerziehende_bg_anteil: the December rows of int_sgb2__kreiszaehler (the
--     Kreis row of the SGB II table)
--   mindestsicherungsquote: the SGB II part (RLB) from that Kreis row, the four SGB XII / AsylbLG parts summed
--     over the Kreis' Gemeinden (their deliveries have no Kreis row); NULL when one of those is suppressed.
-- A population denominator is not restated here (NULL): it stays the sum over the Gemeinden.
with sgb2 as (
    select kreis_ags, jahr, indikator_id, zaehler, nenner, ist_demodaten
    from {{ ref('int_sgb2__kreiszaehler') }}
    where month(monat) = 12
),

gemeindeteile as (
    {{ mindestsicherung_teile() }}
),

-- the Kreis' parts: SGB II from its Kreis row, the others summed over the Gemeinden of the Kreis in that year
mindestsicherung_teile as (
    select
        ags as kreis_ags,
        cast(year(berichtsmonat) as integer) as jahr,
        'sgb2_rlb' as teil,
        wert as anzahl,
        ist_unterdrueckt,
        coalesce(ist_demodaten, false) as ist_demodaten
    from {{ ref('int_sgb2__kreis_monatswerte') }}
    where month(berichtsmonat) = 12 and merkmal = 'rlb'

    union all

    select
        zuordnung.kreis_ags,
        gemeindeteile.jahr,
        gemeindeteile.teil,
        case when bool_or(gemeindeteile.ist_unterdrueckt) then null else sum(gemeindeteile.anzahl) end as anzahl,
        bool_or(gemeindeteile.ist_unterdrueckt) as ist_unterdrueckt,
        bool_or(gemeindeteile.ist_demodaten) as ist_demodaten
    from gemeindeteile
    inner join {{ ref('int_gebiet__zuordnung') }} as zuordnung
        on {{ zuordnung_im_jahr('gemeindeteile') }}
    where gemeindeteile.teil <> 'sgb2_rlb'
    group by zuordnung.kreis_ags, gemeindeteile.jahr, gemeindeteile.teil
),

mindestsicherung as (
    select
        kreis_ags,
        jahr,
        'mindestsicherungsquote' as indikator_id,
        case when bool_or(ist_unterdrueckt) then null else sum(anzahl) end as zaehler,
        cast(null as double) as nenner,
        bool_or(ist_demodaten) as ist_demodaten
    from mindestsicherung_teile
    group by kreis_ags, jahr
    having count(distinct teil) = 5
),

final as (
    select * from sgb2
    union all
    select * from mindestsicherung
)

select
    {{ gecastet({
        'kreis_ags': 'varchar', 'jahr': 'integer', 'indikator_id': 'varchar', 'zaehler': 'double',
        'nenner': 'double', 'ist_demodaten': 'boolean',
    }) }}
from final
-- a suppressed part leaves the Kreis without a row
where zaehler is not null
