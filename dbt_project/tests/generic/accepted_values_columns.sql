{#- Every listed column holds only its accepted values (NULL is accepted: a column that must not be NULL is in
    the model's not_null_columns test), checked in one scan of the model: one accepted_values test per column
    cost dbt and Dagster a node and a check each. `values_by_column` maps each column to its values; a string
    is compared as a string, a number or boolean as itself.
    Returns one row per column and unexpected value: the column, the value (as text) and how many rows. -#}
{% test accepted_values_columns(model, values_by_column) %}
{%- set columns = values_by_column.keys() | list %}
{#- each column's accepted values as SQL literals: strings quoted (a quote doubled), numbers and booleans as
    they are -#}
{%- set literale = {} %}
{%- for column in columns %}
    {%- set werte = [] %}
    {%- for value in values_by_column[column] %}
        {%- if value is string %}
            {%- do werte.append("'" ~ (value | replace("'", "''")) ~ "'") %}
        {%- elif value is sameas true or value is sameas false %}
            {%- do werte.append("true" if value else "false") %}
        {%- else %}
            {%- do werte.append(value | string) %}
        {%- endif %}
    {%- endfor %}
    {%- do literale.update({column: werte | join(", ")}) %}
{%- endfor %}
with abweichungen as materialized (
    select
    {%- for column in columns %}
        case
            when {{ column }} not in ({{ literale[column] }})
                then cast({{ column }} as varchar)
        end as w_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
    where
    {%- for column in columns %}
        {{ "or " if not loop.first }}{{ column }} not in ({{ literale[column] }})
    {%- endfor %}
)

{% for column in columns -%}
    select '{{ column }}' as spalte, w_{{ loop.index }} as wert, count(*) as zeilen
    from abweichungen where w_{{ loop.index }} is not null group by w_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
