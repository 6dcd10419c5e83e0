-- Grundsicherung indicators per Ortsteil × year from the Sozialamt's Ortsteil counts (stg_grundsicherung__ortsteile),
-- the same formula as the Gemeinde rows of int_indikatoren__grundsicherung:
--   altersarmut  Empfänger Grundsicherung im Alter 65+ at 31.12. / Melderegister residents 65+ of the Ortsteil at
--                the same 31.12. (macro ortsteil_nenner: int_melderegister__ortsteil_einwohner, the one home of the
--                Ortsteil population)
-- Contract columns of int_indikatoren__ortsteil. Unprotected counts (the Sozialamt's internal figures, confidential:
-- catalogue geheim_ab_ebene): int_indikatoren__aggregiert adds them as gebiet_ebene 'ortsteil', and they pass
-- primary and secondary disclosure control (intermediate/geheimhaltung). Where the Gemeinde file suppresses the
-- Gemeinde's value ('.'), its Ortsteile are suppressed as well: their sum would reveal it.
with zaehler as (
    select
        ags || ortsteil as ortsteil_id,
        ags,
        stichtag,
        cast(year(stichtag) as integer) as jahr,
        'altersarmut' as indikator_id,
        anzahl,
        {{ quelle_am(
            "'Sozialamt, Grundsicherung im Alter SGB XII Kap. 4, Ortsteilzahlen'", 'stichtag', 'ist_demodaten'
        ) }} as quelle,
        ist_demodaten
    from {{ ref('stg_grundsicherung__ortsteile') }}
    where merkmal = 'empfaenger_65_plus'
),

nennerbaender as (
    select * from (values ('altersarmut', 65, 1000)) as b (indikator_id, alter_von, alter_bis)
),

-- Gemeinde × Stichtag whose value the Sozialamt suppressed
unterdrueckt as (
    select ags, stichtag
    from {{ ref('int_grundsicherung__empfaenger') }}
    where ist_unterdrueckt and length(ags) = 8
),

-- count → indicator over the residents of the same 31.12. (macro ortsteil_quoten)
final as (
    {{ ortsteil_quoten('nennerbaender', 'zaehler.stichtag', ['ags', 'stichtag']) }}
)

select * from final
