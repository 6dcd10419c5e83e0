-- GENESIS 12411-01-01-5: Bevölkerung nach Geschlecht, Stichtag 31.12. (current delivery per period)
with source as (
    {{ genesis_aktuelle_werte('12411-01-01-5') }}
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
)

select * from renamed
