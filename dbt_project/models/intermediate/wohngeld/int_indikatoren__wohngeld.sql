-- Indicator of the Wohngeld family, per Gemeinde and year (contract columns of int_indikatoren__gemeinde):
--   wohngeld_je_1000_haushalte  reine Wohngeldhaushalte at 31.12. / households at 31.12. (Melderegister,
--                               household generation; the stichtag the catalogue's stichtagsregel names,
--                               `stichtag_gleich`), × 1,000 (as INKAR "Wohngeldhaushalte", a_HHwg)
-- Values suppressed by the source (`.`) stay NULL with zaehler_unterdrueckt. No household extract for the
-- date: no row.
with wohngeld as (
    select * from {{ ref('int_wohngeld__haushalte') }}
),

haushalte as (
    select
        ags,
        stichtag,
        sum(haushalte) as haushalte,
        bool_or(coalesce(ist_demodaten, false)) as ist_demodaten
    from {{ ref('int_melderegister__haushalte') }}
    group by ags, stichtag
),

katalog as (
    select * from {{ ref('indikatoren') }} where indikator_id = 'wohngeld_je_1000_haushalte'
),

final as (
    select
        wohngeld.ags,
        cast(year(wohngeld.stichtag) as integer) as jahr,
        katalog.indikator_id,
        cast(wohngeld.wohngeldhaushalte as double) as zaehler,
        cast(haushalte.haushalte as double) as nenner,
        wohngeld.ist_unterdrueckt as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        {{ quelle_am("'Wohngeldstelle, Wohngeldhaushalte'", 'wohngeld.stichtag', 'wohngeld.ist_demodaten') }} as quelle,
        {{ quelle_am("'Melderegister, Haushalte'", 'haushalte.stichtag', 'haushalte.ist_demodaten') }} as nenner_quelle,
        (coalesce(wohngeld.ist_demodaten, false) or haushalte.ist_demodaten) as ist_demodaten
    from wohngeld
    cross join katalog
    inner join haushalte
        on wohngeld.ags = haushalte.ags
        and haushalte.stichtag
        = {{ nenner_stichtag('katalog.stichtagsregel', 'year(wohngeld.stichtag)', 'wohngeld.stichtag') }}
)

select * from final
