-- Grundsicherung im Alter (SGB XII Kap. 4) recipients 65+ per Gemeinde and stichtag,
-- current delivery per stichtag (a later file for the same date replaces the earlier one).
{{ jahreszahl_staging('grundsicherung', 'grundsicherung__empfaenger', 'empfaenger_65_plus') }}
