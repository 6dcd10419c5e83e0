-- Periods (tabelle × zeit) each loaded GENESIS file contains, and whether the file is the current
-- delivery for that period (latest `stand`, then latest `geladen_am` of the file; same rule as
-- macro genesis_aktuelle_werte). No data values.
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
    select sha256, datei, stand, geladen_am from {{ source('genesis', 'genesis__lieferungen') }}
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
        {{ ist_aktuelle_lieferung('source.tabelle, source.zeit', lieferung='lieferungen', nach_stand=true) }} as ist_aktuell
    from source
    inner join lieferungen on source.sha256 = lieferungen.sha256
)

select * from renamed
