{#- Report tables (models/reporting): the area columns every rpt_* table starts with. `a` is the alias of
    the area rows, `g` that of `sozialraum_namen()`. A Sozialraum's own name is its Sozialraum name; the
    Gemeinde column is filled on Gemeinde rows only (the dashboards' filter). Column order in the table
    follows the model's YAML (enforced contract). -#}
{% macro gebiet_spalten(a, g='g') -%}
    {{ a }}.gebiet_ebene,
    {{ a }}.gebiet_id,
    {{ a }}.gebiet_name,
    {{ a }}.sozialraum_id,
    coalesce({{ g }}.sozialraum_name, case when {{ a }}.gebiet_ebene = 'sozialraum' then {{ a }}.gebiet_name end)
        as sozialraum_name,
    case when {{ a }}.gebiet_ebene = 'gemeinde' then {{ a }}.gebiet_name end as gemeinde
{%- endmacro %}

{#- The leading columns of the Sozialindex reports (rpt_sozialindex, rpt_sozialindex_ausschluesse): the area
    columns, Kreis, year, whether it is the latest Sozialindex year (`j`: the row with juengstes_jahr) and the
    area's Einwohner. `a` is the alias of the index (or exclusion) rows. -#}
{% macro sozialindex_gebietsjahr(a, j='j') -%}
    {{ gebiet_spalten(a) }},
    {{ a }}.kreis_ags,
    {{ a }}.jahr,
    {{ a }}.jahr = {{ j }}.juengstes_jahr as ist_juengstes_jahr,
    {{ a }}.einwohner
{%- endmacro %}

{#- One row per area with the name of its Sozialraum: dim_gebiet may hold several polygons per area
    (exploded MultiPolygons), so a join to it directly would count values twice. -#}
{% macro sozialraum_namen() -%}
    select gebiet_ebene, gebiet_id, max(sozialraum_name) as sozialraum_name
    from {{ ref('dim_gebiet') }} group by gebiet_ebene, gebiet_id
{%- endmacro %}

{#- Data class of a report row (superset/provision.py filters the logged-in roles by it; rpt_oeffentlich keeps
    only 'oeffentlich'): 'vertraulich' for an indicator the catalogue marks `geheimhaltung` (confidential
    families under disclosure control: youth welfare), 'oeffentlich' for official statistics and every other
    catalogue indicator. An indicator missing from the catalogue is confidential (fail closed). `geheim` is
    the catalogue's geheimhaltung of the row's indicator (null when the catalogue does not know it). -#}
{% macro datenklasse(geheim) -%}
    case when coalesce({{ geheim }}, true) then 'vertraulich' else 'oeffentlich' end
{%- endmacro %}

{#- Data class of the Sozialindex rows: confidential as soon as one index indicator (seed
    sozialindex_indikatoren, einbezogen) is confidential or unknown to the catalogue. -#}
{% macro sozialindex_datenklasse() -%}
    (
        select {{ datenklasse('bool_or(coalesce(k.geheimhaltung, true) or '
                              ~ vertraulich_als_ortsteil('si.indikator_id', "'" ~ var('sozialindex_bezugsebene', 'gemeinde') ~ "'")
                              ~ ')') }}
        from {{ ref('sozialindex_indikatoren') }} as si
        left join {{ ref('indikatoren') }} as k on si.indikator_id = k.indikator_id
        where si.einbezogen
    )
{%- endmacro %}

{#- Cells of a public indicator that are confidential all the same: the rows at and below the level the catalogue
    names in `geheim_ab_ebene` (seed indikatoren; 'ortsteil' for sgb2_quote and kinderarmut: the kommunale
    Jobcenter's internal Ortsteil counts, issue 12; their Gemeinde, Sozialraum and Kreis rows are the BA's public
    figures). Disclosure control (intermediate/geheimhaltung) treats these cells as confidential; the data class of
    such a row is 'vertraulich'. Only 'ortsteil' is supported (the seed's accepted values). -#}
{% macro vertraulich_als_ortsteil(indikator_id, gebiet_ebene) -%}
    ({{ gebiet_ebene }} = 'ortsteil' and {{ indikator_id }} in (
        select geheim_katalog.indikator_id from {{ ref('indikatoren') }} as geheim_katalog
        where geheim_katalog.geheim_ab_ebene = 'ortsteil'))
{%- endmacro %}

{#- A report table of indicator values (rpt_indikatorwerte, rpt_monatswerte): the rows of the mart `werte` (alias w,
    one row per area, `periode` and indicator) with the area columns, the catalogue's name and theme of the indicator,
    the Kreis value of the same period and indicator and the deviation from it, and the data class (the catalogue's
    geheimhaltung; the Ortsteil cells of geheim_ab_ebene are confidential as well). Column lists of the table's own
    columns, in contract order: `zeit` after kreis_ags, `stichtag` after ist_unterdrueckt, `vergleich` after
    abweichung_kreis. The caller renders the left joins of the rows `vergleich` reads. -#}
{% macro indikatorwerte_bericht(werte, periode, zeit, vergleich, stichtag=[]) -%}
with gebiete as (
    {{ sozialraum_namen() }}
)

select
    {{ gebiet_spalten('w') }},
    w.kreis_ags,
    {%- for spalte in zeit %}
    {{ spalte }},
    {%- endfor %}
    w.indikator_id,
    coalesce(i.name, w.indikator_id) as indikator,
    i.thema,
    w.einheit,
    w.wert,
    w.zaehler,
    w.nenner,
    w.ist_unterdrueckt,
    {%- for spalte in stichtag %}
    {{ spalte }},
    {%- endfor %}
    w.quelle,
    w.nenner_quelle,
    w.ist_demodaten,
    k.wert as kreis_wert,
    w.wert - k.wert as abweichung_kreis,
    {%- for spalte in vergleich %}
    {{ spalte }},
    {%- endfor %}
    w.ist_umgeschluesselt,
    {{ datenklasse("i.geheimhaltung or " ~ vertraulich_als_ortsteil('w.indikator_id', 'w.gebiet_ebene')) }}
        as datenklasse
from {{ ref(werte) }} as w
left join gebiete as g
    on w.gebiet_ebene = g.gebiet_ebene and w.gebiet_id = g.gebiet_id
left join {{ ref('indikatoren') }} as i
    on w.indikator_id = i.indikator_id
left join {{ ref(werte) }} as k
    on
        k.gebiet_ebene = 'kreis' and w.kreis_ags = k.gebiet_id
        and w.{{ periode }} = k.{{ periode }} and w.indikator_id = k.indikator_id
{{ caller() | trim }}
{%- endmacro %}
