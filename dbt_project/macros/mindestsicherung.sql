{#- The five parts of the Mindestsicherungsquote per Gemeinde and year (ags, jahr, teil, anzahl, ist_unterdrueckt,
    ist_demodaten), INKAR a_sMin: SGB II Regelleistungsberechtigte (December report), SGB XII Grundsicherung
    im Alter (65+) and bei Erwerbsminderung, laufende HLU außerhalb von Einrichtungen, AsylbLG Regelleistungen,
    each at the end of the year. Used by int_indikatoren__mindestsicherung (Gemeinden) and
    int_indikatoren__kreisquelle (Kreis, with the SGB II part from the BA's Kreis row). -#}
{% macro mindestsicherung_teile() -%}
    {#- one entry a part: its relation, date column (the year of the end of the year), part (`teil`, SQL),
        count column and rows (the December report / the 31.12.) -#}
    {%- set teile = [
        (ref('int_sgb2__gemeinde_monatswerte'), 'berichtsmonat', "'sgb2_rlb'", 'wert',
            "gebiet_ebene = 'gemeinde' and month(berichtsmonat) = 12 and merkmal = 'rlb'"),
        (ref('int_grundsicherung__empfaenger'), 'stichtag', "'grundsicherung_65_plus'", 'empfaenger_65_plus',
            'length(ags) = 8 and month(stichtag) = 12 and day(stichtag) = 31'),
        (ref('int_grundsicherung__leistungen'), 'stichtag', 'merkmal', 'anzahl',
            "month(stichtag) = 12 and day(stichtag) = 31
            and merkmal in ('empfaenger_erwerbsminderung', 'hlu_ausserhalb_einrichtungen')"),
        (ref('int_asylblg__empfaenger'), 'stichtag', "'asylblg_regelleistungen'", 'regelleistungen',
            'month(stichtag) = 12 and day(stichtag) = 31'),
    ] -%}
    with teile as (
        {%- for relation, datum, teil, anzahl, zeilen in teile %}
        select
            ags,
            cast(year({{ datum }}) as integer) as jahr,
            {{ teil }} as teil,
            {{ anzahl }} as anzahl,
            ist_unterdrueckt,
            coalesce(ist_demodaten, false) as ist_demodaten
        from {{ relation }}
        where {{ zeilen }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )
    select * from teile
{%- endmacro %}
