-- § 8a SGB VIII Gefährdungseinschätzungen, pseudonymised at ingest.
-- Current export per export year (see stg_jugendhilfe__hilfen).
with

source as (

    select * from {{ source('jugendhilfe', 'jugendhilfe__gefaehrdungen') }}

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
        cast(source.datum as date)                        as datum,
        cast(source."alter" as integer)                   as alter_jahre,
        source.geschlecht,
        trim(source.wohnort_ags)                          as wohnort_ags,
        lower(trim(source.ergebnis))                      as ergebnis,
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
    datum,
    alter_jahre,
    geschlecht,
    wohnort_ags,
    ergebnis,
    exportjahr,
    ist_demodaten,
    datei,
    sha256,
    geladen_am

from current_export
where lieferung_rang = 1
