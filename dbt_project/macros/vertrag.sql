{#-
    Typed select lists. A model states its column types once, as `data_type` in its YAML (for a model with an
    enforced contract that is its contract); the SQL takes the casts from there instead of restating them.

      gecastet(spalten)   the select list `cast(<name> as <type>) as <name>, ...` for a mapping name -> type,
                          in the mapping's order.
      vertragsspalten()   that list for the columns of the current model that declare a `data_type`, in YAML
                          order. Columns without a type (lineage from lieferung_herkunft(), profil_herkunft())
                          are left to the model. `*` while dbt only parses and when sqlfluff lints (neither
                          has the model's columns). A dbt unit test does not see the YAML columns of the model
                          it tests: a model with unit tests states its types with gecastet().
-#}
{% macro gecastet(spalten) -%}
    {%- for name, typ in spalten.items() %}
    cast({{ name }} as {{ typ }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro vertragsspalten() -%}
    {%- if model is not defined or not execute -%}
        {#- sqlfluff lints without a dbt model, dbt's parse step runs nothing: any select list will do -#}
        *
    {%- else -%}
        {%- if model.tested_node_unique_id -%}
            {{ exceptions.raise_compiler_error(
                "vertragsspalten() in " ~ model.tested_node_unique_id ~ ": a dbt unit test does not see the"
                ~ " YAML columns of the model it tests; state the types with gecastet({...}) in that model") }}
        {%- endif -%}
        {%- set spalten = {} -%}
        {%- for name, spalte in model.columns.items() if spalte.data_type -%}
            {%- do spalten.update({name: spalte.data_type}) -%}
        {%- endfor -%}
        {%- if not spalten -%}
            {{ exceptions.raise_compiler_error(
                "vertragsspalten() in " ~ model.unique_id ~ ": no column of its YAML declares a data_type") }}
        {%- endif -%}
        {{ gecastet(spalten) }}
    {%- endif -%}
{%- endmacro %}
