"""The Sozialindex on Ortsteile (var sozialindex_bezugsebene = ortsteil), run by real dbt on a copy of the demo
warehouse: the reference set is the smallest unit of the region (Ortsteile, and each Gemeinde without Ortsteile
as one area), areas under 300 residents are excluded with their reason (MSS), the index is standardised over
that set; and a configuration whose index indicator does not exist at the reference level is refused."""

from __future__ import annotations

import csv
import json
import shutil
import statistics
from collections import defaultdict

import duckdb
import pytest
import yaml
from test_sozialindex_mart import REPO_ROOT  # this folder is on sys.path (pytest prepend import mode)

from transform.dbt_runner import run_dbt  # tests/ is on sys.path (rootdir conftest)

ORTSTEIL = '{"sozialindex_bezugsebene": "ortsteil"}'


def _catalogue_level() -> dict[str, str]:
    with (REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv").open(encoding="utf-8") as fh:
        return {r["indikator_id"]: r["niedrigste_ebene"] for r in csv.DictReader(fh)}


def _z_columns_of_the_contracts(project, indikatoren: list[str]) -> None:
    """The report contracts list a z column per index indicator (rpt_sozialindex.yml, rpt_sozialindex_karte.yml):
    the planner who changes the index indicators changes them too."""
    for name in ("rpt_sozialindex", "rpt_sozialindex_karte"):
        path = project / "models" / "reporting" / f"{name}.yml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        model, = (m for m in doc["models"] if m["name"] == name)
        model["columns"] = [c for c in model["columns"] if not c["name"].startswith(("z_status_", "z_dynamik_"))] + [
            {"name": f"z_{teil}_{i}", "data_type": "double"} for teil in ("status", "dynamik") for i in indikatoren]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def ortsteil_index(demo_build, tmp_path_factory) -> dict:
    """The project copied with the index indicators that exist per Ortsteil switched on (what a planner edits
    in seeds/catalogue/sozialindex_indikatoren.csv), the Sozialindex rebuilt with the Ortsteil reference level."""
    root = tmp_path_factory.mktemp("si_ortsteil")
    shutil.copytree(REPO_ROOT / "dbt_project", root / "dbt_project", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(REPO_ROOT / "seeds" / "catalogue", root / "seeds" / "catalogue")
    seed = root / "seeds" / "catalogue" / "sozialindex_indikatoren.csv"
    ebene = _catalogue_level()
    with seed.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["einbezogen"] = "true" if ebene.get(r["indikator_id"]) == "ortsteil" else "false"
    indikatoren = sorted(r["indikator_id"] for r in rows if r["einbezogen"] == "true")
    assert indikatoren, "the seed has an index indicator that exists per Ortsteil"
    with seed.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    _z_columns_of_the_contracts(root / "dbt_project", indikatoren)
    warehouse = root / "warehouse.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    target = root / "target"
    proc = run_dbt(["build", "--select", "sozialindex_indikatoren", "int_sozialindex__eingaben+",
                    "--exclude", "test_type:unit", "--vars", ORTSTEIL], warehouse, target,
                   project=root / "dbt_project")
    assert proc.returncode == 0, proc.stdout[-8000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def rows_of(sql: str) -> list[dict]:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        data = {
            "indikatoren": indikatoren,
            "index": rows_of("select * from mart.sozialindex"),
            "aus": rows_of("select * from mart.sozialindex_ausschluesse"),
            "eingaben": rows_of("select distinct gebiet_ebene, gebiet_id, jahr, einwohner "
                                "from intermediate.int_sozialindex__eingaben"),
            "ortsteile": rows_of("select distinct gebiet_id, jahr, wert as einwohner from mart.sozialraum_indikatoren "
                                 "where gebiet_ebene = 'ortsteil' and indikator_id = 'bevoelkerung'"),
            "gemeinden": {r[0] for r in con.execute("select distinct gebiet_id from mart.sozialraum_indikatoren "
                                                    "where gebiet_ebene = 'gemeinde'").fetchall()},
            "rpt": rows_of("select distinct gebiet_ebene, gebiet_id from mart.rpt_sozialindex where gebiet_id is not null"),
        }
    finally:
        con.close()
    return data


def test_the_reference_set_is_the_smallest_unit_of_the_region(ortsteil_index):
    areas = {(r["gebiet_ebene"], r["gebiet_id"]) for r in ortsteil_index["eingaben"]}
    ortsteile = {r["gebiet_id"] for r in ortsteil_index["ortsteile"]}
    mit_ortsteilen = {o[:8] for o in ortsteile}
    assert ortsteile and mit_ortsteilen < ortsteil_index["gemeinden"], "the demo has Gemeinden with and without Ortsteile"
    assert areas == {("ortsteil", o) for o in ortsteile} | {
        ("gemeinde", g) for g in ortsteil_index["gemeinden"] - mit_ortsteilen}


def test_ortsteile_under_300_residents_are_excluded_with_their_reason(ortsteil_index):
    jahre = {r["jahr"] for r in ortsteil_index["eingaben"]}  # the years with index values
    klein = {(r["gebiet_id"], r["jahr"]) for r in ortsteil_index["ortsteile"] if r["einwohner"] < 300
             and r["jahr"] in jahre}
    assert klein, "the demo has an Ortsteil under 300 residents"
    in_index = {(r["gebiet_id"], r["jahr"]) for r in ortsteil_index["index"]}
    assert not klein & in_index
    gruende = {(r["gebiet_id"], r["jahr"]): r["grund"] for r in ortsteil_index["aus"]
               if r["bereich"] == "status_und_dynamik" and r["indikator_id"] is None}
    for key in klein:
        assert gruende.get(key) == "weniger als 300 Einwohner", key


def test_every_area_is_either_in_the_index_or_excluded_with_a_reason(ortsteil_index):
    in_index = {(r["gebiet_id"], r["jahr"]) for r in ortsteil_index["index"]}
    excluded = {(r["gebiet_id"], r["jahr"]) for r in ortsteil_index["aus"] if r["bereich"] == "status_und_dynamik"}
    candidates = {(r["gebiet_id"], r["jahr"]) for r in ortsteil_index["eingaben"]}
    assert in_index and not in_index & excluded and in_index | excluded == candidates
    assert {r["gebiet_ebene"] for r in ortsteil_index["index"]} == {"ortsteil", "gemeinde"}


def test_the_index_is_standardised_over_ortsteile_and_gemeinden_together(ortsteil_index):
    je_jahr = defaultdict(list)
    for r in ortsteil_index["index"]:
        je_jahr[r["jahr"]].append(r["statusindex"])
    assert any(len(v) > 30 for v in je_jahr.values())
    for jahr, werte in je_jahr.items():
        if len(werte) >= 2:
            assert statistics.pstdev(werte) == pytest.approx(1.0, abs=1e-6), jahr
    # the reporting layer carries the areas of both levels
    assert {e for e, _ in ((r["gebiet_ebene"], r["gebiet_id"]) for r in ortsteil_index["rpt"])} >= {"ortsteil", "gemeinde"}


def test_an_index_indicator_missing_at_the_reference_level_is_refused_naming_it(demo_build, tmp_path):
    """The shipped seed (Arbeitslose, SGB II, Kinderarmut: per Gemeinde) with the Ortsteil level: dbt refuses it
    instead of publishing an index in which every Ortsteil is excluded."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    target = tmp_path / "target"
    args = ["test", "--select", "assert_sozialindex_indikatoren_auf_bezugsebene", "--store-failures"]
    assert run_dbt(args, warehouse, target).returncode == 0  # the shipped configuration (Gemeinden) passes
    proc = run_dbt([*args, "--vars", ORTSTEIL], warehouse, target)
    assert proc.returncode != 0
    assert "assert_sozialindex_indikatoren_auf_bezugsebene" in proc.stdout
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert [r["status"] for r in results] == ["fail"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        refused = dict(con.execute("select indikator_id, hinweis from dbt_test__audit."
                                   "assert_sozialindex_indikatoren_auf_bezugsebene").fetchall())
    finally:
        con.close()
    ebene = _catalogue_level()
    with (REPO_ROOT / "seeds" / "catalogue" / "sozialindex_indikatoren.csv").open(encoding="utf-8") as fh:
        erwartet = {r["indikator_id"] for r in csv.DictReader(fh)
                    if r["einbezogen"] == "true" and ebene[r["indikator_id"]] != "ortsteil"}
    assert erwartet and set(refused) == erwartet
    assert all("einbezogen = false" in h for h in refused.values())
