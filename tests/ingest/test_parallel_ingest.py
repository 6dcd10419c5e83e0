"""The delivery families of a build load in one ingest step, at the same time where they do not depend on
each other, each after the families it loads `after` (orchestration/ingest/parallel.py); a family that fails
with an error of the system does not cost the other families their results, and the failure names it.

Real Dagster materialisations of the ingest assets on demo deliveries of three years; the load times are
the ingest's own metadata (`laden_von`, `laden_bis`)."""

from __future__ import annotations

import itertools
import shutil

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import BUILD_JOB_NAME, defs
from orchestration.demo import generate_demo_deliveries
from orchestration.ingest.assets import DELIVERIES_STEP, ingest_assets
from orchestration.ingest.families import DELIVERIES, SOURCES
from orchestration.settings import DEFAULT_REGION, Paths, Settings

GENESIS_AND_AFTER = {"genesis", "sgb2", "grundsicherung", "asylblg", "wohngeld"}


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate_demo_deliveries(landing, years=range(2022, 2025), progress=False)
    return landing


@pytest.fixture
def paths(demo_landing, tmp_path, monkeypatch) -> Paths:
    monkeypatch.setenv("SOZIALMONITOR_GX_DOCS", "off")  # the suites' settings come from the environment
    monkeypatch.setenv("SOZIALMONITOR_GX_HOME", str(tmp_path / "gx"))
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    paths = Paths(region=DEFAULT_REGION, landing=landing, out=tmp_path / "out")
    paths.out.mkdir()
    return paths


def materialize(paths: Paths, selection=None) -> dg.ExecuteInProcessResult:
    settings = Settings(region=str(paths.region), landing=str(paths.landing), out=str(paths.out), demo=True,
                        gx_docs="off", gx_home=str(paths.out / "gx"))
    return dg.materialize(ingest_assets, resources={"settings": settings}, selection=selection, raise_on_error=False)


def loaded(result: dg.ExecuteInProcessResult) -> dict[str, tuple[float, float]]:
    """family -> (start, end) of its loading, from the metadata of its materialisations."""
    spans = {}
    for mat in result.asset_materializations_for_node(DELIVERIES_STEP):
        meta = mat.metadata
        spans[meta["familie"].value] = (meta["laden_von"].value, meta["laden_bis"].value)
    return spans


def test_the_build_loads_every_delivery_family_in_one_step():
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    steps = {node.name for node in job.nodes}
    assert {"raw_region", DELIVERIES_STEP} <= steps
    assert not steps & {f"raw_{family.name}" for family in DELIVERIES}
    step = next(a for a in ingest_assets if a.node_def.name == DELIVERIES_STEP)
    assert {key.path[-1] for key in step.keys} == {t for family in DELIVERIES for t in family.tables}


def test_independent_families_load_at_the_same_time_each_after_what_it_needs(paths):
    result = materialize(paths)
    assert result.success
    spans = loaded(result)
    assert set(spans) == {family.name for family in DELIVERIES}
    for family in DELIVERIES:
        for before in set(family.after) & set(spans):
            assert spans[family.name][0] >= spans[before][1], (family.name, before, spans)
    together = [(a, b) for a, b in itertools.combinations(sorted(spans), 2)
                if spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]]
    assert together, spans


def test_a_failing_family_names_itself_and_the_others_still_load(paths):
    # a broken working database: GENESIS' raw table without its columns (an error of the system, not of a file)
    con = duckdb.connect(str(paths.warehouse))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.genesis__werte (x INTEGER)")
    con.close()
    result = materialize(paths)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert failure.step_key == DELIVERIES_STEP
    description = failure.event_specific_data.user_failure_data.description
    assert "genesis: BinderException" in description, description
    for family in GENESIS_AND_AFTER - {"genesis"}:
        assert f"{family}: nicht geladen, da genesis fehlgeschlagen ist" in description
    # every family that does not need GENESIS is loaded, audited and materialised all the same
    others = {family.name for family in DELIVERIES} - GENESIS_AND_AFTER
    assert set(loaded(result)) == others
    checks = {e.asset_check_key.asset_key.path[-1].split("__")[0] for e in result.get_asset_check_evaluations()}
    assert checks == others
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    accepted = {r[0] for r in con.execute("SELECT DISTINCT familie FROM raw.ingest__lieferstatus "
                                          "WHERE status = 'angenommen'").fetchall()}
    con.close()
    assert accepted == others - {"gebietsstand"}  # (no Gebietsstand delivery: the shipped keys load without)

    # repaired, the job of GENESIS (its tables and what is downstream) loads it and the families after it only
    con = duckdb.connect(str(paths.warehouse))
    con.execute("DROP TABLE raw.genesis__werte")
    con.close()
    genesis = [dg.AssetKey(["raw", table]) for table in SOURCES["genesis"].tables]
    again = materialize(paths, selection=dg.AssetSelection.assets(*genesis).downstream())
    assert again.success
    assert set(loaded(again)) == GENESIS_AND_AFTER
