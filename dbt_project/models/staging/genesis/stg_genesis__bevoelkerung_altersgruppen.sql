-- GENESIS 12411-02-03-5: Bevölkerung nach Geschlecht und 17 Altersgruppen, Stichtag 31.12.
{{ genesis_nach_geschlecht('12411-02-03-5', 'einwohner', altersgruppen=true) }}
