-- GENESIS 13111-08-02-5: SvB am Arbeits- und Wohnort, Ein- und Auspendler über die Gemeindegrenzen,
-- Stichtag 30.06. One row per area, period and column (groesse).
with source as (
    {{ genesis_aktuelle_werte('13111-08-02-5') }}
),

renamed as (
    select
        {{ genesis_periode_gebiet() }},
        case
            when {{ genesis_hat_teil('merkmal', 'Einpendler[^|]*') }} then 'einpendler'
            when {{ genesis_hat_teil('merkmal', 'Auspendler[^|]*') }} then 'auspendler'
            when {{ genesis_hat_teil('merkmal', 'Pendlersaldo[^|]*') }} then 'pendlersaldo'
            when {{ genesis_hat_teil('merkmal', '[^|]*Beschäftigte[^|]*Arbeitsort[^|]*') }}
                then 'beschaeftigte_arbeitsort'
            when {{ genesis_hat_teil('merkmal', '[^|]*Beschäftigte[^|]*Wohnort[^|]*') }}
                then 'beschaeftigte_wohnort'
        end as groesse,
        {{ genesis_wert('anzahl') }},
        {{ genesis_herkunft() }}
    from source
)

select * from renamed
