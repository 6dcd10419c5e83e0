-- One row per facility of the current register with its Gemeinde and its Sozialraum in the current cut (the
-- facility layer of the map on the overview dashboard). Facilities are institutions: name, Träger and
-- coordinates are published; the address columns were never loaded.
with einrichtungen as (
    select * from {{ ref('stg_einrichtungen__einrichtungen') }}
),

zuordnung as (
    select * from {{ ref('int_gebiet__zuordnung') }} where ist_aktuell
),

final as (
    select
        einrichtungen.einrichtung_id,
        einrichtungen.art,
        einrichtungen.name,
        einrichtungen.traeger,
        einrichtungen.lon,
        einrichtungen.lat,
        einrichtungen.kapazitaet,
        einrichtungen.gueltig_ab,
        einrichtungen.gueltig_bis,
        einrichtungen.ags as gemeinde_ags,
        zuordnung.gemeinde_name as gemeinde,
        zuordnung.sozialraum_id,
        zuordnung.sozialraum_name as sozialraum,
        einrichtungen.ist_demodaten
    from einrichtungen
    left join zuordnung
        on einrichtungen.ags = zuordnung.ags
)

select
    cast(einrichtung_id as varchar) as einrichtung_id,
    cast(art as varchar) as art,
    cast(name as varchar) as name,
    cast(traeger as varchar) as traeger,
    cast(lon as double) as lon,
    cast(lat as double) as lat,
    cast(kapazitaet as bigint) as kapazitaet,
    cast(gueltig_ab as date) as gueltig_ab,
    cast(gueltig_bis as date) as gueltig_bis,
    cast(gemeinde_ags as varchar) as gemeinde_ags,
    cast(gemeinde as varchar) as gemeinde,
    cast(sozialraum_id as varchar) as sozialraum_id,
    cast(sozialraum as varchar) as sozialraum,
    cast(ist_demodaten as boolean) as ist_demodaten
from final
