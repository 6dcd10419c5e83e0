"""Which Dagster instance `sozialmonitor build` records its run in: the one of DAGSTER_HOME. The test session
has an instance of its own (tests/conftest.py: dagster_home), so test builds never reach the checkout's
var/dagster, where the runs of the user's own builds (and the publication gate's history) live. The same for
the GX results and Data Docs (tests/conftest.py: gx_folders; the checkout's var/gx and var/gx_docs)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import dagster as dg

from orchestration.definitions import BUILD_JOB_NAME
from tests.conftest import REPO_ROOT


def test_a_test_build_is_recorded_in_the_session_instance_and_not_in_the_checkout(demo_build, dagster_home):
    assert Path(os.environ["DAGSTER_HOME"]) == dagster_home
    assert not dagster_home.resolve().is_relative_to(REPO_ROOT.resolve())
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name=BUILD_JOB_NAME))
    assert str(demo_build.out) in {run.run_config["resources"]["settings"]["config"]["out"] for run in runs}
    assert (dagster_home / "storage" / "history" / "runs.db").exists()

    checkout_runs = REPO_ROOT / "var" / "dagster" / "storage" / "history" / "runs.db"
    if checkout_runs.exists():  # a developer's checkout with builds of its own (read only, never created here)
        con = sqlite3.connect(f"file:{checkout_runs}?mode=ro", uri=True)
        try:
            found = con.execute("SELECT count(*) FROM runs WHERE instr(run_body, ?) > 0",
                                [str(demo_build.out)]).fetchone()[0]
        finally:
            con.close()
        assert found == 0, f"{checkout_runs} holds a run of the test build {demo_build.out}"


def test_a_test_build_keeps_its_gx_results_and_data_docs_in_the_session_folders(demo_build, gx_folders):
    """The build reads the GX folders from the environment (SOZIALMONITOR_GX_HOME/_DOCS), as a Kreis configures
    them: its mart checks stored their results and rendered their pages in the session's folders."""
    assert not gx_folders.resolve().is_relative_to(REPO_ROOT.resolve())
    index = gx_folders / "docs" / "index.html"
    assert index.exists(), "the demo build rendered no Data Docs in the session's folder"
    pages = list((gx_folders / "docs" / "validations").rglob("*.html"))
    stored = list((gx_folders / "project" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert pages and stored
    assert any(p.relative_to(gx_folders / "docs").parts[1].startswith("mart__") for p in pages)
    # the index links the pages of the build's out folder's run (not of some other session)
    assert all(p.relative_to(gx_folders / "docs").as_posix() in index.read_text(encoding="utf-8") for p in pages)
