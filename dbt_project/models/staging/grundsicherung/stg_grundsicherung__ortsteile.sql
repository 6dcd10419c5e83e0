-- Grundsicherung counts per Ortsteil of the Sozialamt (long format), current delivery per stichtag.
-- A later delivery of the same stichtag (a corrected file) replaces the earlier one; history stays in raw.
{% call lieferung_staging('grundsicherung', 'grundsicherung__ortsteile', 'stichtag') %}
    trim(ortsteil) as ortsteil,
    merkmal,
    anzahl
{% endcall %}
