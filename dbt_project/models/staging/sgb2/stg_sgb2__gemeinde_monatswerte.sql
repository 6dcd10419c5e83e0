-- SGB II Gemeinde table values (long format), current delivery per Berichtsmonat.
-- A later delivery of the same Berichtsmonat (a corrected file) replaces the earlier one; history stays in raw.
-- '-' = nothing there (zero); '*' = suppressed by the source: kept as NULL + flag.
{% call lieferung_staging('sgb2', 'sgb2__gemeinde_monat', 'berichtsmonat') %}
    case when length(trim(ags)) = 8 then 'gemeinde' else 'kreis' end as gebiet_ebene,
    trim(gemeinde_name) as gemeinde_name,
    merkmal,
    {{ marker_wert('wert') }} as wert,
    coalesce(marker = '*', false) as ist_unterdrueckt,
    marker
{% endcall %}
