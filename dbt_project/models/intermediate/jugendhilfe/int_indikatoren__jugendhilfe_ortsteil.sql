-- Youth-welfare indicators per Ortsteil × year: the population-based rates of int_indikatoren__jugendhilfe
-- (count per 1,000 residents of the age band), with the Ortsteil's case count (int_jugendhilfe__ortsteil_fallzahlen)
-- over its Melderegister residents at 31.12. of the year (as int_indikatoren__ortsteil: Gemeinden whose extract
-- carries an Ortsteil of the region profile in every row). The shares of one count in another
-- (anteil_akute_latente_gefaehrdung, hze_anteil_*) stay at Gemeinde level (catalogue niedrigste_ebene).
-- Contract columns of int_indikatoren__ortsteil. Unprotected counts: the mart only gets them through
-- intermediate/geheimhaltung (Ortsteil cells take part in primary and secondary suppression).
with fallzahlen as (
    select * from {{ ref('int_jugendhilfe__ortsteil_fallzahlen') }}
),

nennerbaender as (
    select * from (values
        ('hze_eckwert', 0, 21),
        ('hze_ambulant_eckwert', 0, 21),
        ('hze_stationaer_eckwert', 0, 21),
        ('erziehungsberatung_eckwert', 0, 21),
        ('eingliederungshilfe_35a_eckwert', 0, 21),
        ('junge_volljaehrige_eckwert', 18, 21),
        ('inobhutnahmen_je_1000_u18', 0, 18),
        ('gefaehrdungseinschaetzungen_je_1000_u18', 0, 18)
    ) as n (indikator_id, alter_von, alter_bis)
),

nenner as (
    {{ ortsteil_nenner('nennerbaender') }}
),

final as (
    select
        fallzahlen.ortsteil_id,
        fallzahlen.ags,
        fallzahlen.jahr,
        fallzahlen.kennzahl as indikator_id,
        cast(fallzahlen.anzahl as double) as zaehler,
        cast(nenner.nenner as double) as nenner,
        false as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        fallzahlen.quelle,
        {{ quelle_am("'Melderegister'", 'nenner.stichtag', 'nenner.ist_demodaten') }} as nenner_quelle,
        fallzahlen.ist_demodaten
    from fallzahlen
    inner join nenner
        on fallzahlen.ortsteil_id = nenner.ortsteil_id
        and fallzahlen.jahr = nenner.jahr
        and fallzahlen.kennzahl = nenner.indikator_id
)

select * from final
