-- Per Kreis of the region × Berichtsmonat × SGB II indicator: the numerator (and a same-table denominator) read
-- from the Kreis total row of the BA table (int_sgb2__kreis_monatswerte), the merkmale the indicator models
-- divide (int_indikatoren__sgb2, int_sgb2__monatsindikatoren). The BA prints this row also when it suppresses
-- (`*`) single Gemeinden; the annual (int_indikatoren__kreisquelle) and the monthly aggregation (mart
-- sgb2_monatswerte) use it for a Kreis whose Gemeinde sum is suppressed. Suppressed Kreis cells have no row.
with kreiszeilen as (
    select * from {{ ref('int_sgb2__kreis_monatswerte') }}
),

-- indicator → merkmal of its numerator (and of a denominator from the same table; NULL: population)
zuordnung as (
    select * from (values
        ('sgb2_quote', 'lb_insgesamt', cast(null as varchar)),
        ('kinderarmut', 'nef_unter_15', null),
        ('alleinerziehende_bg_anteil', 'bg_alleinerziehende', 'bg_insgesamt')
    ) as z (indikator_id, zaehler_merkmal, nenner_merkmal)
),

final as (
    select
        zaehler_zeile.ags as kreis_ags,
        zaehler_zeile.berichtsmonat as monat,
        cast(year(zaehler_zeile.berichtsmonat) as integer) as jahr,
        zuordnung.indikator_id,
        cast(zaehler_zeile.wert as double) as zaehler,
        cast(nenner_zeile.wert as double) as nenner,
        coalesce(zaehler_zeile.ist_demodaten, false) as ist_demodaten
    from zuordnung
    inner join kreiszeilen as zaehler_zeile on zuordnung.zaehler_merkmal = zaehler_zeile.merkmal
    left join kreiszeilen as nenner_zeile
        on zuordnung.nenner_merkmal = nenner_zeile.merkmal
        and zaehler_zeile.ags = nenner_zeile.ags
        and zaehler_zeile.berichtsmonat = nenner_zeile.berichtsmonat
    where
        not zaehler_zeile.ist_unterdrueckt
        and (zuordnung.nenner_merkmal is null or not coalesce(nenner_zeile.ist_unterdrueckt, true))
)

select * from final
