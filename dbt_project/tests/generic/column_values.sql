{#- The column rules of a model in one test: the columns in `not_null` have no NULL, and each column in
    `accepted_values` (a mapping of column to its values; NULL is accepted there, a column that must not be NULL is
    also in `not_null`) holds only those values: a string is compared as a string, a number or boolean as itself —
    both in one scan; and the columns in `unique` together identify a row (the model's grain: no combination twice,
    NULL counting as a value). One test per model, where one not_null or accepted_values test per column scanned the
    model once per column, and a grain test of its own, cost dbt and Dagster a node and an asset check each
    (benchmarks/README.md).
    Returns one row per column with NULLs (pruefung 'not_null', the number of rows), one per column and unexpected
    value (pruefung 'accepted_values', the value as text, the number of rows) and one per repeated combination
    (pruefung 'unique', spalte the columns, wert the combination as text, the number of rows that share it). -#}
{% test column_values(model, not_null=[], accepted_values={}, unique=[]) %}
{%- set werte_spalten = accepted_values.keys() | list %}
{#- each column's accepted values as SQL literals: strings quoted (a quote doubled), numbers and booleans as
    they are -#}
{%- set literale = {} %}
{%- for column in werte_spalten %}
    {%- set werte = [] %}
    {%- for value in accepted_values[column] %}
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
{%- if not not_null and not werte_spalten and not unique %}
    {{ exceptions.raise_compiler_error("column_values on " ~ model ~ ": expected columns in not_null, accepted_values or unique") }}
{%- endif %}
{%- set ausdruecke = [] %}
{%- for column in not_null %}
    {%- do ausdruecke.append(column ~ " is null as n_" ~ loop.index) %}
{%- endfor %}
{%- for column in werte_spalten %}
    {%- do ausdruecke.append("case when " ~ column ~ " not in (" ~ literale[column] ~ ") then cast(" ~ column
        ~ " as varchar) end as w_" ~ loop.index) %}
{%- endfor %}
{%- if not_null or werte_spalten %}
with abweichungen as materialized (
    select
        {{ ausdruecke | join(",\n        ") }}
    from {{ model }}
    where
    {%- for column in not_null %}
        {{ "or " if not loop.first }}{{ column }} is null
    {%- endfor %}
    {%- for column in werte_spalten %}
        {{ "or " if not_null or not loop.first }}{{ column }} not in ({{ literale[column] }})
    {%- endfor %}
)

{% for column in not_null -%}
    select '{{ column }}' as spalte, 'not_null' as pruefung, cast(null as varchar) as wert, count(*) as zeilen
    from abweichungen where n_{{ loop.index }} having count(*) > 0
    {% if not loop.last or werte_spalten or unique %}union all{% endif %}
{% endfor %}
{% for column in werte_spalten -%}
    select '{{ column }}' as spalte, 'accepted_values' as pruefung, w_{{ loop.index }} as wert, count(*) as zeilen
    from abweichungen where w_{{ loop.index }} is not null group by w_{{ loop.index }}
    {% if not loop.last or unique %}union all{% endif %}
{% endfor %}
{%- endif %}
{%- if unique %}
    select '{{ unique | join(", ") }}' as spalte, 'unique' as pruefung,
        {% for column in unique -%}
        coalesce(cast({{ column }} as varchar), 'NULL'){{ " || ', ' ||" if not loop.last }}
        {% endfor -%}
        as wert, count(*) as zeilen
    from {{ model }}
    group by {{ unique | join(", ") }}
    having count(*) > 1
{%- endif %}
{% endtest %}
