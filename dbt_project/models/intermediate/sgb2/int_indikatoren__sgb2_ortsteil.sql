-- SGB II indicators per Ortsteil × year from the kommunale Jobcenter's Ortsteil counts (stg_sgb2__ortsteil_monatswerte,
-- December report = stock at 31.12., like the yearly Gemeinde rows of int_indikatoren__sgb2):
--   sgb2_quote   Leistungsberechtigte insgesamt / Melderegister residents under 65 of the Ortsteil at 31.12.
--   kinderarmut  NEF unter 15 / Melderegister residents under 15 of the Ortsteil at 31.12.
-- Denominators as int_indikatoren__jugendhilfe_ortsteil: Gemeinden whose Melderegister extract carries an Ortsteil of
-- the region profile in every row. Contract columns of int_indikatoren__ortsteil. Unprotected counts (the
-- Jobcenter's internal figures, confidential): not yet part of int_indikatoren__aggregiert (issue 12 — first the
-- disclosure control must treat these Ortsteil cells as confidential while the Gemeinde rows stay public).
with dezember as (
    select
        ags,
        ags || ortsteil as ortsteil_id,
        cast(year(berichtsmonat) as integer) as jahr,
        merkmal,
        wert,
        ist_demodaten
    from {{ ref('stg_sgb2__ortsteil_monatswerte') }}
    where month(berichtsmonat) = 12
),

zaehler as (
    select
        ortsteil_id,
        ags,
        jahr,
        case merkmal when 'lb_insgesamt' then 'sgb2_quote' else 'kinderarmut' end as indikator_id,
        case merkmal when 'lb_insgesamt' then 65 else 15 end as alter_bis,
        wert as anzahl,
        'Kommunales Jobcenter, SGB-II-Ortsteilzahlen, Dezember ' || jahr
            || case when ist_demodaten then ', Demodaten' else '' end as quelle,
        ist_demodaten
    from dezember
    where merkmal in ('lb_insgesamt', 'nef_unter_15')
),

baender as (
    select * from (values (65), (15)) as b (alter_bis)
),

ortsteile as (
    select ortsteil_id from {{ ref('stg_region__ortsteile') }}
),

einwohner as (
    select
        *,
        ags || ortsteil as ortsteil_id
    from {{ ref('int_melderegister__einwohner') }}
    where month(stichtag) = 12 and day(stichtag) = 31
),

-- Gemeinde × Stichtag whose every Melderegister row carries an Ortsteil of the region profile
vollstaendig as (
    select ags, stichtag
    from einwohner
    group by ags, stichtag
    having bool_and(ortsteil_id is not null and ortsteil_id in (select o.ortsteil_id from ortsteile as o))
),

nenner as (
    select
        einwohner.ortsteil_id,
        cast(year(einwohner.stichtag) as integer) as jahr,
        einwohner.stichtag,
        baender.alter_bis,
        sum(einwohner.einwohner) as nenner,
        bool_or(coalesce(einwohner.ist_demodaten, false)) as ist_demodaten
    from einwohner
    inner join vollstaendig on einwohner.ags = vollstaendig.ags and einwohner.stichtag = vollstaendig.stichtag
    inner join baender on einwohner.alter < baender.alter_bis
    group by all
),

final as (
    select
        zaehler.ortsteil_id,
        zaehler.ags,
        zaehler.jahr,
        zaehler.indikator_id,
        cast(zaehler.anzahl as double) as zaehler,
        cast(nenner.nenner as double) as nenner,
        false as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        zaehler.quelle,
        {{ quelle_am("'Melderegister'", 'nenner.stichtag', 'nenner.ist_demodaten') }} as nenner_quelle,
        zaehler.ist_demodaten
    from zaehler
    inner join nenner
        on zaehler.ortsteil_id = nenner.ortsteil_id
        and zaehler.jahr = nenner.jahr
        and zaehler.alter_bis = nenner.alter_bis
)

select * from final
