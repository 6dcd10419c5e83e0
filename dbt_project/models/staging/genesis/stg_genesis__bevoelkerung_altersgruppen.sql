-- GENESIS 12411-02-03-5: Bevölkerung nach Geschlecht und 17 Altersgruppen, Stichtag 31.12.
with source as (
    {{ genesis_aktuelle_werte('12411-02-03-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        {{ genesis_wert('einwohner') }},
        {{ genesis_herkunft() }}
    from source
),

typed as (
    select
        *,
        {{ genesis_altersgrenzen('altersgruppe') }}
    from renamed
)

select * from typed
