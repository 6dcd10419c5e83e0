-- GENESIS 13211-01-03-5: Arbeitslose nach ausgewählten Personengruppen, Jahresdurchschnitt
with source as (
    {{ genesis_aktuelle_werte('13211-01-03-5') }}
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
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        wert as arbeitslose,
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
        tabelle, zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, gebiet_name, merkmal,
        case
            when {{ genesis_hat_teil('merkmal', 'Ausländer[^|]*') }} then 'auslaender'
            when {{ genesis_hat_teil('merkmal', 'schwerbehindert[^|]*') }} then 'schwerbehinderte'
            when {{ genesis_hat_teil('merkmal', 'langzeitarbeitslos[^|]*') }} then 'langzeitarbeitslose'
            when altersgruppe <> 'insgesamt'
                then 'alter_' || {{ genesis_alter_von('altersgruppe') }} || '_bis_unter_' || {{ genesis_alter_bis('altersgruppe') }}
            when {{ genesis_hat_teil('merkmal', '(Arbeitslose )?[Ii]nsgesamt') }}
                or not {{ genesis_hat_teil('merkmal', 'und zwar') }} then 'insgesamt'
        end as personengruppe,
        altersgruppe,
        {{ genesis_alter_von('altersgruppe') }} as alter_von,
        {{ genesis_alter_bis('altersgruppe') }} as alter_bis,
        arbeitslose,
        marker,
        ist_unterdrueckt,
        zeile,
        sha256,
        datei,
        stand,
        geladen_am,
        ist_demodaten
    from renamed
)

select * from typed
