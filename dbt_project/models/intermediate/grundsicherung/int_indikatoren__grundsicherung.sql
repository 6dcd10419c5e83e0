-- Indicators of the Grundsicherung family, per Gemeinde and year (contract columns of int_indikatoren__gemeinde):
--   altersarmut  Empfänger Grundsicherung im Alter 65+ at 31.12. / E 65+ at the same 31.12.
-- Values suppressed by the source (`.`) stay NULL with zaehler_unterdrueckt.
with empfaenger as (
    select * from {{ ref('int_grundsicherung__empfaenger') }}
    where length(ags) = 8
),

zaehler as (
    select
        ags,
        cast(year(stichtag) as integer) as jahr,
        stichtag,
        'altersarmut' as indikator_id,
        '65_plus' as nenner_band,
        empfaenger_65_plus as zaehler,
        ist_unterdrueckt as zaehler_unterdrueckt,
        {{ quelle_am("'Sozialamt, Grundsicherung im Alter SGB XII Kap. 4'", 'stichtag', 'ist_demodaten') }} as quelle,
        ist_demodaten
    from empfaenger
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
)

select * from bevoelkerungsbezogen
