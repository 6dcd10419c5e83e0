-- stg_genesis__arbeitslose on the target Gebietsstand (macro genesis_auf_gebietsstand): Gemeinde and Kreis
-- rows converted with the key in use, Land and Bund rows as delivered (comparison rows).
{{ genesis_auf_gebietsstand(
    'stg_genesis__arbeitslose', 'arbeitslose', ['personengruppe', 'altersgruppe', 'alter_von', 'alter_bis']
) }}
