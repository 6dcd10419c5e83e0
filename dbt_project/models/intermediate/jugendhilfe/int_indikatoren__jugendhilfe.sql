-- Indicators of the youth-welfare family, per Gemeinde and year (contract columns of int_indikatoren__gemeinde):
--   hze_eckwert, hze_ambulant_eckwert, hze_stationaer_eckwert, erziehungsberatung_eckwert,
--   eingliederungshilfe_35a_eckwert                  count / E unter 21 (per 1,000)
--   junge_volljaehrige_eckwert                       § 41 count / E 18 bis unter 21 (per 1,000)
--   inobhutnahmen_je_1000_u18, gefaehrdungseinschaetzungen_je_1000_u18   count / E unter 18 (per 1,000)
--   anteil_akute_latente_gefaehrdung                 § 8a akut+latent / § 8a insgesamt (%, same export)
--   hze_anteil_transferleistung, hze_anteil_alleinerziehend
--                                                    HzE cases with transfer income / with a single parent
--                                                    / all HzE cases (hze_eckwert count; %, same export)
-- Population at 31.12. of the same year (catalogue stichtagsregel `stichtag_gleich`).
-- These are unprotected counts: the mart only gets them through intermediate/geheimhaltung.
with fallzahlen as (
    select * from {{ ref('int_jugendhilfe__fallzahlen') }}
),

nennerbaender as (
    select * from (values
        ('hze_eckwert', 'unter_21'),
        ('hze_ambulant_eckwert', 'unter_21'),
        ('hze_stationaer_eckwert', 'unter_21'),
        ('erziehungsberatung_eckwert', 'unter_21'),
        ('eingliederungshilfe_35a_eckwert', 'unter_21'),
        ('junge_volljaehrige_eckwert', '18_bis_unter_21'),
        ('inobhutnahmen_je_1000_u18', 'unter_18'),
        ('gefaehrdungseinschaetzungen_je_1000_u18', 'unter_18')
    ) as n (indikator_id, nenner_band)
),

zaehler as (
    select
        fallzahlen.ags,
        fallzahlen.jahr,
        make_date(fallzahlen.jahr, 12, 31) as stichtag,
        nennerbaender.indikator_id,
        nennerbaender.nenner_band,
        fallzahlen.anzahl as zaehler,
        false as zaehler_unterdrueckt,
        fallzahlen.quelle,
        fallzahlen.ist_demodaten
    from fallzahlen
    inner join nennerbaender on fallzahlen.kennzahl = nennerbaender.indikator_id
),

bevoelkerungsbezogen as (
    {{ mit_bevoelkerungsnenner('zaehler') }}
),

-- shares of one count in another (both confidential counts of the same export): numerator Kennzahl,
-- denominator Kennzahl (itself an indicator whose count disclosure control protects), indicator
anteile_def as (
    select * from (values
        ('gefaehrdungen_akut_latent', 'gefaehrdungseinschaetzungen_je_1000_u18', 'anteil_akute_latente_gefaehrdung'),
        ('hze_mit_transferleistung', 'hze_eckwert', 'hze_anteil_transferleistung'),
        ('hze_alleinerziehend', 'hze_eckwert', 'hze_anteil_alleinerziehend')
    ) as a (teil_kennzahl, gesamt_kennzahl, indikator_id)
),

anteile as (
    select
        teil.ags,
        teil.jahr,
        anteile_def.indikator_id,
        cast(teil.anzahl as double) as zaehler,
        cast(gesamt.anzahl as double) as nenner,
        false as zaehler_unterdrueckt,
        false as nenner_unterdrueckt,
        teil.quelle,
        gesamt.quelle as nenner_quelle,
        teil.ist_demodaten
    from fallzahlen as teil
    inner join anteile_def on teil.kennzahl = anteile_def.teil_kennzahl
    inner join fallzahlen as gesamt
        on teil.ags = gesamt.ags
        and teil.jahr = gesamt.jahr
        and gesamt.kennzahl = anteile_def.gesamt_kennzahl
)

select * from bevoelkerungsbezogen
union all
select * from anteile
