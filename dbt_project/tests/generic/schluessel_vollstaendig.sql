{#- Every old area that carries a value has a key near the data year: rows of `model` flagged
    ist_ohne_schluessel (kept unconverted by macro auf_gebietsstand) are returned. -#}
{% test schluessel_vollstaendig(model) %}
select * from {{ model }} where ist_ohne_schluessel
{% endtest %}
