-- GENESIS 12411-01-01-5: Bevölkerung nach Geschlecht, Stichtag 31.12. (current delivery per period)
with source as (
    {{ genesis_aktuelle_werte('12411-01-01-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_wert('einwohner') }},
        {{ genesis_herkunft() }}
    from source
)

select * from renamed
