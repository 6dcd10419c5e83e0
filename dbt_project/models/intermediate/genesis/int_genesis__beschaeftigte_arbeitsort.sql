-- stg_genesis__beschaeftigte_arbeitsort on the target Gebietsstand (macro genesis_auf_gebietsstand, jobs:
-- employment shares): Gemeinde and Kreis rows converted with the key in use, Land and Bund rows as
-- delivered (comparison rows).
{{ genesis_auf_gebietsstand(
    'stg_genesis__beschaeftigte_arbeitsort', 'beschaeftigte', ['nationalitaet', 'geschlecht']
) }}
