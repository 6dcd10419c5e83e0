-- GENESIS 12411-02-03-5: Bevölkerung nach Geschlecht und 17 Altersgruppen, Stichtag 31.12.
with source as (
    {{ genesis_aktuelle_werte('12411-02-03-5') }}
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
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        {{ genesis_altersgruppe('merkmal') }} as altersgruppe,
        wert as einwohner,
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
