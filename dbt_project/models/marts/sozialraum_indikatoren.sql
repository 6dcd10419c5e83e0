-- mart.sozialraum_indikatoren: one row per area × year × indicator (published).
-- A plain select from ONE upstream model (a disclosure-control model can be placed in between by
-- changing that ref()), limited to the levels the catalogue allows: no row below the indicator's
-- `niedrigste_ebene`.
with indikatoren as (
    select * from {{ ref('int_geheimhaltung__indikatoren') }}
),

katalog as (
    select indikator_id, niedrigste_ebene from {{ ref('indikatoren') }}
)

select
    i.gebiet_ebene,
    i.gebiet_id,
    i.gebiet_name,
    i.kreis_ags,
    i.sozialraum_id,
    i.jahr,
    i.indikator_id,
    i.wert,
    i.zaehler,
    i.nenner,
    i.einheit,
    i.ist_unterdrueckt,
    i.quelle,
    i.nenner_quelle,
    i.ist_demodaten,
    i.ist_umgeschluesselt
from indikatoren as i
inner join katalog as k on i.indikator_id = k.indikator_id
where {{ ebene_rang("i.gebiet_ebene") }} >= {{ ebene_rang("k.niedrigste_ebene") }}
