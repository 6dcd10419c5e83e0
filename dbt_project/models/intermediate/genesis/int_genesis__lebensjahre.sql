-- The Durchschnittsalter of GENESIS 12411-07-01-5 made additive, on the delivered areas (before any
-- Gebietsstand conversion): per area, 31.12. and sex two rows in the shape of a stg_genesis__* model,
--   groesse 'einwohner'    the population of the same area, date and sex (12411-01-01-5, else the total
--                          column of 12411-02-03-5), the weight of the average;
--   groesse 'lebensjahre'  Durchschnittsalter × Einwohner (the sum of the residents' ages).
-- An average cannot be summed or converted; these two counts can (int_genesis__durchschnittsalter), and
-- Σ Lebensjahre / Σ Einwohner gives the average of any sum of areas (weighted by population). An area
-- without a population of the same date has no rows; a suppressed average or population makes its
-- Lebensjahre NULL (suppressed).
with durchschnitt as (
    select * from {{ ref('stg_genesis__durchschnittsalter') }}
),

-- the population by priority: 12411-01-01-5, else the total column of 12411-02-03-5
bevoelkerung as (
    {%- for modell, bedingung in [('stg_genesis__bevoelkerung', 'true'),
                                  ('stg_genesis__bevoelkerung_altersgruppen', "altersgruppe = 'insgesamt'")] %}
    {% if not loop.first %}union all{% endif %}
    select
        gebiet_ebene, regionalschluessel, ags, stichtag, geschlecht, einwohner, marker, ist_unterdrueckt,
        {{ genesis_quelle('tabelle', 'zeit', 'ist_demodaten') }} as einwohner_quelle,
        ist_demodaten,
        {{ loop.index }} as prioritaet
    from {{ ref(modell) }}
    where {{ bedingung }}
    {%- endfor %}
),

gewichtet as (
    select
        durchschnitt.*,
        bevoelkerung.einwohner,
        bevoelkerung.marker as einwohner_marker,
        bevoelkerung.einwohner_quelle,
        bevoelkerung.ist_demodaten as einwohner_demodaten
    from durchschnitt
    inner join bevoelkerung
        on durchschnitt.gebiet_ebene = bevoelkerung.gebiet_ebene
        and durchschnitt.regionalschluessel = bevoelkerung.regionalschluessel
        and durchschnitt.ags is not distinct from bevoelkerung.ags
        and durchschnitt.stichtag = bevoelkerung.stichtag
        and durchschnitt.geschlecht = bevoelkerung.geschlecht
    qualify row_number() over (
        partition by
            durchschnitt.gebiet_ebene, durchschnitt.regionalschluessel, durchschnitt.ags, durchschnitt.zeit,
            durchschnitt.geschlecht
        order by bevoelkerung.prioritaet
    ) = 1
),

groessen as (
    select
        gewichtet.tabelle,
        gewichtet.zeit,
        gewichtet.jahr,
        gewichtet.stichtag,
        gewichtet.regionalschluessel,
        gewichtet.ags,
        gewichtet.gebiet_ebene,
        gewichtet.gebiet_name,
        gewichtet.merkmal || ' | ' || g.groesse as merkmal,
        gewichtet.geschlecht,
        g.groesse,
        gewichtet.einwohner_quelle,
        case g.groesse
            when 'lebensjahre' then gewichtet.durchschnittsalter * gewichtet.einwohner
            else gewichtet.einwohner
        end as wert,
        case g.groesse
            when 'lebensjahre' then coalesce(gewichtet.marker, gewichtet.einwohner_marker)
            else gewichtet.einwohner_marker
        end as marker,
        gewichtet.zeile,
        gewichtet.sha256,
        gewichtet.datei,
        gewichtet.stand,
        gewichtet.geladen_am,
        gewichtet.ist_demodaten or gewichtet.einwohner_demodaten as ist_demodaten
    from gewichtet
    cross join (values ('lebensjahre'), ('einwohner')) as g (groesse)
),

final as (
    select * exclude (zeile, sha256, datei, stand, geladen_am, ist_demodaten),
        wert is null as ist_unterdrueckt,
        zeile, sha256, datei, stand, geladen_am, ist_demodaten
    from groessen
)

select * from final
