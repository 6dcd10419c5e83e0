{#- The five parts of the Mindestsicherungsquote per Gemeinde and year (ags, jahr, teil, anzahl, ist_unterdrueckt,
    ist_demodaten), INKAR a_sMin: SGB II Regelleistungsberechtigte (December report), SGB XII Grundsicherung
    im Alter (65+) and bei Erwerbsminderung, laufende HLU außerhalb von Einrichtungen, AsylbLG Regelleistungen,
    each at the end of the year. Used by int_indikatoren__mindestsicherung (Gemeinden) and
    int_indikatoren__kreisquelle (Kreis, with the SGB II part from the BA's Kreis row). -#}
{% macro mindestsicherung_teile() -%}
    with sgb2 as (
        select
            ags,
            cast(year(berichtsmonat) as integer) as jahr,
            'sgb2_rlb' as teil,
            wert as anzahl,
            ist_unterdrueckt,
            coalesce(ist_demodaten, false) as ist_demodaten
        from {{ ref('int_sgb2__gemeinde_monatswerte') }}
        where gebiet_ebene = 'gemeinde' and month(berichtsmonat) = 12 and merkmal = 'rlb'
    ),

    grundsicherung_alter as (
        select
            ags,
            cast(year(stichtag) as integer) as jahr,
            'grundsicherung_65_plus' as teil,
            empfaenger_65_plus as anzahl,
            ist_unterdrueckt,
            coalesce(ist_demodaten, false) as ist_demodaten
        from {{ ref('int_grundsicherung__empfaenger') }}
        where length(ags) = 8 and month(stichtag) = 12 and day(stichtag) = 31
    ),

    sozialhilfe as (
        select
            ags,
            cast(year(stichtag) as integer) as jahr,
            merkmal as teil,
            anzahl,
            ist_unterdrueckt,
            coalesce(ist_demodaten, false) as ist_demodaten
        from {{ ref('int_grundsicherung__leistungen') }}
        where month(stichtag) = 12 and day(stichtag) = 31
            and merkmal in ('empfaenger_erwerbsminderung', 'hlu_ausserhalb_einrichtungen')
    ),

    asylblg as (
        select
            ags,
            cast(year(stichtag) as integer) as jahr,
            'asylblg_regelleistungen' as teil,
            regelleistungen as anzahl,
            ist_unterdrueckt,
            coalesce(ist_demodaten, false) as ist_demodaten
        from {{ ref('int_asylblg__empfaenger') }}
        where month(stichtag) = 12 and day(stichtag) = 31
    ),

    teile as (
        select * from sgb2
        union all
        select * from grundsicherung_alter
        union all
        select * from sozialhilfe
        union all
        select * from asylblg
    )
    select * from teile
{%- endmacro %}
