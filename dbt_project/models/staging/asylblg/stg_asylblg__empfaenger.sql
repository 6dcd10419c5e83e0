-- Recipients of Regelleistungen nach dem AsylbLG per Gemeinde and stichtag,
-- current delivery per stichtag (a later file for the same date replaces the earlier one).
{{ jahreszahl_staging('asylblg', 'asylblg__empfaenger', 'regelleistungen') }}
