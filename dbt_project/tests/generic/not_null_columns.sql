{#- None of the listed columns has a NULL, checked in one scan of the model: the project's not_null test (one
    not_null test per column scanned a view once per column and cost dbt and Dagster a node and a check each).
    Returns one row per column with NULLs: the column and how many rows. -#}
{% test not_null_columns(model, columns) %}
with nullwerte as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as n_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
    select '{{ column }}' as spalte, n_{{ loop.index }} as zeilen from nullwerte where n_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
