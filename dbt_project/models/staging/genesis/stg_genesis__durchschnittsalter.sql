-- GENESIS 12411-07-01-5: Durchschnittsalter der Bevölkerung nach Geschlecht, Stichtag 31.12. (in Jahren,
-- one decimal). An average, not a count: it is never summed or converted itself (see
-- int_genesis__durchschnittsalter).
with source as (
    {{ genesis_aktuelle_werte('12411-07-01-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_wert('durchschnittsalter') }},
        {{ genesis_herkunft() }}
    from source
)

select * from renamed
