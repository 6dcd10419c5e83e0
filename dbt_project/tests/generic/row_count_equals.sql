{#- The model has exactly `anzahl` rows. -#}
{% test row_count_equals(model, anzahl) %}
    select count(*) as zeilen
    from {{ model }}
    having count(*) <> {{ anzahl }}
{% endtest %}
