-- § 42 / § 42a SGB VIII (vorläufige) Inobhutnahmen, pseudonymised at ingest.
-- Current export per export year (see stg_jugendhilfe__hilfen).
with

source as (

    select * from {{ source('jugendhilfe', 'jugendhilfe__inobhutnahmen') }}

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
        lower(trim(cast(source.paragraph as varchar)))    as paragraph,
        cast(source.beginn as date)                       as beginn,
        cast(source.ende as date)                         as ende,
        source.anlass,
        cast(source.unbegleitet as boolean)               as ist_unbegleitet,
        cast(source."alter" as integer)                   as alter_jahre,
        source.geschlecht,
        trim(source.wohnort_ags)                          as wohnort_ags,
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
    paragraph,
    beginn,
    ende,
    anlass,
    ist_unbegleitet,
    alter_jahre,
    geschlecht,
    wohnort_ags,
    exportjahr,
    ist_demodaten,
    datei,
    sha256,
    geladen_am

from current_export
where lieferung_rang = 1
