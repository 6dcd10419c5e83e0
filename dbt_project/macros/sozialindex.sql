{#-
  Sozialindex (method of the Berlin "Monitoring Soziale Stadtentwicklung", MSS).

  These macros are the ONLY implementation of standardisation and classification. They are used by
  the mart models (mart.sozialindex_zwerte, mart.sozialindex) and by the Berlin MSS 2021 validation
  (validierung.sozialindex_berlin_mss2021), so the validation checks the code that the mart runs.

  Input relation of `sozialindex_zwerte_select` (one row per area × year × index indicator):
    gebiet_id, jahr, indikator_id,
    richtung           +1 / -1: orientation so that a positive oriented value means disadvantage
                       (= -polaritaet of the catalogue),
    wert               status value in the year (NULL for rows not valid for the status),
    veraenderung       change over the dynamics period (NULL when not valid for the dynamics),
    status_gueltig     bool: the area takes part in the status standardisation of that year,
    dynamik_gueltig    bool: the area takes part in the dynamics standardisation of that year.
  Output: the same keys plus z_status, z_dynamik (oriented z-values).
-#}

{#- Results are rounded to this many decimal places: far below any published precision, and it
    keeps floating-point noise (2.0000000000000004) from moving a value that lies exactly on a class
    cut-off into the neighbouring class. -#}
{% macro sozialindex_stellen() -%}10{%- endmacro %}


{#- z-value of `wert` within `partition_by`: (x - mean) / population SD, unweighted.
    A constant indicator (SD 0) gives z = 0 for every area (no area deviates). -#}
{% macro sozialindex_z(wert, partition_by) -%}
case
    when {{ wert }} is null then null
    when stddev_pop({{ wert }}) over (partition by {{ partition_by }}) = 0 then 0.0
    else round(
        ({{ wert }} - avg({{ wert }}) over (partition by {{ partition_by }}))
        / stddev_pop({{ wert }}) over (partition by {{ partition_by }}),
        {{ sozialindex_stellen() }})
end
{%- endmacro %}


{#- Sum divided by its own population SD across the areas of the year (MSS "standardisierte Summe").
    Not centred: the mean of a sum of z-values is 0 by construction. -#}
{% macro sozialindex_standardisierte_summe(summe, partition_by) -%}
case
    when {{ summe }} is null then null
    when stddev_pop({{ summe }}) over (partition by {{ partition_by }}) = 0 then 0.0
    else round({{ summe }} / stddev_pop({{ summe }}) over (partition by {{ partition_by }}), {{ sozialindex_stellen() }})
end
{%- endmacro %}


{#- Statusklasse from the Statusindex (positive = disadvantage). Cut-offs: vars, defaults as MSS. -#}
{% macro sozialindex_statusklasse(index) -%}
case
    when {{ index }} is null then null
    when {{ index }} <= {{ var('sozialindex_status_grenze_hoch', -1.0) }} then 'hoch'
    when {{ index }} <= {{ var('sozialindex_status_grenze_niedrig', 1.0) }} then 'mittel'
    when {{ index }} <= {{ var('sozialindex_status_grenze_sehr_niedrig', 1.5) }} then 'niedrig'
    else 'sehr niedrig'
end
{%- endmacro %}

{% macro sozialindex_statusklasse_nr(klasse) -%}
case {{ klasse }} when 'hoch' then 1 when 'mittel' then 2 when 'niedrig' then 3 when 'sehr niedrig' then 4 end
{%- endmacro %}


{#- Dynamikklasse from the Dynamikindex (positive = the disadvantage grew). -#}
{% macro sozialindex_dynamikklasse(index) -%}
case
    when {{ index }} is null then null
    when {{ index }} <= {{ var('sozialindex_dynamik_grenze_positiv', -1.0) }} then 'positiv'
    when {{ index }} < {{ var('sozialindex_dynamik_grenze_negativ', 1.0) }} then 'stabil'
    else 'negativ'
end
{%- endmacro %}

{% macro sozialindex_dynamikklasse_nr(klasse) -%}
case {{ klasse }} when 'positiv' then 1 when 'stabil' then 2 when 'negativ' then 3 end
{%- endmacro %}


{#- Oriented z-values of status and dynamics per area × year × indicator (see the input contract above). -#}
{% macro sozialindex_zwerte_select(eingaben) -%}
select
    gebiet_id,
    jahr,
    indikator_id,
    richtung,
    wert,
    veraenderung,
    case when status_gueltig then
        richtung * {{ sozialindex_z('case when status_gueltig then wert end', 'jahr, indikator_id, status_gueltig') }}
    end as z_status,
    case when dynamik_gueltig then
        richtung * {{ sozialindex_z('case when dynamik_gueltig then veraenderung end', 'jahr, indikator_id, dynamik_gueltig') }}
    end as z_dynamik
from {{ eingaben }}
where status_gueltig or dynamik_gueltig
{%- endmacro %}


{#- Per area × year: Statussumme, Statusindex, Statusklasse, the same for Dynamik, and the combined
    group (4 status × 3 dynamics classes = 12 groups, numbered like the MSS: "1.1" = hoch/positiv ...
    "4.3" = sehr niedrig/negativ). `zwerte` is the output of sozialindex_zwerte_select. An area gets a
    sum only when every index indicator has a z-value (`anzahl_indikatoren` = number of indicators). -#}
{% macro sozialindex_index_select(zwerte, anzahl_indikatoren) -%}
with summen as (
    select
        gebiet_id,
        jahr,
        case when count(z_status) = {{ anzahl_indikatoren }} then round(sum(z_status), {{ sozialindex_stellen() }}) end as statussumme,
        case when count(z_dynamik) = {{ anzahl_indikatoren }} then round(sum(z_dynamik), {{ sozialindex_stellen() }}) end as dynamiksumme
    from {{ zwerte }}
    group by gebiet_id, jahr
),

indizes as (
    select
        gebiet_id,
        jahr,
        statussumme,
        {{ sozialindex_standardisierte_summe('statussumme', 'jahr, statussumme is null') }} as statusindex,
        dynamiksumme,
        {{ sozialindex_standardisierte_summe('dynamiksumme', 'jahr, dynamiksumme is null') }} as dynamikindex
    from summen
),

klassen as (
    select
        *,
        {{ sozialindex_statusklasse('statusindex') }} as statusklasse,
        {{ sozialindex_dynamikklasse('dynamikindex') }} as dynamikklasse
    from indizes
)

select
    gebiet_id,
    jahr,
    statussumme,
    statusindex,
    statusklasse,
    {{ sozialindex_statusklasse_nr('statusklasse') }} as statusklasse_nr,
    dynamiksumme,
    dynamikindex,
    dynamikklasse,
    {{ sozialindex_dynamikklasse_nr('dynamikklasse') }} as dynamikklasse_nr,
    case when statusklasse is not null and dynamikklasse is not null then
        {{ sozialindex_statusklasse_nr('statusklasse') }} || '.' || {{ sozialindex_dynamikklasse_nr('dynamikklasse') }}
    end as gruppe,
    case when statusklasse is not null and dynamikklasse is not null then
        ({{ sozialindex_statusklasse_nr('statusklasse') }} - 1) * 3 + {{ sozialindex_dynamikklasse_nr('dynamikklasse') }}
    end as gruppe_nr,
    case when statusklasse is not null and dynamikklasse is not null then
        'Status ' || statusklasse || ' / Dynamik ' || dynamikklasse
    end as gruppe_bezeichnung
from klassen
{%- endmacro %}


{#- Generic test: every value of the column is at most `grenze` in absolute value (NULLs fail too
    unless allow_null). Used by the Berlin validation on the deviations from the published MSS. -#}
{% test sozialindex_betrag_hoechstens(model, column_name, grenze, allow_null=false) %}
select *
from {{ model }}
where {% if allow_null %}{{ column_name }} is not null and {% endif %}
      (abs({{ column_name }}) > {{ grenze }} or {{ column_name }} is null)
{% endtest %}


{#- Generic test: the model has exactly `anzahl` rows. -#}
{% test sozialindex_zeilenzahl(model, anzahl) %}
select count(*) as zeilen
from {{ model }}
having count(*) <> {{ anzahl }}
{% endtest %}
