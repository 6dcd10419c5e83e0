-- The current values of all GENESIS tables used by the mart, in one relation (gebiet, merkmal,
-- wert, suppression flag, lineage). Basis of the Kreis reconciliation (mart.kreis_abgleich).
with vereinigt as (
    {% for modell, wert in [('int_genesis__bevoelkerung', 'einwohner'),
                            ('int_genesis__bevoelkerung_altersgruppen', 'einwohner'),
                            ('int_genesis__wanderungen', 'anzahl'),
                            ('int_genesis__beschaeftigte_wohnort', 'beschaeftigte'),
                            ('int_genesis__arbeitslose', 'arbeitslose')] %}
    select
        tabelle, zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, gebiet_name, merkmal,
        cast({{ wert }} as double) as wert, marker, ist_unterdrueckt, sha256, datei, stand, ist_demodaten
    from {{ ref(modell) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from vereinigt
