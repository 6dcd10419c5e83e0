-- Reconciliation is reported, never hidden: every official Kreis row (table × period × column) of the
-- delivered GENESIS tables appears in mart.kreis_abgleich with its own value, the independently
-- recomputed Σ of its Gemeinden and their difference; a non-zero difference is never 'abgeglichen'.
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
    or abgleich.summe_gemeinden is distinct from erwartet.summe
    or abgleich.differenz is distinct from erwartet.summe - erwartet.wert
    or (abgleich.status = 'abgeglichen' and abgleich.differenz <> 0)
    or (erwartet.summe <> erwartet.wert and abgleich.status = 'abgeglichen')
