-- int_genesis__lebensjahre (Σ Lebensjahre and Einwohner behind the Durchschnittsalter of 12411-07-01-5) on the
-- target Gebietsstand (macro genesis_auf_gebietsstand, population shares): Gemeinde and Kreis rows converted
-- with the key in use, Land and Bund rows as delivered. Durchschnittsalter = lebensjahre / einwohner.
{{ genesis_auf_gebietsstand(
    'int_genesis__lebensjahre', 'wert', ['geschlecht', 'groesse', 'einwohner_quelle']
) }}
