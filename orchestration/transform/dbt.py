"""The dbt project as Dagster assets.

Models become assets keyed `<schema>/<model>` (e.g. `mart/sozialraum_indikatoren`), seeds
`mart/<seed>`, and every dbt source table `raw.<family>__<table>` is the ingest asset
`raw/<family>__<table>`, so the lineage graph is one piece from delivery file to published mart. dbt tests come
back as asset checks by themselves.
"""


import importlib.metadata
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from orchestration.dbt_env import ENV_WAREHOUSE, dbt_parent_env, export_dbt_env
from orchestration.process import die_with_run_worker
from orchestration.settings import DBT_PROJECT_DIR, WAREHOUSE_FILE, Settings
from orchestration.stand import DATA_STATE, data_state
from orchestration.warehouse import read_connection, writer_lock

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


WRAPPER = "sozialmonitor-dbt"


def dbt_executable() -> str:
    """The dbt of this environment behind the wrapper `sozialmonitor-dbt` (orchestration/process.py):
    dbt started through it is killed by the kernel when the process that started it dies, so a build
    killed with `kill -9` leaves no dbt process writing the working database. Not from PATH."""
    wrapper = Path(sys.executable).with_name(WRAPPER)
    if not wrapper.exists():
        raise RuntimeError(f"{wrapper} fehlt (Konsolenskript aus pyproject.toml): `make setup` ausführen")
    return str(wrapper)


def _newest_source_mtime() -> float:
    roots = [DBT_PROJECT_DIR / d for d in ("models", "macros", "tests")] + [DBT_PROJECT_DIR.parent / "seeds" / "catalogue"]
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    files += [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def ensure_manifest() -> Path:
    """Parse the dbt project once (at setup, or again when a model, seed or the profile changed since the
    last parse), with the profile of the builds (the working database by its file name, see
    `dbt_env.dbt_in_warehouse_folder`): dagster-dbt copies the saved parse state `target/partial_parse.msgpack`
    into the target folder of a new output folder, and dbt parses only what changed since."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **dbt_parent_env(),
               ENV_WAREHOUSE: WAREHOUSE_FILE}
        proc = subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
            cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
    return manifest


class SozialmonitorTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "ingest"
        return "transform"


translator = SozialmonitorTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# The build's dbt command: models, seeds, snapshots and data tests, without the unit tests. A unit test
# checks a model's logic on static rows written in its YAML, not the deliveries, so it gives the same result
# in every build; dbt Labs recommends running them in development and CI only and excluding them from
# production builds with this flag. `make test` runs every unit test (tests/dbt/test_unit_tests.py).
# dbt's own log file (`OUT/dbt/dbt.log`) at level info: one line per node started and finished, warnings and
# errors. At dbt's default (debug) it also wrote every SQL statement and connection event of every node,
# ~15 MB of JSON a build and 8 % of the dbt step's CPU (benchmarks/README.md); `dbt --debug` shows them when needed.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "info"]


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
)
def sozialmonitor_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: Settings):
    """`dbt build` of the selected models, seeds and tests against the working database of this run."""
    paths = settings.paths
    die_with_run_worker()  # multiprocess executor: this step worker ends with the run worker
    # dagster-dbt hands this process's environment to dbt: the working database (profiles.yml) and this
    # process as dbt's parent (dbt via sozialmonitor-dbt ends with it; see orchestration/process.py)
    export_dbt_env(paths)
    with writer_lock(paths.warehouse):
        # which data every model is built from (the families' delivery states): what the publication gate
        # compares for a model a later run does not build again
        with read_connection(paths.warehouse) as con:
            where = {DATA_STATE: dg.MetadataValue.json(data_state(con, paths.warehouse))}
        invocation = dbt.cli(BUILD_ARGS, context=context, target_path=dbt_target(paths.out))
        for event in read_ahead(invocation).stream():
            if isinstance(event, (dg.Output, dg.AssetMaterialization)):
                event = event.with_metadata({**event.metadata, **where})
            yield event


def seed_parse_state(target: Path) -> None:
    """Start dbt's target folder `target` from the project's parse state (`target/partial_parse.msgpack`, made
    by `ensure_manifest`), as dagster-dbt does for the empty target folder of a build's dbt step: a dbt run by
    hand or in a test through the wrapper then parses only what changed. Nothing when `target` has its own."""
    state = dbt_project.manifest_path.with_name("partial_parse.msgpack")
    if state.is_file() and not (target / state.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / state.name)


def dbt_target(out: Path) -> Path:
    """dbt's target folder of one output folder (`OUT/dbt`: artifacts, dbt.log, partial_parse.msgpack).

    The first build of an output folder starts from the project's parse state (dagster-dbt copies
    `target/partial_parse.msgpack` into an empty target folder), every later build from the folder's own;
    dbt parses only what changed since (the profile is the same for every output folder: see
    `dbt_env.dbt_in_warehouse_folder`)."""
    return out / "dbt"


class ReadAhead:
    """dbt's stdout pipe, drained by a thread of its own into an unbounded queue.

    dagster-dbt reads dbt's event stream (one JSON line per event) in the loop that also turns each event
    into Dagster events and stores them in the instance (about 1,700 per demo build: outputs,
    materialisations, check evaluations). Read in that loop, dbt blocks on the full pipe whenever the
    step stores events, and the step took about twice a plain `dbt build`. Drained ahead, dbt writes at
    its own speed; dagster-dbt still reads every line in order, converts and logs it in the step's thread
    (Dagster captures log records only there) and forwards an interruption to dbt as before."""

    def __init__(self, pipe: IO[bytes]):
        self._pipe = pipe
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        self._ended = False  # the end of the stream was read (dagster-dbt reads stdout again to its end)
        self._reader = threading.Thread(target=self._drain, name="dbt-stdout", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        try:
            for line in self._pipe:
                self._lines.put(line)
        finally:
            self._lines.put(None)  # end of the stream (dbt ended, or the pipe failed)
            self._pipe.close()

    @property
    def closed(self) -> bool:
        return self._ended  # lines may still be queued after the pipe closed

    def __iter__(self) -> Iterator[bytes]:
        while not self._ended:
            line = self._lines.get()
            if line is None:
                self._ended = True
                return
            yield line

    def __enter__(self) -> "ReadAhead":
        return self

    def __exit__(self, *exc_info: object) -> None:
        """The drain thread closes the pipe at its end (dbt ends when it is done or interrupted)."""


def read_ahead(invocation: DbtCliInvocation) -> DbtCliInvocation:
    """`invocation` with its stdout drained ahead (`ReadAhead`); call before `stream()`."""
    if invocation.process.stdout is not None:
        invocation.process.stdout = ReadAhead(invocation.process.stdout)  # type: ignore[assignment]
    return invocation


class SozialmonitorDbtCli(DbtCliResource):
    """dagster-dbt's `DbtCliResource` without the two things it does before every dbt command that this
    project never uses (together about 6 s of the dbt step, sequentially before dbt starts):

    * it runs `dbt --version` in a subprocess (a full dbt import, about 4 s) to learn the dbt version;
      the executable is `sozialmonitor-dbt`, the dbt-core of this very environment, so its version is
      the installed package's;
    * it opens a dbt adapter in the step's process, which dagster-dbt only uses to fetch row counts and
      column metadata after dbt (`fetch_row_counts()`, `fetch_column_metadata()`), which
      `sozialmonitor_dbt_assets` does not call."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return SozialmonitorDbtCli(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
