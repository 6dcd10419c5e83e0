-- Periods (tabelle × zeit) each loaded GENESIS file contains, and whether the file is the current
-- delivery for that period (among the valid deliveries: latest `stand`, then latest `geladen_am` of the
-- file; same rule as macro genesis_aktuelle_werte). No data values.
with source as (
    select distinct
        werte.tabelle,
        werte.zeit,
        werte.jahr,
        werte.stichtag,
        werte.sha256
    from {{ source('genesis', 'genesis__werte') }} as werte
),

lieferungen as (
    select sha256, datei, stand, geladen_am, {{ lieferung_gueltig() }} as ist_gueltig
    from {{ source('genesis', 'genesis__lieferungen') }}
),

renamed as (
    select
        source.tabelle,
        source.zeit,
        source.jahr,
        source.stichtag,
        source.sha256,
        lieferungen.datei,
        lieferungen.stand,
        lieferungen.geladen_am,
        lieferungen.ist_gueltig
        and {{ ist_aktuelle_lieferung(
            'source.tabelle, source.zeit, lieferungen.ist_gueltig', lieferung='lieferungen', nach_stand=true
        ) }}
            as ist_aktuell
    from source
    inner join lieferungen on source.sha256 = lieferungen.sha256
)

select * from renamed
