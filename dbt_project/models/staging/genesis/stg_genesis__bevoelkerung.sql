-- GENESIS 12411-01-01-5: Bevölkerung nach Geschlecht, Stichtag 31.12. (current delivery per period)
{{ genesis_nach_geschlecht('12411-01-01-5', 'einwohner') }}
