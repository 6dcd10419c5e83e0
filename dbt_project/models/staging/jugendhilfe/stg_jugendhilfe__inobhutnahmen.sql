-- § 42 / § 42a SGB VIII (vorläufige) Inobhutnahmen, pseudonymised at ingest.
-- Current export per export year (see stg_jugendhilfe__hilfen).
with

source as (

    {{ jugendhilfe_aktueller_export('jugendhilfe__inobhutnahmen') }}

),

renamed as (

    select
        fall_pseudonym,
        lower(trim(cast(paragraph as varchar)))           as paragraph,
        cast(beginn as date)                              as beginn,
        cast(ende as date)                                as ende,
        anlass,
        cast(unbegleitet as boolean)                      as ist_unbegleitet,
        cast(alter as integer)                            as alter_jahre,
        geschlecht,
        trim(wohnort_ags)                                 as wohnort_ags,
        wohnort_ortsteil,
        exportjahr,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
