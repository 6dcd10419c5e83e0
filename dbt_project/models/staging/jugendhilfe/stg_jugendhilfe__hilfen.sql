-- Hilfen (one record per Hilfe) from the Jugendamt's Fachverfahren, pseudonymised at ingest.
-- Current export per export year: a newer export of the same year replaces the older one.
-- The export year comes from the delivery (raw.jugendhilfe__lieferungen.berichtszeitraum, else the
-- year in the file name, e.g. hilfen_2016.csv).
with

source as (

    select * from {{ source('jugendhilfe', 'jugendhilfe__hilfen') }}

),

deliveries as (

    select
        sha256,
        cast(berichtszeitraum as varchar) as berichtszeitraum

    from {{ source('jugendhilfe', 'jugendhilfe__lieferungen') }}

),

renamed as (

    select
        source.fall_pseudonym,
        cast(source.hilfeart as varchar)                  as hilfeart,
        cast(source.beginn as date)                       as beginn,
        cast(source.ende as date)                         as ende,
        cast(source.geburtsdatum as date)                 as geburtsdatum,
        source.geschlecht,
        trim(source.wohnort_ags)                          as wohnort_ags,
        source.alleinerziehend,
        source.transferleistung,
        source.beendigungsgrund,
        coalesce(
            try_cast(left(deliveries.berichtszeitraum, 4) as integer),
            try_cast(regexp_extract(source.datei, '(\d{4})\D*$', 1) as integer)
        )                                                 as exportjahr,
        coalesce(source.ist_demodaten, false)             as ist_demodaten,
        source.datei,
        source.sha256,
        source.geladen_am

    from source
    left join deliveries on deliveries.sha256 = source.sha256

),

current_export as (

    select
        *,
        dense_rank() over (
            partition by exportjahr order by geladen_am desc, sha256 desc
        ) as lieferung_rang

    from renamed

)

select
    fall_pseudonym,
    hilfeart,
    beginn,
    ende,
    geburtsdatum,
    geschlecht,
    wohnort_ags,
    alleinerziehend,
    transferleistung,
    beendigungsgrund,
    exportjahr,
    ist_demodaten,
    datei,
    sha256,
    geladen_am

from current_export
where lieferung_rang = 1
