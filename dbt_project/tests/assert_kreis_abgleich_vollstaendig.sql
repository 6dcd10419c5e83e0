-- Reconciliation is reported, never hidden: every official Kreis row (table × period × column) of the
-- delivered GENESIS tables appears in mart.kreis_abgleich with its own value, the independently
-- recomputed Σ of its Gemeinden and their difference; a non-zero difference is never 'abgeglichen'.
-- Sums of converted (fractional) values are compared to 1e-6: a sum of doubles in another order (parallel
-- aggregation) may differ in the last bits (seen in the all-of-Germany build: 3e-11).
with kreiszeilen as (
    select ags as kreis_ags, tabelle, zeit, merkmal, wert
    from {{ ref('int_genesis__werte') }}
    where gebiet_ebene = 'kreis'
),

gemeindesummen as (
    select left(ags, 5) as kreis_ags, tabelle, zeit, merkmal, sum(wert) as summe, count(*) as anzahl
    from {{ ref('int_genesis__werte') }}
    where gebiet_ebene = 'gemeinde'
    group by all
),

erwartet as (
    select kreiszeilen.*, gemeindesummen.summe, gemeindesummen.anzahl
    from kreiszeilen
    left join gemeindesummen using (kreis_ags, tabelle, zeit, merkmal)
)

select erwartet.*, abgleich.status, abgleich.differenz
from erwartet
left join {{ ref('kreis_abgleich') }} as abgleich using (kreis_ags, tabelle, zeit, merkmal)
where abgleich.kreis_ags is null
    or abgleich.wert_kreis is distinct from erwartet.wert
    or not coalesce(abs(abgleich.summe_gemeinden - erwartet.summe) <= 1e-6,
        abgleich.summe_gemeinden is not distinct from erwartet.summe)
    or not coalesce(abs(abgleich.differenz - (erwartet.summe - erwartet.wert)) <= 1e-6,
        abgleich.differenz is not distinct from erwartet.summe - erwartet.wert)
    or (abgleich.status = 'abgeglichen' and abgleich.differenz <> 0)
    or (abs(erwartet.summe - erwartet.wert) > 1e-6 and abgleich.status = 'abgeglichen')
