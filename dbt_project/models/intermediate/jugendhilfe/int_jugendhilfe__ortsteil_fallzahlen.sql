-- Youth-welfare case counts per Ortsteil × year × Kennzahl (the counting rules of int_jugendhilfe__fallzahlen,
-- macro jugendhilfe_faelle), for the Gemeinden whose counted cases of a record type and year all carry an
-- Ortsteil of the region profile (`wohnort_ortsteil`; the ingest refuses partial keys and keys the profile does
-- not list within a file). Every case of such a Gemeinde is in exactly one Ortsteil, so the Ortsteil counts add
-- up to the Gemeinde's count in int_jugendhilfe__fallzahlen (test jugendhilfe_ortsteile_summieren_zur_gemeinde).
-- Zero rows for every Ortsteil of such a Gemeinde. Working database only (disclosure control: geheimhaltung).
with ortsteile as (
    select ortsteil_id, ags from {{ ref('stg_region__ortsteile') }}
),

{{ jugendhilfe_faelle() }},

vollstaendig as (
    select faelle.satzart, faelle.ags, faelle.jahr
    from faelle
    left join ortsteile on faelle.ags || faelle.ortsteil = ortsteile.ortsteil_id
    group by faelle.satzart, faelle.ags, faelle.jahr
    having bool_and(ortsteile.ortsteil_id is not null)
),

anzahlen as (
    select
        faelle.ags || faelle.ortsteil as ortsteil_id,
        faelle.jahr,
        faelle.kennzahl,
        count(distinct faelle.fall_pseudonym) as anzahl
    from faelle
    inner join vollstaendig
        on faelle.satzart = vollstaendig.satzart
        and faelle.ags = vollstaendig.ags
        and faelle.jahr = vollstaendig.jahr
    group by all
),

raster as (
    select
        ortsteile.ortsteil_id,
        ortsteile.ags,
        exporte.jahr,
        kennzahlen.kennzahl,
        kennzahlen.satzart,
        exporte.quelle,
        exporte.ist_demodaten
    from vollstaendig
    inner join exporte on vollstaendig.satzart = exporte.satzart and vollstaendig.jahr = exporte.jahr
    inner join kennzahlen on vollstaendig.satzart = kennzahlen.satzart
    inner join ortsteile on vollstaendig.ags = ortsteile.ags
),

final as (
    {{ fallzahlen_im_raster(['ortsteil_id', 'ags']) }}
)

select * from final
