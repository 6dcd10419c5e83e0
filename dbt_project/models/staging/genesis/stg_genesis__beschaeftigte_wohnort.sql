-- GENESIS 13111-02-02-5: Sozialversicherungspflichtig Beschäftigte am Wohnort, Stichtag 30.06.
with source as (
    {{ genesis_aktuelle_werte('13111-02-02-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        case
            when {{ genesis_hat_teil('merkmal', 'Ausländer[^|]*') }} then 'auslaender'
            else 'insgesamt'
        end as nationalitaet,
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_wert('beschaeftigte') }},
        {{ genesis_herkunft() }}
    from source
)

select * from renamed
