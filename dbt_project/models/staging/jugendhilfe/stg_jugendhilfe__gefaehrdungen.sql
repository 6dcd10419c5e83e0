-- § 8a SGB VIII Gefährdungseinschätzungen, pseudonymised at ingest.
-- Current export per export year (see stg_jugendhilfe__hilfen).
with

source as (

    {{ jugendhilfe_aktueller_export('jugendhilfe__gefaehrdungen') }}

),

renamed as (

    select
        fall_pseudonym,
        cast(datum as date)                               as datum,
        cast(alter as integer)                            as alter_jahre,
        geschlecht,
        trim(wohnort_ags)                                 as wohnort_ags,
        wohnort_ortsteil,
        lower(trim(ergebnis))                             as ergebnis,
        exportjahr,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
