"""SGB II indicators at Ortsteil level (issue 12, the kommunale Jobcenter's `sgb2_ortsteile_YYYYMM.csv`): the Ortsteil
numerators add up to the Gemeinde numerators of the BA workbook, the Gemeinde rows stay public, the Ortsteil rows are
confidential (data class, disclosure control) and never in the public dataset. The attacker test
(test_geheimhaltung.py) attacks the published file with these cells present."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

YEAR = 2020


@pytest.fixture(scope="module")
def delivered(delivery_rows) -> dict[str, Counter]:
    """lb_insgesamt and nef_unter_15 of December YEAR per Ortsteil id, straight from the delivery file."""
    out = {"sgb2_quote": Counter(), "kinderarmut": Counter()}
    for r in delivery_rows("sgb2", f"sgb2_ortsteile_{YEAR}12.csv"):
        out["sgb2_quote"][r["ags"] + r["ortsteil"]] += int(r["lb_insgesamt"])
        out["kinderarmut"][r["ags"] + r["ortsteil"]] += int(r["nef_unter_15"])
    assert len(out["sgb2_quote"]) == 57
    return out


def test_ortsteil_sums_equal_the_gemeinde_numerators(demo_build, delivered):
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        ortsteile = con.execute(
            "SELECT ortsteil_id, indikator_id, zaehler, zaehler_unterdrueckt FROM "
            "intermediate.int_indikatoren__sgb2_ortsteil WHERE jahr = ?", [YEAR]).fetchall()
        gemeinden = {(a, i): z for a, i, z in con.execute(
            "SELECT gebiet_id, indikator_id, zaehler FROM intermediate.int_indikatoren__aggregiert "
            "WHERE gebiet_ebene = 'gemeinde' AND jahr = ? AND indikator_id IN ('sgb2_quote', 'kinderarmut')",
            [YEAR]).fetchall()}
    assert {(o, i) for o, i, _, _ in ortsteile} == {(o, i) for i, c in delivered.items() for o in c}
    summen: Counter = Counter()
    for o, i, z, unterdrueckt in ortsteile:
        # the unprotected value is the delivered one, unless the BA suppressed the Gemeinde (then all its Ortsteile)
        assert (z is None) == unterdrueckt == (gemeinden[(o[:8], i)] is None), (o, i)
        if z is not None:
            assert z == delivered[i][o]
            summen[(o[:8], i)] += z
    assert summen and all(summen[k] == gemeinden[k] for k in summen)


def test_published_ortsteil_rows_are_confidential_and_not_public(demo_build, assert_ortsteil_rows_confidential):
    assert_ortsteil_rows_confidential("sgb2_quote", ("sgb2_quote", "kinderarmut"), "kinderarmut")
    # the monthly Ortsteil rows (Monatsmonitor) are confidential as well, the other monthly levels public
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        monatlich = dict(con.execute(
            "SELECT gebiet_ebene, string_agg(DISTINCT datenklasse, ',') FROM mart.rpt_monatswerte GROUP BY ALL").fetchall())
    assert monatlich == {"ortsteil": "vertraulich", "gemeinde": "oeffentlich", "sozialraum": "oeffentlich",
                         "kreis": "oeffentlich"}


def test_the_delivery_list_shows_the_ortsteil_files_as_used(demo_build):
    """mart.lieferungen: a Jobcenter Ortsteil file is its own kind of delivery of the family (table
    sgb2__ortsteil_monat), current for its month — not 'ersetzt' by the BA workbook of the same month."""
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        status = con.execute(
            "SELECT tabelle, status, count(*) FROM mart.lieferungen WHERE familie = 'sgb2' GROUP BY ALL").fetchall()
    by_table = {(t, s): n for t, s, n in status}
    assert by_table.get(("sgb2__ortsteil_monat", "aktuell"), 0) == 120, status
    assert not [k for k in by_table if k[0] == "sgb2__ortsteil_monat" and k[1] != "aktuell"], status
    assert by_table.get(("sgb2__gemeinde_monat", "aktuell"), 0) == 120, status
