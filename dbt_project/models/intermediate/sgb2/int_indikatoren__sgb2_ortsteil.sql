-- SGB II indicators per Ortsteil × year from the kommunale Jobcenter's Ortsteil counts (stg_sgb2__ortsteil_monatswerte,
-- December report = stock at 31.12., like the yearly Gemeinde rows of int_indikatoren__sgb2):
--   sgb2_quote   Leistungsberechtigte insgesamt / Melderegister residents under 65 of the Ortsteil at 31.12.
--   kinderarmut  NEF unter 15 / Melderegister residents under 15 of the Ortsteil at 31.12.
-- Denominators as int_indikatoren__jugendhilfe_ortsteil: Gemeinden whose Melderegister extract carries an Ortsteil of
-- the region profile in every row. Contract columns of int_indikatoren__ortsteil. Unprotected counts (the
-- Jobcenter's internal figures, confidential: catalogue geheim_ab_ebene): int_indikatoren__aggregiert adds them as
-- gebiet_ebene 'ortsteil', and they pass primary and secondary disclosure control (intermediate/geheimhaltung).
-- Where the BA's workbook suppresses the Gemeinde's December value ('*'), its Ortsteile are suppressed as well
-- (zaehler_unterdrueckt): their sum would reveal the cell the BA keeps secret.
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

-- Gemeinde × year × indicator whose December value the BA suppressed
ba_unterdrueckt as (
    select
        ags,
        cast(year(berichtsmonat) as integer) as jahr,
        case merkmal when 'lb_insgesamt' then 'sgb2_quote' else 'kinderarmut' end as indikator_id
    from {{ ref('stg_sgb2__gemeinde_monatswerte') }}
    where
        month(berichtsmonat) = 12 and ist_unterdrueckt and gebiet_ebene = 'gemeinde'
        and merkmal in ('lb_insgesamt', 'nef_unter_15')
),

einwohner as (
    select * from {{ ref('int_melderegister__ortsteil_einwohner') }}
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
    inner join baender on einwohner.alter < baender.alter_bis
    group by all
),

final as (
    select
        zaehler.ortsteil_id,
        zaehler.ags,
        zaehler.jahr,
        zaehler.indikator_id,
        case when ba_unterdrueckt.ags is null then cast(zaehler.anzahl as double) end as zaehler,
        cast(nenner.nenner as double) as nenner,
        ba_unterdrueckt.ags is not null as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        zaehler.quelle,
        {{ quelle_am("'Melderegister'", 'nenner.stichtag', 'nenner.ist_demodaten') }} as nenner_quelle,
        zaehler.ist_demodaten
    from zaehler
    inner join nenner
        on zaehler.ortsteil_id = nenner.ortsteil_id
        and zaehler.jahr = nenner.jahr
        and zaehler.alter_bis = nenner.alter_bis
    left join ba_unterdrueckt
        on zaehler.ags = ba_unterdrueckt.ags
        and zaehler.jahr = ba_unterdrueckt.jahr
        and zaehler.indikator_id = ba_unterdrueckt.indikator_id
)

select * from final
