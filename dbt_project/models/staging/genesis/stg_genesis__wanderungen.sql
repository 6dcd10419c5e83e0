-- GENESIS 12711-01-03-5: Zu- und Fortzüge über die Gemeindegrenzen nach Geschlecht und Alter, Jahressumme
with source as (
    {{ genesis_aktuelle_werte('12711-01-03-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        case
            when {{ genesis_hat_teil('merkmal', 'Zuzüge[^|]*') }} then 'zuzug'
            when {{ genesis_hat_teil('merkmal', 'Fortzüge[^|]*') }} then 'fortzug'
        end as richtung,
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        {{ genesis_wert('anzahl') }},
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
