-- Wohngeld households (reine Wohngeldhaushalte) per Gemeinde and stichtag (Wohngeldstelle),
-- current delivery per stichtag (a later file for the same date replaces the earlier one).
{{ jahreszahl_staging('wohngeld', 'wohngeld__haushalte', 'wohngeldhaushalte') }}
