-- GENESIS 12411-07-01-5: Durchschnittsalter der Bevölkerung nach Geschlecht, Stichtag 31.12. (in Jahren,
-- one decimal). An average, not a count: it is never summed or converted itself (see
-- int_genesis__durchschnittsalter).
{{ genesis_nach_geschlecht('12411-07-01-5', 'durchschnittsalter') }}
