-- Melderegister residents per Gemeinde, Ortsteil, sex, age and nationality on the target Gebietsstand (macro
-- auf_gebietsstand, population shares): an extract of a year before a merger counts for today's Gemeinde.
{{ auf_gebietsstand(
    "(select *, cast(year(stichtag) as integer) as jahr from " ~ ref('stg_melderegister__einwohner') ~ ")",
    'gemeinde', 'ags', 'jahr', 'einwohner', ['stichtag', 'jahr', 'ags', 'ortsteil', 'geschlecht', '"alter"', 'staatsangehoerigkeit'],
    lineage=['datei', 'sha256', 'geladen_am', 'ist_demodaten'], marker=none, ordnung='datei') }}
