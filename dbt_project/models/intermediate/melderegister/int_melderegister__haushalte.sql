-- Melderegister households per Gemeinde, Ortsteil and household type on the target Gebietsstand (macro
-- auf_gebietsstand, population shares): households of a year before a merger count for today's Gemeinde.
{{ auf_gebietsstand(
    "(select *, cast(year(stichtag) as integer) as jahr from " ~ ref('stg_melderegister__haushalte') ~ ")",
    'gemeinde', 'ags', 'jahr', 'haushalte', ['stichtag', 'jahr', 'ags', 'ortsteil', 'haushaltstyp'],
    lineage=['datei', 'sha256', 'geladen_am', 'ist_demodaten'], marker=none, ordnung='datei') }}
