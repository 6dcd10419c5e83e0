-- stg_genesis__pendler on the target Gebietsstand (macro genesis_auf_gebietsstand): the columns at the place
-- of work (SvB am Arbeitsort, Einpendler, Pendlersaldo) with employment shares, those at the place of
-- residence (SvB am Wohnort, Auspendler: persons by residence) with population shares. Land and Bund rows
-- as delivered.
{{ genesis_auf_gebietsstand(
    'stg_genesis__pendler', 'anzahl', ['groesse'],
    anteil="case when staging.groesse in ('beschaeftigte_wohnort', 'auspendler') then 'bevoelkerung'
             else coalesce(umschluesselung.anteil, 'beschaeftigte') end"
) }}
