"""Fixtures of the dbt tests: the backbone build on the real DaDi GENESIS extracts (shared by the modules that
read it, built once per session when one of them runs)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from orchestration.ingest import families
from orchestration.ingest.region import Region, load_region
from orchestration.settings import REPO_ROOT, Paths
from transform.dbt_runner import run_dbt  # tests/ is on sys.path (rootdir conftest)

DADI = REPO_ROOT / "data" / "genesis" / "dadi"
REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"


def dbt_test(selection: str, warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """`dbt test --select SELECTION` of the project against `warehouse` (a copy), artefacts in `target`."""
    return run_dbt(["test", "--select", selection], warehouse, target, timeout=600)


def passing_copy(build: SimpleNamespace | Paths, tmp_path: Path, selection: str) -> Path:
    """A copy of `build`'s working database on which `dbt test --select SELECTION` passes (before a test breaks it)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(build.warehouse, warehouse)
    ok = dbt_test(selection, warehouse, tmp_path / "target")
    assert ok.returncode == 0, ok.stdout[-3000:]
    return warehouse


@pytest.fixture(scope="session")
def backbone(tmp_path_factory) -> SimpleNamespace:
    """Ingest of the real extracts + `dbt build` in a temporary warehouse; yields the read-only
    connection and the result of the backbone's dbt unit tests."""
    base = tmp_path_factory.mktemp("backbone")
    paths = Paths(region=REGION, landing=base / "landing", out=base / "out")
    (paths.landing / "genesis").mkdir(parents=True)
    paths.out.mkdir(parents=True)
    for file in DADI.glob("*.csv"):
        shutil.copy(file, paths.landing / "genesis" / file.name)

    region = Region.load(REGION)
    con = duckdb.connect(str(paths.warehouse))
    try:
        load_region(con, region)
        # every family's ingest creates its raw tables even without deliveries (only GENESIS delivered here)
        for family in families.DELIVERIES:  # every declared delivery family, in its declared order
            result = family.load(con, paths, region)
            assert not result.quarantined, result.failure_message()
    finally:
        con.close()

    target = base / "dbt_target"
    # models, seeds and data tests of the marts and everything upstream; the unit tests of this backbone
    # run separately below (tag backbone), so another family's unit test cannot hide these results; the
    # report models (models/reporting) are not built here, so their tests (relationships to the selected
    # catalogue seed) are left out too; the monthly SGB II mart is built (empty without SGB II deliveries),
    # since its tests also read the annual mart (December = annual value)
    build = ["build", "--select", "+sozialraum_indikatoren", "+dim_gebiet", "+kreis_abgleich",
             "+lieferungen", "+sgb2_monatswerte",
             # the Sozialindex is not built here: its configuration check (it reads the indicator catalogue
             # beside the Sozialindex seed, so dbt selects it with the catalogue) stays out too
             "--exclude", "test_type:unit", "path:models/reporting", "assert_sozialindex_indikatoren_auf_bezugsebene"]
    proc = run_dbt(build, paths.warehouse, target, timeout=1200)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    unit_proc = run_dbt(["test", "--select", "tag:backbone,test_type:unit"], paths.warehouse, target, timeout=600)

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    yield SimpleNamespace(con=con, unit_tests=unit_proc)
    con.close()


@pytest.fixture(scope="session")
def delivery_rows(demo_build) -> Callable[[str, str], list[dict[str, str]]]:
    """Reader of a demo delivery file in the build's landing zone, straight from the file (not through the ingest):
    `delivery_rows(family, file_name)` -> its records (`;`-separated; blank lines and preamble lines with the demo
    marker or `#` skipped)."""
    def read(family: str, name: str) -> list[dict[str, str]]:
        with open(demo_build.landing / family / name, encoding="utf-8", newline="") as handle:
            lines = [line for line in handle if line.strip() and "DEMODATEN" not in line and not line.startswith("#")]
        return list(csv.DictReader(lines, delimiter=";"))
    return read


@pytest.fixture(scope="session")
def assert_ortsteil_rows_confidential(demo_build) -> Callable[[str, tuple[str, ...], str], None]:
    """The publication of an indicator delivered per Ortsteil (issue 12), in the demo build's published file:
    `assert_ortsteil_rows_confidential(classified, public, cells)` — the Ortsteil rows of `classified` are
    confidential and its Gemeinde and Kreis rows public (rpt_indikatorwerte), the public dataset (rpt_oeffentlich)
    has rows of the `public` indicators but none at Ortsteil level, and the Ortsteil cells of `cells` are partly
    published and partly suppressed (disclosure control)."""
    def check(classified: str, public: tuple[str, ...], cells: str) -> None:
        with duckdb.connect(str(demo_build.published), read_only=True) as con:
            klassen = dict(con.execute(
                "SELECT gebiet_ebene, string_agg(DISTINCT datenklasse, ',') FROM mart.rpt_indikatorwerte "
                "WHERE indikator_id = ? GROUP BY ALL", [classified]).fetchall())
            oeffentlich = con.execute(
                "SELECT count(*) FILTER (WHERE gebiet_ebene = 'ortsteil'), count(*) FROM mart.rpt_oeffentlich "
                f"WHERE indikator_id IN ({', '.join('?' for _ in public)})", list(public)).fetchone()
            shown = con.execute(
                "SELECT count(*) FILTER (WHERE NOT ist_unterdrueckt), count(*) FILTER (WHERE ist_unterdrueckt) "
                "FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'ortsteil' AND indikator_id = ?", [cells]
            ).fetchone()
        assert klassen["ortsteil"] == "vertraulich"
        assert klassen["gemeinde"] == klassen["kreis"] == "oeffentlich"
        assert oeffentlich[0] == 0 and oeffentlich[1] > 0
        assert shown[0] > 0 and shown[1] > 0  # published and suppressed Ortsteil cells
    return check


@pytest.fixture(scope="session")
def unit_tests(demo_build, tmp_path_factory) -> SimpleNamespace:
    """Every dbt unit test of the project (`dbt test --resource-type unit_test`), run once per session against
    a copy of the demo warehouse (unit tests read the column types of a model's inputs from it). The build
    leaves them out (orchestration/transform/dbt.py, BUILD_ARGS), so this is where they run: `make test`.
    Yields the dbt process, `{name: status}` of run_results and the names of the manifest's unit tests."""
    base = tmp_path_factory.mktemp("unit_tests")
    warehouse, target = base / "warehouse.duckdb", base / "target"
    shutil.copy(demo_build.warehouse, warehouse)
    proc = run_dbt(["test", "--resource-type", "unit_test"], warehouse, target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"] \
        if (target / "run_results.json").exists() else []
    return SimpleNamespace(
        proc=proc,
        status={r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results},
        defined={node["name"] for node in manifest["unit_tests"].values()},
    )
