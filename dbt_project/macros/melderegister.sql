{#- The indicator columns of a Melderegister value at a Stichtag (columns stichtag, indikator_id, zaehler, nenner
    of the rows selected from): the year of the Stichtag, numerator and denominator as doubles, never suppressed
    (the register extract is the Kreis' own complete count, not a published table). Used by
    int_indikatoren__melderegister (Gemeinden) and int_indikatoren__ortsteil (Ortsteile). -#}
{% macro melderegister_indikatorspalten() -%}
    cast(year(stichtag) as integer) as jahr,
    indikator_id,
    cast(zaehler as double) as zaehler,
    cast(nenner as double) as nenner,
    false as zaehler_unterdrueckt,
    false as nenner_unterdrueckt
{%- endmacro %}
