{#-
    Ortsteil rows: the level below the Gemeinde (AGS + 3-digit Ortsteil key), fed by the Ortsteil counts of the
    Sozialamt (Grundsicherung) and of the kommunale Jobcenter (SGB II) and by the Melderegister.

      ortsteil_quoten(baender, nenner_stichtag, unterdrueckt_auf, monatlich)
          count → indicator: the Ortsteil counts of the CTE `zaehler` over the Ortsteil's residents.
      ortsteil_gebietszeilen(werte, monatlich)
          the area columns of Ortsteil indicator rows (the Ortsteil level of the marts).
-#}

{#- The indicator rows of an Ortsteil count (columns of int_indikatoren__ortsteil;
    int_indikatoren__grundsicherung_ortsteil, int_sgb2__ortsteil_monatsindikatoren). Expects the CTEs
      zaehler       ortsteil_id, ags, jahr, (monat,) indikator_id, anzahl, quelle, ist_demodaten and the columns
                    named in `nenner_stichtag` and `unterdrueckt_auf`
      unterdrueckt  the Gemeinde cells the source suppressed (ags and the columns `unterdrueckt_auf`)
    and `baender`, the age band of each indicator (indikator_id, alter_von, alter_bis) for macro ortsteil_nenner.
    zaehler: the count as a double; NULL with zaehler_unterdrueckt where the source suppressed the Gemeinde's cell,
    since the sum of its Ortsteile would reveal it. nenner: the Ortsteil's Melderegister residents of the band at the
    31.12. `nenner_stichtag` (an expression over zaehler); an Ortsteil without the population of that date has no
    row; the denominator is never suppressed. `monatlich`: with the columns monat and nenner_stichtag. -#}
{% macro ortsteil_quoten(baender, nenner_stichtag, unterdrueckt_auf, monatlich=false) -%}
    select
        zaehler.ortsteil_id,
        zaehler.ags,
        zaehler.jahr,
        {%- if monatlich %}
        zaehler.monat,
        {%- endif %}
        zaehler.indikator_id,
        case when unterdrueckt.ags is null then cast(zaehler.anzahl as double) end as zaehler,
        cast(nenner.nenner as double) as nenner,
        unterdrueckt.ags is not null as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        {%- if monatlich %}
        nenner.stichtag as nenner_stichtag,
        {%- endif %}
        zaehler.quelle,
        {{ quelle_am("'Melderegister'", 'nenner.stichtag', 'nenner.ist_demodaten') }} as nenner_quelle,
        zaehler.ist_demodaten
    from zaehler
    inner join ({{ ortsteil_nenner(baender) }}) as nenner
        on
            zaehler.ortsteil_id = nenner.ortsteil_id
            and nenner.stichtag = {{ nenner_stichtag }}
            and zaehler.indikator_id = nenner.indikator_id
    left join unterdrueckt
        on
            {%- for spalte in unterdrueckt_auf %}
            {% if not loop.first %}and {% endif %}zaehler.{{ spalte }} = unterdrueckt.{{ spalte }}
            {%- endfor %}
{%- endmacro %}

{#- Ortsteil indicator rows `werte` (a relation with the columns of int_indikatoren__ortsteil) with the area columns
    of the marts: gebiet_ebene 'ortsteil', gebiet_id = ortsteil_id, the Ortsteil's name, kreis_ags and sozialraum_id
    of its Gemeinde in the row's year (of the Ortsteil itself when its Gemeinde is split across Sozialräume), zaehler
    and nenner NULL where suppressed, ist_unterdrueckt, ist_umgeschluesselt of the Gemeinde. Alias of `werte`:
    indikatoren. `monatlich`: with the columns monat and nenner_stichtag (int_sgb2__ortsteil_monatsindikatoren). -#}
{% macro ortsteil_gebietszeilen(werte, monatlich=false) -%}
    select
        'ortsteil' as gebiet_ebene,
        indikatoren.ortsteil_id as gebiet_id,
        ortsteile.ortsteil_name as gebiet_name,
        zuordnung.kreis_ags,
        coalesce(geteilt.sozialraum_id, zuordnung.sozialraum_id) as sozialraum_id,
        {%- if monatlich %}
        indikatoren.monat,
        {%- endif %}
        indikatoren.jahr,
        indikatoren.indikator_id,
        case when indikatoren.zaehler_unterdrueckt then null else indikatoren.zaehler end as zaehler,
        case when indikatoren.nenner_unterdrueckt then null else indikatoren.nenner end as nenner,
        indikatoren.zaehler_unterdrueckt or indikatoren.nenner_unterdrueckt as ist_unterdrueckt,
        {%- if monatlich %}
        indikatoren.nenner_stichtag,
        {%- endif %}
        indikatoren.quelle,
        indikatoren.nenner_quelle,
        indikatoren.ist_demodaten,
        coalesce(umgeschluesselt.ist_umgeschluesselt, false) as ist_umgeschluesselt
    from {{ werte }} as indikatoren
    inner join {{ ref('stg_region__ortsteile') }} as ortsteile on indikatoren.ortsteil_id = ortsteile.ortsteil_id
    {{ gebiet_im_jahr('indikatoren') }}
    left join {{ ref('int_gebiet__zuordnung_ortsteile') }} as geteilt
        on
            indikatoren.ortsteil_id = geteilt.ortsteil_id
            and indikatoren.jahr between coalesce(geteilt.gueltig_ab, 0) and coalesce(geteilt.gueltig_bis, 9999)
{%- endmacro %}
