-- Hilfen (one record per Hilfe) from the Jugendamt's Fachverfahren, pseudonymised at ingest.
-- Current export per export year: a newer export of the same year replaces the older one.
-- The export year comes from the delivery (raw.jugendhilfe__lieferungen.berichtszeitraum, else the
-- year in the file name, e.g. hilfen_2016.csv): macro jugendhilfe_aktueller_export.
with

source as (

    {{ jugendhilfe_aktueller_export('jugendhilfe__hilfen') }}

),

renamed as (

    select
        fall_pseudonym,
        cast(hilfeart as varchar)                         as hilfeart,
        cast(beginn as date)                              as beginn,
        cast(ende as date)                                as ende,
        cast(geburtsdatum as date)                        as geburtsdatum,
        geschlecht,
        trim(wohnort_ags)                                 as wohnort_ags,
        wohnort_ortsteil,
        alleinerziehend,
        transferleistung,
        beendigungsgrund,
        exportjahr,
        {{ lieferung_herkunft() }}

    from source

)

select * from renamed
