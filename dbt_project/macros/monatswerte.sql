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

{#- The monthly Ortsteil rows of the kommunale Jobcenter (int_sgb2__ortsteil_monatsindikatoren, unprotected) with the
    area columns of the annual Ortsteil rows (macro ortsteil_gebietszeilen, as in int_indikatoren__aggregiert):
    gebiet_id = ortsteil_id, the Ortsteil's name, kreis_ags and sozialraum_id of its Gemeinde in the month's year (of
    the Ortsteil itself when its Gemeinde is split across Sozialräume); zaehler NULL with ist_unterdrueckt where the BA
    suppressed the Gemeinde's month; no row over a zero denominator. The one home of these rows:
    int_geheimhaltung__primaer takes them as cells (one block per month), mart.sgb2_monatswerte publishes them with the
    decisions of int_geheimhaltung__sekundaer. -#}
{% macro sgb2_ortsteil_monatszeilen() -%}
    {{ ortsteil_gebietszeilen(ref('int_sgb2__ortsteil_monatsindikatoren'), monatlich=true) }}
    where indikatoren.nenner is distinct from 0
{%- endmacro %}
