{#-
    Conversion to the target Gebietsstand (the key in use: stg_gebietsstand__schluessel).

    auf_gebietsstand(quelle, ebene, ags, jahr, wert, gruppen, anteil='bevoelkerung', lineage=[])
        Body of a model: converts the rows of `quelle` (a relation or CTE) whose area column `ags`
        holds an old key of level `ebene` ('gemeinde': 8-digit AGS, 'kreis': 5-digit key) to the areas
        of the target Gebietsstand: value_new = Σ value_old × share. The key year of an old area is the
        year nearest to the data year in which the area exists in the key (same year first, then the
        earlier one; years outside the key are clamped to its first/last year).
        `anteil` names the share (bevoelkerung | beschaeftigte | flaeche) or is a SQL expression
        returning that name per row. Output: `gruppen` (with `ags` the target key), `wert`, `marker`
        (when the input has one: `marker` = its column, or none), `ist_unterdrueckt`,
        `ist_umgeschluesselt`, `ist_ohne_schluessel`, and `lineage` columns (value of the first row
        per group by `ordnung`). A number is converted with the key year nearest to its data year in
        which its area exists (some tables of a year still list the areas of an older Gebietsstand).
        - a suppressed input (wert NULL) that contributes a share > 0 makes the target cell NULL with
          its marker and ist_unterdrueckt;
        - a '-' (or a marker without a number) of an area that does not exist in the key within one
          year of the data year is "not applicable" (the area did not exist on that date): dropped,
          never a zero;
        - a value of an area without key near the data year is kept unconverted with
          ist_ohne_schluessel (test `schluessel_vollstaendig` fails on it: blocking).
    Rates are never converted: convert numerators and denominators, then compute the rate.
-#}
{% macro auf_gebietsstand(quelle, ebene, ags, jahr, wert, gruppen, anteil='bevoelkerung', lineage=[],
                          marker='marker', ordnung='zeile') -%}
    {%- set anteil_sql = ("'" ~ anteil ~ "'") if anteil in ['bevoelkerung', 'beschaeftigte', 'flaeche'] else anteil -%}
    {%- set gruppen_ohne_ags = gruppen | reject('equalto', ags) | list -%}
    with gs_schluessel as (
        select * from {{ ref('stg_gebietsstand__schluessel') }} where ebene = '{{ ebene }}'
    ),

    gs_jahre as (
        select min(jahr) as erstes_jahr, max(jahr) as letztes_jahr from gs_schluessel
    ),

    gs_alte_gebiete as (
        select distinct jahr, ags_alt from gs_schluessel
    ),

    gs_zeilen as (
        select *, {{ anteil_sql }} as gs_anteil_art,
            {{ marker if marker else 'cast(null as varchar)' }} as gs_marker
        from {{ quelle }}
    ),

    -- per old area and data year: the nearest key year in which the area exists, and how far it is
    gs_schluesseljahr as (
        select
            daten.gs_ags,
            daten.gs_jahr,
            alte.jahr as schluessel_jahr,
            abs(alte.jahr - least(greatest(daten.gs_jahr, gs_jahre.erstes_jahr), gs_jahre.letztes_jahr)) as abstand
        from (select distinct {{ ags }} as gs_ags, {{ jahr }} as gs_jahr from gs_zeilen) as daten
        cross join gs_jahre
        inner join gs_alte_gebiete as alte on alte.ags_alt = daten.gs_ags
        qualify row_number() over (
            partition by daten.gs_ags, daten.gs_jahr
            order by abs(alte.jahr - least(greatest(daten.gs_jahr, gs_jahre.erstes_jahr), gs_jahre.letztes_jahr)),
                alte.jahr
        ) = 1
    ),

    gs_anteile as (
        select
            zeilen.*,
            coalesce(schluessel.ags_ziel, zeilen.{{ ags }}) as gs_ags_ziel,
            case zeilen.gs_anteil_art
                when 'beschaeftigte' then schluessel.anteil_beschaeftigte
                when 'flaeche' then schluessel.anteil_flaeche
                else schluessel.anteil_bevoelkerung
            end as gs_anteil,
            schluessel.ags_alt is null as gs_ohne_schluessel
        from gs_zeilen as zeilen
        left join gs_schluesseljahr as sj
            on sj.gs_ags = zeilen.{{ ags }} and sj.gs_jahr = zeilen.{{ jahr }}
        left join gs_schluessel as schluessel
            on schluessel.jahr = sj.schluessel_jahr and schluessel.ags_alt = zeilen.{{ ags }}
        -- an area without key in the years next to the data year did not exist then: its '-' (or a marker
        -- without a number, as the BA tables show it) is "not applicable" (no row), never a zero. A number
        -- is converted with the nearest key year of its area (tables on an older Gebietsstand); a number of
        -- an area without any key is kept (flagged ist_ohne_schluessel)
        where not (coalesce(sj.abstand > 1, true)
                   and (zeilen.{{ wert }} is null or coalesce(zeilen.gs_marker = '-', false)))
    ),

    gs_umgeschluesselt as (
        select
            {% for spalte in gruppen_ohne_ags %}{{ spalte }}, {% endfor %}
            gs_ags_ziel as {{ ags }},
            case
                when bool_or({{ wert }} is null and coalesce(gs_anteil, 1) > 0) then null
                else sum({{ wert }} * coalesce(gs_anteil, 1))
            end as {{ wert }},
            {% if marker -%}
            case
                when bool_or({{ wert }} is null and coalesce(gs_anteil, 1) > 0)
                    then max(gs_marker) filter (where {{ wert }} is null)
                when bool_and(gs_marker = '-') then '-'
                when bool_or(gs_marker = '()') then '()'
            end as marker,
            {%- endif %}
            bool_or({{ wert }} is null and coalesce(gs_anteil, 1) > 0) as ist_unterdrueckt,
            not (count(*) = 1 and bool_and({{ ags }} = gs_ags_ziel and coalesce(gs_anteil, 1) = 1))
                as ist_umgeschluesselt,
            bool_or(gs_ohne_schluessel) as ist_ohne_schluessel
            {% for spalte in lineage %}, arg_min({{ spalte }}, {{ ordnung }}) as {{ spalte }}{% endfor %}
        from gs_anteile
        group by {% for spalte in gruppen_ohne_ags %}{{ spalte }}, {% endfor %}gs_ags_ziel
    )

    select * from gs_umgeschluesselt
{%- endmacro %}


{#-
    genesis_auf_gebietsstand(modell, wert, merkmale): a stg_genesis__* model on the target Gebietsstand.
    Gemeinde rows are converted with the Gemeinde key, Kreis rows with the Kreis key (share per table:
    seed gebietsstand_umschluesselung); Land and Bund rows are passed on unchanged with `ags` = their
    code ('06', 'DG') as comparison rows. Other levels (Regierungsbezirk, Gemeindeverband, Berlin's
    Bezirke) are not used by the mart and are left out. `merkmale`: the model's own dimension columns.
    `anteil`: SQL expression naming the share per row (bevoelkerung | beschaeftigte | flaeche) instead
    of the table's share from the seed, for a table whose columns count different things (columns of
    `staging`; the seed's share is `umschluesselung.anteil`).
-#}
{% macro genesis_auf_gebietsstand(modell, wert, merkmale=[], anteil=none) -%}
{%- set gruppen = ['tabelle', 'zeit', 'jahr', 'stichtag', 'gebiet_ebene', 'ags', 'merkmal'] + merkmale -%}
{%- set lineage = ['gebiet_name', 'zeile', 'sha256', 'datei', 'stand', 'geladen_am', 'ist_demodaten'] -%}
with quelle as (
    select
        staging.*,
        {% if anteil %}{{ anteil }}{% else %}coalesce(umschluesselung.anteil, 'bevoelkerung'){% endif %}
            as anteil_art
    from {{ ref(modell) }} as staging
    left join {{ ref('gebietsstand_umschluesselung') }} as umschluesselung
        on staging.tabelle = umschluesselung.tabelle
),

gemeinden as (
    {{ auf_gebietsstand("(select * from quelle where gebiet_ebene = 'gemeinde')", 'gemeinde', 'ags', 'jahr',
                        wert, gruppen, anteil='anteil_art', lineage=lineage) }}
),

kreise as (
    {{ auf_gebietsstand("(select * from quelle where gebiet_ebene = 'kreis')", 'kreis', 'ags', 'jahr',
                        wert, gruppen, anteil='anteil_art', lineage=lineage) }}
),

vergleich as (
    select
        {{ gruppen | reject('equalto', 'ags') | join(', ') }},
        case when gebiet_ebene = 'bund' then 'DG' else regionalschluessel end as ags,
        {{ wert }}, marker, ist_unterdrueckt, false as ist_umgeschluesselt, false as ist_ohne_schluessel,
        {{ lineage | join(', ') }}
    from quelle
    where gebiet_ebene in ('land', 'bund')
),

vereinigt as (
    select * from gemeinden
    union all by name
    select * from kreise
    union all by name
    select * from vergleich
)

select
    tabelle, zeit, jahr, stichtag, ags as regionalschluessel, ags, gebiet_ebene, gebiet_name, merkmal,
    {% for spalte in merkmale %}{{ spalte }}, {% endfor %}
    {{ wert }}, marker, ist_unterdrueckt, ist_umgeschluesselt, ist_ohne_schluessel,
    zeile, sha256, datei, stand, geladen_am, ist_demodaten
from vereinigt
{%- endmacro %}
