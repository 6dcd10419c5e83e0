-- Wohngeld households per Gemeinde on the target Gebietsstand (macro auf_gebietsstand).
{{ auf_gebietsstand(
    "(select *, cast(year(stichtag) as integer) as jahr from " ~ ref('stg_wohngeld__haushalte') ~ " where length(ags) = 8)",
    'gemeinde', 'ags', 'jahr', 'wohngeldhaushalte', ['stichtag', 'jahr', 'ags'],
    lineage=['ist_demodaten', 'datei', 'sha256', 'geladen_am'], ordnung='datei') }}
