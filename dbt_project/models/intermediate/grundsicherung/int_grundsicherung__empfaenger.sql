-- Grundsicherung recipients per Gemeinde on the target Gebietsstand (macro auf_gebietsstand).
{{ auf_gebietsstand(
    "(select *, cast(year(stichtag) as integer) as jahr from " ~ ref('stg_grundsicherung__empfaenger') ~ ")",
    'gemeinde', 'ags', 'jahr', 'empfaenger_65_plus', ['stichtag', 'jahr', 'ags'],
    lineage=['ist_demodaten', 'datei', 'sha256', 'geladen_am'], ordnung='datei') }}
