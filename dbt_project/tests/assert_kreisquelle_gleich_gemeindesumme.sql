-- A source's own Kreis total (int_indikatoren__kreisquelle) equals the sum over the Kreis' Gemeinden wherever
-- that sum is complete and not suppressed, so the Kreis value does not jump between the two (the BA's Kreis row
-- is the sum of its Gemeinden). Years with a Gemeinde converted to the target Gebietsstand (population shares)
-- are left out. Returns the Kreis-years that differ by more than rounding.
with gemeindesummen as (
    select
        zuordnung.kreis_ags,
        gemeinde.jahr,
        gemeinde.indikator_id,
        sum(gemeinde.zaehler) as zaehler,
        sum(gemeinde.nenner) as nenner
    from {{ ref('int_indikatoren__gemeinde') }} as gemeinde
    inner join {{ ref('int_gebiet__zuordnung') }} as zuordnung
        on {{ zuordnung_im_jahr('gemeinde') }}
    left join {{ ref('int_gebiet__umgeschluesselt') }} as umgeschluesselt
        on gemeinde.ags = umgeschluesselt.ags and gemeinde.jahr = umgeschluesselt.jahr
    group by zuordnung.kreis_ags, gemeinde.jahr, gemeinde.indikator_id
    having not bool_or(gemeinde.zaehler_unterdrueckt or coalesce(gemeinde.nenner_unterdrueckt, false))
        and not bool_or(coalesce(umgeschluesselt.ist_umgeschluesselt, false))
)

select
    kreisquelle.kreis_ags,
    kreisquelle.jahr,
    kreisquelle.indikator_id,
    kreisquelle.zaehler as zaehler_kreiszeile,
    gemeindesummen.zaehler as zaehler_summe,
    kreisquelle.nenner as nenner_kreiszeile,
    gemeindesummen.nenner as nenner_summe
from {{ ref('int_indikatoren__kreisquelle') }} as kreisquelle
inner join gemeindesummen
    on kreisquelle.kreis_ags = gemeindesummen.kreis_ags
    and kreisquelle.jahr = gemeindesummen.jahr
    and kreisquelle.indikator_id = gemeindesummen.indikator_id
where abs(kreisquelle.zaehler - gemeindesummen.zaehler) > 0.5
    or abs(coalesce(kreisquelle.nenner, gemeindesummen.nenner) - gemeindesummen.nenner) > 0.5
