-- GENESIS 13111-02-02-5: Sozialversicherungspflichtig Beschäftigte am Wohnort, Stichtag 30.06.
with source as (
    {{ genesis_aktuelle_werte('13111-02-02-5') }}
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
            when {{ genesis_hat_teil('merkmal', 'Ausländer[^|]*') }} then 'auslaender'
            else 'insgesamt'
        end as nationalitaet,
        {{ genesis_geschlecht('merkmal') }} as geschlecht,
        wert as beschaeftigte,
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
