{#-
    Monthly values (mart.sgb2_monatswerte).

    monat_nenner_stichtag(monat): the population reference date of a monthly rate — the 31.12. before the
    month: for January to November the 31.12. of the previous year; the December report is the stock at
    31.12. itself and takes the population of that same 31.12., as the annual value does (catalogue
    stichtagsregel `stichtag_gleich`), so that December equals the annual value.

    monatsname(monat): the German name of the month ('Januar' … 'Dezember').
-#}
{% macro monat_nenner_stichtag(monat) -%}
    make_date(cast(year({{ monat }}) as integer) - case when month({{ monat }}) = 12 then 0 else 1 end, 12, 31)
{%- endmacro %}

{% macro monatsname(monat) -%}
    ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November',
        'Dezember'][month({{ monat }})]
{%- endmacro %}
