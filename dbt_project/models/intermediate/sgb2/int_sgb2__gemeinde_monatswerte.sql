-- The SGB II Gemeinde values of every month on the target Gebietsstand (macro auf_gebietsstand):
-- a month of a Gemeinde that merged later counts for today's Gemeinde (population shares).
{{ auf_gebietsstand(
    "(select *, cast(year(berichtsmonat) as integer) as berichtsjahr from " ~ ref('stg_sgb2__gemeinde_monatswerte')
        ~ " where gebiet_ebene = 'gemeinde')",
    'gemeinde', 'ags', 'berichtsjahr', 'wert',
    ['berichtsmonat', 'berichtsjahr', 'gebiet_ebene', 'ags', 'merkmal'],
    lineage=['gemeinde_name', 'ist_demodaten', 'datei', 'sha256', 'geladen_am'], ordnung='datei') }}
