{#- Every row satisfies the SQL expression (as a column test, the expression may use the column). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
