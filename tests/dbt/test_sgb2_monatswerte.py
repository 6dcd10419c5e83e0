"""The monthly SGB II mart (mart.sgb2_monatswerte, issue 12 "Months") in the demo build.

Every figure is recomputed here from the delivered SGB II rows (raw.sgb2__gemeinde_monat, the current valid
delivery of each month) and the population bands of the working database, with the reference-date rule
written out in Python: January to November divide by the population at the 31.12. of the previous year,
December by the population at its own 31.12. — so December equals the annual value, whose rule (December
report, population at the same 31.12.) must not change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import pytest

MERKMAL = {"sgb2_quote": ("lb_insgesamt", "unter_65"), "kinderarmut": ("nef_unter_15", "unter_15")}


@pytest.fixture(scope="module")
def marts(demo_build):
    published = duckdb.connect(str(demo_build.published), read_only=True)
    warehouse = duckdb.connect(str(demo_build.warehouse), read_only=True)
    yield published, warehouse
    published.close()
    warehouse.close()


def _nenner_stichtag(monat: dt.date) -> dt.date:
    return dt.date(monat.year if monat.month == 12 else monat.year - 1, 12, 31)


def _delivered(warehouse) -> dict[tuple[str, dt.date, str], int | None]:
    """(ags, month, merkmal) -> value of the current valid delivery of the month (None: suppressed `*`); the
    Gemeinden (8 digits) and the BA's Kreis total row (5 digits)."""
    rows = warehouse.execute("""
        WITH gueltig AS (
            SELECT * FROM raw.sgb2__gemeinde_monat
            WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen WHERE familie = 'sgb2')
        ),
        aktuell AS (
            SELECT berichtsmonat, arg_max(sha256, geladen_am) AS sha256 FROM gueltig GROUP BY berichtsmonat
        )
        SELECT g.ags, g.berichtsmonat, g.merkmal, g.wert FROM gueltig g JOIN aktuell USING (berichtsmonat, sha256)
        WHERE length(g.ags) IN (5, 8) AND g.merkmal IN ('lb_insgesamt', 'nef_unter_15')""").fetchall()
    return {(a, m, k): w for a, m, k, w in rows}


def _bands(warehouse) -> dict[tuple[str, dt.date, str], float | None]:
    return {(a, s, b): e for a, s, b, e in warehouse.execute(
        "SELECT ags, stichtag, altersband, einwohner FROM intermediate.int_bevoelkerung__altersbaender "
        "WHERE altersband IN ('unter_65', 'unter_15')").fetchall()}


def test_every_delivered_month_is_kept(marts):
    published, warehouse = marts
    delivered = {m for (_, m, _) in _delivered(warehouse)}
    for ebene in ("gemeinde", "sozialraum", "kreis"):
        for indikator in MERKMAL:
            months = {r[0] for r in published.execute(
                "SELECT DISTINCT monat FROM mart.sgb2_monatswerte WHERE gebiet_ebene = ? AND indikator_id = ?",
                [ebene, indikator]).fetchall()}
            assert months == delivered, (ebene, indikator, sorted(delivered - months)[:5])
    assert len(delivered) > 12 and {m.month for m in delivered} == set(range(1, 13))
    # the annual mart still has one row per year (the December report), not per month
    years = {r[0] for r in published.execute(
        "SELECT DISTINCT jahr FROM mart.sozialraum_indikatoren WHERE indikator_id = 'sgb2_quote'").fetchall()}
    assert years == {m.year for m in delivered if m.month == 12}


def test_monthly_values_are_recomputed_from_the_deliveries(marts):
    published, warehouse = marts
    delivered, bands = _delivered(warehouse), _bands(warehouse)
    areas = dict(published.execute("SELECT DISTINCT gebiet_id, sozialraum_id FROM mart.dim_gebiet "
                                   "WHERE gebiet_ebene = 'gemeinde'").fetchall())
    kreis = published.execute("SELECT DISTINCT gebiet_id FROM mart.dim_gebiet WHERE gebiet_ebene = 'kreis'").fetchone()[0]
    mart = {(e, g, m, i): (w, z, n, u, s) for e, g, m, i, w, z, n, u, s in published.execute(
        "SELECT gebiet_ebene, gebiet_id, monat, indikator_id, wert, zaehler, nenner, ist_unterdrueckt, nenner_stichtag "
        "FROM mart.sgb2_monatswerte").fetchall()}
    sums: dict[tuple, list] = defaultdict(lambda: [0.0, 0.0, False, 0])
    checked = 0
    for (ags, monat, merkmal), wert in delivered.items():
        if ags not in areas:
            continue
        for indikator, (m, band) in MERKMAL.items():
            if m != merkmal:
                continue
            stichtag = _nenner_stichtag(monat)
            nenner = bands[(ags, stichtag, band)]
            got = mart[("gemeinde", ags, monat, indikator)]
            assert got[2] == nenner and got[4] == stichtag, (ags, monat, indikator, got)
            if wert is None:
                assert got[0] is None and got[1] is None and got[3] is True, (ags, monat, indikator, got)
            else:
                assert got[1] == wert and got[3] is False
                assert got[0] == pytest.approx(wert / nenner * 100, rel=1e-12)
            for key in (("sozialraum", areas[ags]), ("kreis", kreis)):
                acc = sums[(*key, monat, indikator)]
                acc[0] += wert or 0
                acc[1] += nenner
                acc[2] |= wert is None
                acc[3] += 1
            checked += 1
    assert checked > 1000
    replaced = 0
    for (ebene, gid, monat, indikator), (zaehler, nenner, unterdrueckt, _) in sums.items():
        wert, z, n, u, _ = mart[(ebene, gid, monat, indikator)]
        assert n == nenner, (ebene, gid, monat, indikator)
        if unterdrueckt and ebene == "kreis":
            # a suppressed Gemeinde: the Kreis takes the BA's own Kreis row, over the summed population
            kreiszeile = delivered[(gid, monat, MERKMAL[indikator][0])]
            assert u is False and z == kreiszeile, (gid, monat, indikator, z, kreiszeile)
            assert wert == pytest.approx(kreiszeile / nenner * 100, rel=1e-12)
            replaced += 1
        elif unterdrueckt:
            assert u is True and wert is None and z is None
        else:
            assert u is False and z == zaehler and wert == pytest.approx(zaehler / nenner * 100, rel=1e-12)
    assert replaced > 0


def test_december_is_the_annual_value_and_the_annual_rule_is_unchanged(marts):
    published, _ = marts
    dezember = {(e, g, j, i): (w, z, n, u, q, nq) for e, g, j, i, w, z, n, u, q, nq in published.execute(
        "SELECT gebiet_ebene, gebiet_id, jahr, indikator_id, wert, zaehler, nenner, ist_unterdrueckt, quelle, nenner_quelle "
        "FROM mart.sgb2_monatswerte WHERE monat_nr = 12").fetchall()}
    jahr = {(e, g, j, i): (w, z, n, u, q, nq) for e, g, j, i, w, z, n, u, q, nq in published.execute(
        "SELECT gebiet_ebene, gebiet_id, jahr, indikator_id, wert, zaehler, nenner, ist_unterdrueckt, quelle, nenner_quelle "
        # every level, the Jobcenter's Ortsteile included (with the same disclosure-control decisions)
        "FROM mart.sozialraum_indikatoren WHERE indikator_id IN ('sgb2_quote', 'kinderarmut')").fetchall()}
    assert dezember and dezember == jahr
    ortsteile = {k: v for k, v in dezember.items() if k[0] == "ortsteil"}
    assert ortsteile and any(v[3] for v in ortsteile.values()) and not all(v[3] for v in ortsteile.values())
    # the annual value divides the December report by the population at the same 31.12.; the other months
    # by the population at the 31.12. of the previous year
    for (_, _, j, _), (*_, quelle, nenner_quelle) in jahr.items():
        assert f"Dezember {j}" in quelle and f"(31.12.{j})" in nenner_quelle, (quelle, nenner_quelle)
    januar = published.execute("SELECT jahr, nenner_quelle, quelle FROM mart.sgb2_monatswerte WHERE monat_nr = 1 "
                               "AND gebiet_ebene = 'gemeinde'").fetchall()
    assert januar and all(f"(31.12.{j - 1})" in nq and f"Januar {j}" in q for j, nq, q in januar)


def test_report_table_carries_every_monthly_row(marts):
    published, _ = marts
    n_mart, n_rpt, falsch = published.execute("""
        SELECT (SELECT count(*) FROM mart.sgb2_monatswerte), (SELECT count(*) FROM mart.rpt_monatswerte),
               (SELECT count(*) FROM mart.rpt_monatswerte r JOIN mart.sgb2_monatswerte k
                  ON k.gebiet_ebene = 'kreis' AND k.gebiet_id = r.kreis_ags AND k.monat = r.monat
                 AND k.indikator_id = r.indikator_id
                WHERE r.kreis_wert IS DISTINCT FROM k.wert OR r.abweichung_kreis IS DISTINCT FROM r.wert - k.wert)""").fetchone()
    assert n_mart == n_rpt > 0 and falsch == 0
    vorjahr = published.execute("""
        SELECT count(*) FILTER (WHERE r.vorjahresmonat_wert IS DISTINCT FROM v.wert), count(v.wert)
        FROM mart.rpt_monatswerte r LEFT JOIN mart.sgb2_monatswerte v
          ON v.gebiet_ebene = r.gebiet_ebene AND v.gebiet_id = r.gebiet_id AND v.indikator_id = r.indikator_id
         AND v.monat = r.monat - INTERVAL 1 YEAR""").fetchone()
    assert vorjahr[0] == 0 and vorjahr[1] > 0


def test_monthly_ortsteil_values_are_recomputed_and_protected(marts):
    """Ortsteil rows per month: the Jobcenter's count of the month over the Ortsteil's Melderegister residents
    under 65 / under 15 at the 31.12. before the month (December: the same 31.12.), as the Gemeinden; the Ortsteile
    of a Gemeinde whose month the BA suppressed are suppressed; small counts are never published (disclosure control
    per Kreis × month) and the suppression is not only the primary one; every Ortsteil row is confidential."""
    published, warehouse = marts
    counts = {(a + o, m, k): w for a, o, m, k, w in warehouse.execute(
        "SELECT ags, ortsteil, berichtsmonat, merkmal, wert FROM staging.stg_sgb2__ortsteil_monatswerte").fetchall()}
    residents = {(o, s, b): n for o, s, b, n in warehouse.execute("""
        SELECT ortsteil_id, stichtag, b.band, sum(einwohner)
        FROM intermediate.int_melderegister__ortsteil_einwohner
        JOIN (VALUES ('unter_65', 65), ('unter_15', 15)) AS b (band, bis) ON alter < b.bis
        GROUP BY ALL""").fetchall()}
    ba_suppressed = {(a, m, k) for a, m, k in warehouse.execute(
        "SELECT ags, berichtsmonat, merkmal FROM staging.stg_sgb2__gemeinde_monatswerte "
        "WHERE ist_unterdrueckt AND gebiet_ebene = 'gemeinde'").fetchall()}
    rows = published.execute(
        "SELECT gebiet_id, monat, indikator_id, wert, zaehler, nenner, ist_unterdrueckt, nenner_stichtag "
        "FROM mart.sgb2_monatswerte WHERE gebiet_ebene = 'ortsteil'").fetchall()
    assert len({r[1] for r in rows}) > 12
    shown = hidden = primary = by_ba = 0
    for gid, monat, indikator, wert, zaehler, nenner, unterdrueckt, stichtag in rows:
        merkmal, band = MERKMAL[indikator]
        assert stichtag == _nenner_stichtag(monat)
        expected_n = residents[(gid, stichtag, band)]
        if (gid[:8], monat, merkmal) in ba_suppressed:
            assert unterdrueckt and zaehler is None and wert is None, (gid, monat, indikator)
            by_ba += 1
            continue
        if unterdrueckt:
            assert zaehler is None and wert is None and (nenner == expected_n or (nenner is None and expected_n < 3))
            count = counts[(gid, monat, merkmal)]
            if 0 < count < 3 or 0 < expected_n < 3:
                primary += 1
            else:
                hidden += 1  # a complement (secondary suppression)
        else:
            assert zaehler == counts[(gid, monat, merkmal)] and nenner == expected_n, (gid, monat, indikator)
            assert wert == pytest.approx(zaehler / nenner * 100, rel=1e-12)
            assert not 0 < zaehler < 3, (gid, monat, indikator, zaehler)
            shown += 1
    # published cells, small cells suppressed, and their complements (a single suppressed Ortsteil of a Gemeinde
    # would be the Gemeinde's public value minus the others)
    assert shown > 0 and primary > 0 and hidden > 0, (shown, primary, hidden, by_ba)
    klassen = dict(published.execute("SELECT gebiet_ebene, string_agg(DISTINCT datenklasse, ',') "
                                     "FROM mart.rpt_monatswerte GROUP BY ALL").fetchall())
    assert klassen["ortsteil"] == "vertraulich"
    assert klassen["gemeinde"] == klassen["sozialraum"] == klassen["kreis"] == "oeffentlich"
