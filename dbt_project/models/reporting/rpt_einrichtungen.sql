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
    {{ vertragsspalten() }}
from final
