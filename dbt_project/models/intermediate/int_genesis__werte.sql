{{ config(materialized='view') }}
-- The current values of all GENESIS tables used by the mart on the target Gebietsstand, in one relation
-- (gebiet, merkmal, wert, suppression and conversion flags, lineage). The one list of the GENESIS value
-- models: the area models (int_gebiet__*) and the Kreis reconciliation (mart.kreis_abgleich) read it.
-- Only tables of counts: the Durchschnittsalter (12411-07-01-5) is an average, not summable to a Kreis row.
-- A view: its readers take a few columns of one area level (DuckDB reads only those of each table); as a table
-- it copied every column of every value first (Germany-wide 1.9 million rows, 2-3 s alone on dbt's critical path).
with vereinigt as (
    {% for modell, wert in [('int_genesis__bevoelkerung', 'einwohner'),
                            ('int_genesis__bevoelkerung_altersgruppen', 'einwohner'),
                            ('int_genesis__wanderungen', 'anzahl'),
                            ('int_genesis__beschaeftigte_wohnort', 'beschaeftigte'),
                            ('int_genesis__beschaeftigte_arbeitsort', 'beschaeftigte'),
                            ('int_genesis__pendler', 'anzahl'),
                            ('int_genesis__arbeitslose', 'arbeitslose')] %}
    select
        tabelle, zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, gebiet_name, merkmal,
        cast({{ wert }} as double) as wert, marker, ist_unterdrueckt, ist_umgeschluesselt, sha256, datei, stand,
        ist_demodaten
    from {{ ref(modell) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from vereinigt
