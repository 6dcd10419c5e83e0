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

nenner as (
    {{ ortsteil_nenner('nennerbaender') }}
),

-- Gemeinde × Stichtag whose value the Sozialamt suppressed
unterdrueckt as (
    select ags, stichtag
    from {{ ref('int_grundsicherung__empfaenger') }}
    where ist_unterdrueckt and length(ags) = 8
),

final as (
    select
        zaehler.ortsteil_id,
        zaehler.ags,
        zaehler.jahr,
        zaehler.indikator_id,
        case when unterdrueckt.ags is null then cast(zaehler.anzahl as double) end as zaehler,
        cast(nenner.nenner as double) as nenner,
        unterdrueckt.ags is not null as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        zaehler.quelle,
        {{ quelle_am("'Melderegister'", 'nenner.stichtag', 'nenner.ist_demodaten') }} as nenner_quelle,
        zaehler.ist_demodaten
    from zaehler
    inner join nenner
        on
            zaehler.ortsteil_id = nenner.ortsteil_id
            and zaehler.stichtag = nenner.stichtag
            and zaehler.indikator_id = nenner.indikator_id
    left join unterdrueckt
        on zaehler.ags = unterdrueckt.ags and zaehler.stichtag = unterdrueckt.stichtag
)

select * from final
