-- GENESIS 13211-01-03-5: Arbeitslose nach ausgewählten Personengruppen, Jahresdurchschnitt
with source as (
    {{ genesis_aktuelle_werte('13211-01-03-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        {{ genesis_wert('arbeitslose') }},
        {{ genesis_herkunft() }}
    from source
),

typed as (
    select
        {{ genesis_periode_gebiet() }},
        case
            when {{ genesis_hat_teil('merkmal', 'Ausländer[^|]*') }} then 'auslaender'
            when {{ genesis_hat_teil('merkmal', 'schwerbehindert[^|]*') }} then 'schwerbehinderte'
            when {{ genesis_hat_teil('merkmal', 'langzeitarbeitslos[^|]*') }} then 'langzeitarbeitslose'
            when altersgruppe <> 'insgesamt'
                then 'alter_' || {{ genesis_alter_von('altersgruppe') }}
                    || '_bis_unter_' || {{ genesis_alter_bis('altersgruppe') }}
            when {{ genesis_hat_teil('merkmal', '(Arbeitslose )?[Ii]nsgesamt') }}
                or not {{ genesis_hat_teil('merkmal', 'und zwar') }} then 'insgesamt'
        end as personengruppe,
        altersgruppe,
        {{ genesis_altersgrenzen('altersgruppe') }},
        arbeitslose,
        marker,
        ist_unterdrueckt,
        {{ genesis_herkunft() }}
    from renamed
)

select * from typed
