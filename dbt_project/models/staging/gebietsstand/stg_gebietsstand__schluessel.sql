-- The conversion key in use, per level (gemeinde, kreis): from the key file whose target year the
-- region asks for (region.yml `gebietsstand:`), else the newest target year; among files of that
-- year the one loaded last. Refused or retracted files are never used.
-- BBSR convention: an uninhabited area split between several targets carries the population and
-- employment share 1 on every part (only its area shares add up to 1); it is converted with its
-- area shares, so that every old area distributes exactly its own value.
with lieferungen as (
    select * from {{ source('gebietsstand', 'gebietsstand__lieferungen') }}
    where {{ lieferung_gueltig() }}
),

wunsch as (
    select max(gebietsstand) as ziel_jahr from {{ ref('stg_region__profil') }}
),

gewaehlt as (
    select lieferungen.ebene, lieferungen.sha256, lieferungen.ziel_jahr
    from lieferungen
    cross join wunsch
    where lieferungen.ziel_jahr = coalesce(
        wunsch.ziel_jahr,
        (select max(neueste.ziel_jahr) from lieferungen as neueste where neueste.ebene = lieferungen.ebene)
    )
    qualify row_number() over (
        partition by lieferungen.ebene order by lieferungen.geladen_am desc, lieferungen.sha256 desc
    ) = 1
),

schluessel as (
    select schluessel.*
    from {{ source('gebietsstand', 'gebietsstand__schluessel') }} as schluessel
    inner join gewaehlt on schluessel.sha256 = gewaehlt.sha256 and schluessel.ebene = gewaehlt.ebene
),

summen as (
    select
        *,
        sum(anteil_bevoelkerung) over alt as summe_bevoelkerung,
        sum(anteil_beschaeftigte) over alt as summe_beschaeftigte
    from schluessel
    window alt as (partition by ebene, jahr, ags_alt)
),

final as (
    select
        ebene,
        jahr,
        ags_alt,
        ags_ziel,
        ziel_jahr,
        case when abs(summe_bevoelkerung - 1) > 0.001 then anteil_flaeche else anteil_bevoelkerung end
            as anteil_bevoelkerung,
        anteil_flaeche,
        case when abs(summe_beschaeftigte - 1) > 0.001 then anteil_flaeche else anteil_beschaeftigte end
            as anteil_beschaeftigte,
        abs(summe_bevoelkerung - 1) > 0.001 as ist_unbewohnt_geteilt,
        zeile,
        datei,
        sha256
    from summen
)

select * from final
