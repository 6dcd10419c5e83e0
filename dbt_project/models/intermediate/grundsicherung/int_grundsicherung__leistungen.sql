-- Grundsicherung bei Erwerbsminderung and HLU recipients per Gemeinde on the target Gebietsstand
-- (macro auf_gebietsstand).
{{ auf_gebietsstand(
    "(select *, cast(year(stichtag) as integer) as jahr from " ~ ref('stg_grundsicherung__leistungen') ~ " where length(ags) = 8)",
    'gemeinde', 'ags', 'jahr', 'anzahl', ['stichtag', 'jahr', 'ags', 'merkmal'],
    lineage=['ist_demodaten', 'datei', 'sha256', 'geladen_am'], ordnung='datei') }}
