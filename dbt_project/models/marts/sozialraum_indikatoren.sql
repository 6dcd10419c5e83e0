-- mart.sozialraum_indikatoren: one row per area × year × indicator (published).
-- Deliberately a plain select from ONE upstream model: a disclosure-control model can be placed in
-- between by changing the single ref() below (e.g. to int_indikatoren__geheimgehalten), nothing else.
with indikatoren as (
    select * from {{ ref('int_geheimhaltung__indikatoren') }}
)

select
    gebiet_ebene,
    gebiet_id,
    gebiet_name,
    kreis_ags,
    sozialraum_id,
    jahr,
    indikator_id,
    wert,
    zaehler,
    nenner,
    einheit,
    ist_unterdrueckt,
    quelle,
    nenner_quelle,
    ist_demodaten,
    ist_umgeschluesselt
from indikatoren
