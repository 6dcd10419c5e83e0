"""Validation of the Sozialindex code against the published Berlin MSS 2021.

Runs real dbt on the project: the published z-values (zS1, zS3, zS4 / zD1, zD3, zD4 of 536 planning
areas, data/berlin_mss/) go through the same macros as mart.sozialindex (z-standardisation,
standardised sums, class cut-offs). The published Status- and Dynamikindex must be reproduced within
0.01 at the published precision (two decimals) and every published class exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from test_sozialindex_mart import DBT_DIR  # this folder is on sys.path (pytest prepend import mode)

from transform.dbt_runner import run_dbt  # tests/ is on sys.path (rootdir conftest)

REPO_ROOT = Path(__file__).resolve().parents[2]
BERLIN_CSV = REPO_ROOT / "data" / "berlin_mss" / "berlin_mss2021_index_indikatoren_z_werte_plr.csv"


@pytest.fixture(scope="module")
def berlin(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("berlin_mss")
    warehouse = base / "warehouse.duckdb"
    target = base / "target"
    proc = run_dbt(["build", "--select", "+sozialindex_berlin_mss2021"], warehouse, target)
    assert proc.returncode == 0, f"dbt build of the Berlin validation failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute("select * from validierung.sozialindex_berlin_mss2021 order by plr_id")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    return {"rows": rows, "manifest": manifest, "results": results}


def _published_table() -> list[dict]:
    """The published table, read independently of dbt (csv module)."""
    import csv

    with BERLIN_CSV.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        out = []
        for r in reader:
            if r[3] == "":
                continue
            out.append({"plr_id": r[0], "statusindex": float(r[7]), "statusklasse": r[8].strip(),
                        "dynamikindex": float(r[13]), "dynamikklasse": r[14].strip()})
    return out


def test_all_536_planning_areas_are_computed(berlin):
    published = _published_table()
    assert len(published) == 536
    assert [r["plr_id"] for r in berlin["rows"]] == sorted(r["plr_id"] for r in published)
    assert all(r["statusindex"] is not None and r["dynamikindex"] is not None for r in berlin["rows"])


def test_status_and_dynamics_index_within_001_of_published(berlin):
    published = {r["plr_id"]: r for r in _published_table()}
    worst_status = worst_dyn = 0.0
    for r in berlin["rows"]:
        p = published[r["plr_id"]]
        # The MSS publishes two decimals: compare at that precision.
        worst_status = max(worst_status, abs(round(r["statusindex"], 2) - p["statusindex"]))
        worst_dyn = max(worst_dyn, abs(round(r["dynamikindex"], 2) - p["dynamikindex"]))
        # Unrounded: publication rounding (0.005) + rounding of the published z-values.
        assert abs(r["statusindex"] - p["statusindex"]) < 0.015, r
        assert abs(r["dynamikindex"] - p["dynamikindex"]) < 0.015, r
    assert worst_status <= 0.01 + 1e-9, worst_status
    assert worst_dyn <= 0.01 + 1e-9, worst_dyn


def test_every_published_class_is_reproduced(berlin):
    published = {r["plr_id"]: r for r in _published_table()}
    wrong_status = [(r["plr_id"], r["statusklasse"], published[r["plr_id"]]["statusklasse"])
                    for r in berlin["rows"] if r["statusklasse"] != published[r["plr_id"]]["statusklasse"]]
    wrong_dyn = [(r["plr_id"], r["dynamikklasse"], published[r["plr_id"]]["dynamikklasse"])
                 for r in berlin["rows"] if r["dynamikklasse"] != published[r["plr_id"]]["dynamikklasse"]]
    assert not wrong_status, wrong_status
    assert not wrong_dyn, wrong_dyn
    # The table exercises every class, including areas whose published index is exactly ±1.00.
    assert {r["statusklasse"] for r in berlin["rows"]} == {"hoch", "mittel", "niedrig", "sehr niedrig"}
    assert {r["dynamikklasse"] for r in berlin["rows"]} == {"positiv", "stabil", "negativ"}
    assert any(abs(p["statusindex"]) == 1.0 for p in published.values())
    assert len({r["gruppe"] for r in berlin["rows"]}) >= 10


def test_dbt_data_tests_of_the_validation_passed(berlin):
    tests = [r for r in berlin["results"]["results"] if r["unique_id"].startswith("test.")]
    assert len(tests) >= 7
    assert all(r["status"] == "pass" for r in tests), [(r["unique_id"], r["status"]) for r in tests if r["status"] != "pass"]


def test_validation_and_mart_use_the_same_macros(berlin):
    """The Berlin model must not carry its own formulas: it and the mart call the same macros."""
    nodes = berlin["manifest"]["nodes"]

    def macros_of(name: str) -> set[str]:
        node = next(n for n in nodes.values() if n["resource_type"] == "model" and n["name"] == name)
        return set(node["depends_on"]["macros"])

    shared = {"macro.sozialmonitor.sozialindex_zwerte_select", "macro.sozialmonitor.sozialindex_index_select"}
    assert {"macro.sozialmonitor.sozialindex_zwerte_select"} <= macros_of("sozialindex_zwerte")
    assert {"macro.sozialmonitor.sozialindex_index_select"} <= macros_of("sozialindex")
    assert shared <= macros_of("sozialindex_berlin_mss2021")
    sql = (DBT_DIR / "models" / "marts" / "sozialindex" / "validierung" / "sozialindex_berlin_mss2021.sql").read_text()
    assert "stddev" not in sql.lower() and "avg(" not in sql.lower()
