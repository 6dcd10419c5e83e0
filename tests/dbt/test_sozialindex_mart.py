"""mart.sozialindex of the demo build: dbt unit tests (hand-computed z-values, sums, classes and
exclusion rules) run by real dbt against a copy of the demo warehouse, and properties of the
published tables (standardisation, classes, nothing dropped silently)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt_project"

GRENZEN_STATUS = (-1.0, 1.0, 1.5)
GRENZEN_DYNAMIK = (-1.0, 1.0)


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def mart(demo_build) -> dict:
    con = duckdb.connect(str(demo_build.published), read_only=True)
    try:
        tabellen = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'mart'").fetchall()}
        assert {"sozialindex", "sozialindex_zwerte", "sozialindex_ausschluesse"} <= tabellen
        data = {
            "index": _rows(con, "select * from mart.sozialindex order by jahr, gebiet_id"),
            "zwerte": _rows(con, "select * from mart.sozialindex_zwerte"),
            "aus": _rows(con, "select * from mart.sozialindex_ausschluesse"),
            "konfig": _rows(con, "select * from mart.sozialindex_indikatoren where einbezogen"),
            "sri": _rows(con, "select gebiet_ebene, gebiet_id, jahr, indikator_id, wert, ist_unterdrueckt "
                              "from mart.sozialraum_indikatoren"),
        }
    finally:
        con.close()
    return data


def test_dbt_unit_tests_pass_on_the_demo_warehouse(unit_tests):
    """The hand-computed dbt unit tests of the Sozialindex (macros/models) run for real against the demo
    warehouse's schema (the session's run of every unit test, tests/dbt/conftest.py)."""
    sozialindex = {name: status for name, status in unit_tests.status.items() if name.startswith("sozialindex_")}
    assert sozialindex == {
        "sozialindex_zwerte_populations_sd_ungewichtet": "pass",
        "sozialindex_summen_index_klassen_gruppen": "pass",
        "sozialindex_eingaben_ausschlussregeln": "pass",
        "sozialindex_eingaben_ortsteile_unter_300_ausgeschlossen": "pass",
    }


def test_index_is_standardised_per_year(mart):
    assert mart["index"], "mart.sozialindex is empty"
    je_jahr = defaultdict(list)
    for r in mart["index"]:
        je_jahr[r["jahr"]].append(r)
    for jahr, rows in je_jahr.items():
        if len(rows) < 2:
            continue
        assert statistics.pstdev([r["statusindex"] for r in rows]) == pytest.approx(1.0, abs=1e-6), jahr
        dyn = [r["dynamikindex"] for r in rows if r["dynamikindex"] is not None]
        if len(dyn) >= 2:
            assert statistics.pstdev(dyn) == pytest.approx(1.0, abs=1e-6), jahr
    assert any(r["dynamikindex"] is not None for r in mart["index"])


def test_z_values_are_population_sd_z_scores_of_the_published_values(mart):
    """Independent recomputation for every indicator and year from mart.sozialraum_indikatoren."""
    konfig = {k["indikator_id"]: k["polaritaet"] for k in mart["konfig"]}
    werte = {(r["gebiet_id"], r["jahr"], r["indikator_id"]): r["wert"] for r in mart["sri"]}
    gruppen = defaultdict(list)
    for z in mart["zwerte"]:
        gruppen[(z["jahr"], z["indikator_id"])].append(z)
    geprueft = 0
    for (jahr, ind), rows in gruppen.items():
        xs = [werte[(z["gebiet_id"], jahr, ind)] for z in rows]
        mu, sd = statistics.fmean(xs), statistics.pstdev(xs)
        for z, x in zip(rows, xs, strict=True):
            erwartet = 0.0 if sd == 0 else -konfig[ind] * (x - mu) / sd
            assert z["z_status"] == pytest.approx(erwartet, abs=1e-8), (jahr, ind, z["gebiet_id"])
            geprueft += 1
    assert geprueft > 0


def test_sums_classes_and_groups_are_consistent(mart):
    konfig = sorted(k["indikator_id"] for k in mart["konfig"])
    assert konfig, "no index indicator configured"
    for r in mart["index"]:
        z = [r[f"z_status_{i}"] for i in konfig]
        assert r["statussumme"] == pytest.approx(sum(z), abs=1e-8)
        s = r["statusindex"]
        erwartet = ("hoch" if s <= GRENZEN_STATUS[0] else "mittel" if s <= GRENZEN_STATUS[1]
                    else "niedrig" if s <= GRENZEN_STATUS[2] else "sehr niedrig")
        assert r["statusklasse"] == erwartet, r
        if r["dynamikindex"] is None:
            assert r["dynamikklasse"] is None and r["gruppe"] is None
            continue
        d = r["dynamikindex"]
        assert r["dynamikklasse"] == ("positiv" if d <= GRENZEN_DYNAMIK[0] else "negativ" if d >= GRENZEN_DYNAMIK[1] else "stabil")
        assert r["gruppe_nr"] == (r["statusklasse_nr"] - 1) * 3 + r["dynamikklasse_nr"]
        assert 1 <= r["gruppe_nr"] <= 12


def test_no_area_is_dropped_silently(mart):
    """Every area-year of the reference level is either in mart.sozialindex or listed with a reason."""
    ebene = mart["index"][0]["gebiet_ebene"]
    konfig = {k["indikator_id"] for k in mart["konfig"]}
    jahre = {r["jahr"] for r in mart["sri"] if r["indikator_id"] in konfig and r["wert"] is not None and r["gebiet_ebene"] == ebene}
    gebiete = {r["gebiet_id"] for r in mart["sri"] if r["gebiet_ebene"] == ebene}
    im_index = {(r["gebiet_id"], r["jahr"]) for r in mart["index"]}
    ausgeschlossen = {(a["gebiet_id"], a["jahr"]) for a in mart["aus"] if a["bereich"] == "status_und_dynamik"}
    nur_dynamik = {(a["gebiet_id"], a["jahr"]) for a in mart["aus"] if a["bereich"] == "nur_dynamik"}
    for g in gebiete:
        for j in jahre:
            assert ((g, j) in im_index) != ((g, j) in ausgeschlossen), (g, j)
    for r in mart["index"]:
        if r["dynamikindex"] is None:
            assert (r["gebiet_id"], r["jahr"]) in nur_dynamik, r
    assert all(a["grund"] for a in mart["aus"])
    # suppressed inputs exclude the area with the reason "unterdrückt"
    unterdrueckt = {(r["gebiet_id"], r["jahr"]) for r in mart["sri"]
                    if r["gebiet_ebene"] == ebene and r["indikator_id"] in konfig and r["ist_unterdrueckt"]}
    for key in unterdrueckt:
        assert key in ausgeschlossen
        assert any(a["gebiet_id"] == key[0] and a["jahr"] == key[1] and "unterdrückt" in a["grund"] for a in mart["aus"])
