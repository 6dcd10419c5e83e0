-- GENESIS 13111-01-03-5: Sozialversicherungspflichtig Beschäftigte am Arbeitsort, Stichtag 30.06.
-- (same layout as 13111-02-02-5 am Wohnort: macro genesis_beschaeftigte)
{{ genesis_beschaeftigte('13111-01-03-5') }}
