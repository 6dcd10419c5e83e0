-- GENESIS 12711-01-03-5: Zu- und Fortzüge über die Gemeindegrenzen nach Geschlecht und Alter, Jahressumme
with source as (
    {{ genesis_aktuelle_werte('12711-01-03-5') }}
),

renamed as (
    select
        tabelle,
        zeit,
        jahr,
        stichtag,
        regionalschluessel,
        ags,
        gebiet_ebene,
        gebiet_name,
        merkmal,
        case
            when {{ genesis_hat_teil('merkmal', 'Zuzüge[^|]*') }} then 'zuzug'
            when {{ genesis_hat_teil('merkmal', 'Fortzüge[^|]*') }} then 'fortzug'
        end as richtung,
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        wert as anzahl,
        marker,
        wert is null as ist_unterdrueckt,
        zeile,
        sha256,
        datei,
        stand,
        geladen_am,
        ist_demodaten
    from source
),

typed as (
    select
        *,
        {{ genesis_alter_von('altersgruppe') }} as alter_von,
        {{ genesis_alter_bis('altersgruppe') }} as alter_bis
    from renamed
)

select * from typed
