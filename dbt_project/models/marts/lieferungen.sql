-- mart.lieferungen: which GENESIS delivery (file, checksum, Stand) each table period came from.
-- One row per table × period × delivered file; `ist_aktuell` marks the delivery the mart uses
-- (latest Stand, then latest load). No data values.
with perioden as (
    select * from {{ ref('stg_genesis__lieferperioden') }}
),

lieferungen as (
    select * from {{ ref('stg_genesis__lieferungen') }}
),

final as (
    select
        perioden.tabelle,
        perioden.zeit,
        perioden.jahr,
        perioden.stichtag,
        perioden.datei,
        perioden.sha256,
        lieferungen.titel,
        perioden.stand,
        perioden.geladen_am,
        lieferungen.ist_demodaten,
        perioden.ist_aktuell
    from perioden
    inner join lieferungen on perioden.sha256 = lieferungen.sha256
)

select * from final
