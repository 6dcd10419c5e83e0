-- GENESIS 13111-02-02-5: Sozialversicherungspflichtig Beschäftigte am Wohnort, Stichtag 30.06.
-- (same layout as 13111-01-03-5 am Arbeitsort: macro genesis_beschaeftigte)
{{ genesis_beschaeftigte('13111-02-02-5') }}
