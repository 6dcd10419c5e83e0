-- SGB II counts per Ortsteil of the kommunale Jobcenter (long format), current delivery per Berichtsmonat.
-- A later delivery of the same Berichtsmonat (a corrected file) replaces the earlier one; history stays in raw.
{% call lieferung_staging('sgb2', 'sgb2__ortsteil_monat', 'berichtsmonat') %}
    trim(ortsteil) as ortsteil,
    merkmal,
    wert
{% endcall %}
