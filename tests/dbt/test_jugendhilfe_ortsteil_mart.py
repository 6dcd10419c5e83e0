"""Youth-welfare indicators at Ortsteil level (issue 12): the demo's case exports carry `wohnort_ortsteil`; the
confidential Ortsteil cells are recomputed here straight from the raw delivery files (landing CSVs: the § 42
export and the Melderegister extract), and compared with the working database (unprotected counts) and the
published file (every published Ortsteil cell; the suppressed ones carry no count). The attacker test
(test_geheimhaltung.py) attacks the same published file with these cells present."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

YEAR = 2020


@pytest.fixture(scope="module")
def raw_counts(delivery_rows) -> tuple[Counter, Counter]:
    """(§ 42 Inobhutnahmen begun in YEAR per Ortsteil id, residents under 18 at 31.12.YEAR per Ortsteil id)."""
    cases: Counter = Counter()
    for r in delivery_rows("jugendhilfe", f"inobhutnahmen_42_{YEAR}.csv"):
        if r["paragraph"] == "42" and r["beginn"].startswith(str(YEAR)) and r["wohnort_ortsteil"]:
            cases[r["wohnort_ags"] + r["wohnort_ortsteil"]] += 1
    residents: Counter = Counter()
    for r in delivery_rows("melderegister", f"melderegister_{YEAR}1231.csv"):
        if r["ortsteil"] and int(r["alter"]) < 18:
            residents[r["ags"] + r["ortsteil"]] += int(r["anzahl"])
    assert len(residents) == 57 and sum(cases.values()) > 50
    return cases, residents


def test_ortsteil_counts_equal_the_raw_delivery(demo_build, raw_counts):
    cases, residents = raw_counts
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        warehouse = dict(con.execute(
            "SELECT ortsteil_id, zaehler FROM intermediate.int_indikatoren__jugendhilfe_ortsteil "
            "WHERE indikator_id = 'inobhutnahmen_je_1000_u18' AND jahr = ?", [YEAR]).fetchall())
    assert set(warehouse) == set(residents)  # every Ortsteil, zero rows included
    assert {o: int(n) for o, n in warehouse.items()} == {o: cases.get(o, 0) for o in residents}


def test_published_ortsteil_cells_are_the_raw_values_or_suppressed(demo_build, raw_counts):
    cases, residents = raw_counts
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        published = con.execute(
            "SELECT gebiet_id, zaehler, nenner, wert, ist_unterdrueckt FROM mart.sozialraum_indikatoren "
            "WHERE gebiet_ebene = 'ortsteil' AND indikator_id = 'inobhutnahmen_je_1000_u18' AND jahr = ?",
            [YEAR]).fetchall()
    assert {r[0] for r in published} == set(residents)
    shown = [r for r in published if not r[4]]
    hidden = [r for r in published if r[4]]
    assert shown and hidden, "expected published and suppressed Ortsteil cells"
    for gebiet_id, zaehler, nenner, wert, _ in shown:
        assert zaehler == cases.get(gebiet_id, 0), gebiet_id
        assert nenner == residents[gebiet_id], gebiet_id
        assert wert == pytest.approx(1000 * zaehler / nenner), gebiet_id
        assert not 0 < zaehler < 3, gebiet_id
    for gebiet_id, zaehler, _, wert, _ in hidden:
        assert zaehler is None and wert is None, gebiet_id
    small = [o for o in residents if 0 < cases.get(o, 0) < 3]
    assert small and all(o in {r[0] for r in hidden} for o in small)  # every small cell is suppressed

