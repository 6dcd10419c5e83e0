-- mart.kreis_abgleich: reconciliation of Σ Gemeinden against the official Kreis row of the same
-- table, period and column (merkmal). The difference is always shown, never hidden or corrected:
-- status 'abgeglichen' (difference 0), 'differenz', 'nicht_pruefbar' (a value suppressed),
-- 'kreiszeile_fehlt' (no Kreis row delivered) or 'gemeinden_fehlen' (Kreis row but no Gemeinden).
with werte as (
    select * from {{ ref('int_genesis__werte') }}
),

kreise as (
    select
        ags as kreis_ags,
        gebiet_name as kreis_name,
        tabelle, zeit, jahr, merkmal,
        wert as wert_kreis,
        ist_unterdrueckt as kreis_unterdrueckt,
        datei,
        ist_demodaten
    from werte
    where gebiet_ebene = 'kreis'
),

gemeinden as (
    select
        left(ags, 5) as kreis_ags,
        tabelle, zeit, jahr, merkmal,
        sum(wert) as summe_gemeinden,
        count(*) as anzahl_gemeinden,
        count(*) filter (where ist_unterdrueckt) as anzahl_gemeinden_unterdrueckt,
        any_value(datei) as datei,
        bool_or(ist_demodaten) as ist_demodaten
    from werte
    where gebiet_ebene = 'gemeinde'
    group by left(ags, 5), tabelle, zeit, jahr, merkmal
),

verglichen as (
    select
        coalesce(kreise.kreis_ags, gemeinden.kreis_ags) as kreis_ags,
        coalesce(kreise.kreis_name, namen.kreis_name) as kreis_name,
        coalesce(kreise.tabelle, gemeinden.tabelle) as tabelle,
        coalesce(kreise.zeit, gemeinden.zeit) as zeit,
        coalesce(kreise.jahr, gemeinden.jahr) as jahr,
        coalesce(kreise.merkmal, gemeinden.merkmal) as merkmal,
        kreise.wert_kreis,
        gemeinden.summe_gemeinden,
        gemeinden.summe_gemeinden - kreise.wert_kreis as differenz,
        coalesce(gemeinden.anzahl_gemeinden, 0) as anzahl_gemeinden,
        coalesce(gemeinden.anzahl_gemeinden_unterdrueckt, 0) as anzahl_gemeinden_unterdrueckt,
        coalesce(kreise.kreis_unterdrueckt, false) as kreis_unterdrueckt,
        case
            when kreise.kreis_ags is null then 'kreiszeile_fehlt'
            when gemeinden.kreis_ags is null then 'gemeinden_fehlen'
            when kreise.kreis_unterdrueckt or gemeinden.anzahl_gemeinden_unterdrueckt > 0 then 'nicht_pruefbar'
            when gemeinden.summe_gemeinden = kreise.wert_kreis then 'abgeglichen'
            else 'differenz'
        end as status,
        coalesce(kreise.datei, gemeinden.datei) as datei,
        coalesce(kreise.ist_demodaten, false) or coalesce(gemeinden.ist_demodaten, false) as ist_demodaten
    from kreise
    full outer join gemeinden
        on kreise.kreis_ags = gemeinden.kreis_ags
        and kreise.tabelle = gemeinden.tabelle
        and kreise.zeit = gemeinden.zeit
        and kreise.merkmal = gemeinden.merkmal
    left join {{ ref('int_gebiet__kreise') }} as namen
        on namen.kreis_ags = coalesce(kreise.kreis_ags, gemeinden.kreis_ags)
)

select * from verglichen
