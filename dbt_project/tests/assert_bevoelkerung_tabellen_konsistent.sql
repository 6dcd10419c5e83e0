{{ config(severity='warn') }}
-- The population total of a Gemeinde at a 31.12. should be the same in GENESIS 12411-01-01-5 and in
-- the total column of 12411-02-03-5 (both Fortschreibung). Reported as a warning: the bands use
-- 12411-01-01-5 for the total and 12411-02-03-5 for the age bands, so a difference would show up in
-- the shares.
with gesamt as (
    select ags, stichtag, einwohner
    from {{ ref('stg_genesis__bevoelkerung') }}
    where gebiet_ebene = 'gemeinde' and geschlecht = 'insgesamt'
),

altersgruppen as (
    select ags, stichtag, einwohner
    from {{ ref('stg_genesis__bevoelkerung_altersgruppen') }}
    where gebiet_ebene = 'gemeinde' and geschlecht = 'insgesamt' and altersgruppe = 'insgesamt'
)

select gesamt.ags, gesamt.stichtag, gesamt.einwohner as einwohner_12411_01_01_5,
    altersgruppen.einwohner as einwohner_12411_02_03_5
from gesamt
inner join altersgruppen using (ags, stichtag)
where gesamt.einwohner is distinct from altersgruppen.einwohner
