"""Grundsicherung at Ortsteil level (issue 12, the Sozialamt's `grundsicherung_ortsteile_YYYY.csv`): on the demo
build the Ortsteil numerators of altersarmut are the delivered counts and add up to the Gemeinde numerators, the
Gemeinde rows stay public, the Ortsteil rows are confidential (data class, disclosure control) and never in the
public dataset. The attacker test (test_geheimhaltung.py) attacks the published file with these cells present."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

YEAR = 2020


@pytest.fixture(scope="module")
def delivered(delivery_rows) -> Counter:
    """empfaenger_65_plus of YEAR per Ortsteil id, straight from the delivery file."""
    out: Counter = Counter()
    for r in delivery_rows("grundsicherung", f"grundsicherung_ortsteile_{YEAR}.csv"):
        out[r["ags"] + r["ortsteil"]] += int(r["empfaenger_65_plus"])
    assert len({o[:8] for o in out}) == 13
    return out


def test_ortsteil_sums_equal_the_gemeinde_numerators(demo_build, delivered):
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        ortsteile = con.execute(
            "SELECT ortsteil_id, zaehler, zaehler_unterdrueckt FROM "
            "intermediate.int_indikatoren__grundsicherung_ortsteil WHERE jahr = ? AND indikator_id = 'altersarmut'",
            [YEAR]).fetchall()
        gemeinden = dict(con.execute(
            "SELECT gebiet_id, zaehler FROM intermediate.int_indikatoren__aggregiert "
            "WHERE gebiet_ebene = 'gemeinde' AND jahr = ? AND indikator_id = 'altersarmut'", [YEAR]).fetchall())
        warnungen = con.execute(
            "SELECT count(*) FROM intermediate.int_indikatoren__grundsicherung_ortsteil o "
            "JOIN intermediate.int_indikatoren__grundsicherung g USING (ags, jahr, indikator_id) "
            "GROUP BY o.ags, o.jahr, g.zaehler HAVING g.zaehler IS NOT NULL AND sum(o.zaehler) <> g.zaehler"
        ).fetchall()
    assert {o for o, _, _ in ortsteile} == set(delivered)
    summen: Counter = Counter()
    for o, z, unterdrueckt in ortsteile:
        # the unprotected value is the delivered one, unless the Sozialamt suppressed the Gemeinde (then all its
        # Ortsteile)
        assert (z is None) == unterdrueckt == (gemeinden[o[:8]] is None), o
        if z is not None:
            assert z == delivered[o]
            summen[o[:8]] += z
    assert summen and all(summen[g] == gemeinden[g] for g in summen)
    assert warnungen == []  # every year: Σ Ortsteile = Gemeinde (what the dbt warning test checks)


def test_published_ortsteil_rows_are_confidential_and_not_public(demo_build, assert_ortsteil_rows_confidential):
    assert_ortsteil_rows_confidential("altersarmut", ("altersarmut",), "altersarmut")
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        ebene = con.execute("SELECT niedrigste_ebene FROM mart.indikatoren WHERE indikator_id = 'altersarmut'"
                            ).fetchone()
        mindest = con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'ortsteil' "
                              "AND indikator_id = 'mindestsicherungsquote'").fetchone()
    assert ebene == ("ortsteil",)
    assert mindest == (0,)  # AsylbLG has no Ortsteil figures: the Mindestsicherungsquote stays at Gemeinde level
