"""The dbt resource of the build starts dbt and nothing else: no `dbt --version` subprocess and no dbt
adapter in the step's process before every dbt command (orchestration/transform/dbt.py), and the dbt
version it reports to dagster-dbt is the one the wrapper `sozialmonitor-dbt` really runs; dbt of a new
output folder parses only what changed since the project's parse, and opens that folder's database."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess

from orchestration.dbt_env import ENV_DBT_PARENT_PID, ENV_WAREHOUSE, export_dbt_env
from orchestration.process import absolute_path_options
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths
from orchestration.transform.dbt import SozialmonitorDbtCli, dbt_executable, dbt_project, dbt_resource, dbt_target


def _recording_dbt(tmp_path):
    """An executable that records each dbt command line it is started with, then runs the real dbt."""
    calls = tmp_path / "calls.txt"
    script = tmp_path / "dbt-recording"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{dbt_executable()}" "$@"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, calls


def test_a_dbt_command_starts_dbt_once_and_opens_no_adapter(tmp_path, monkeypatch):
    monkeypatch.setenv("SOZIALMONITOR_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    script, calls = _recording_dbt(tmp_path)
    dbt = SozialmonitorDbtCli(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(script))

    # a dbt command that needs no database and writes nothing into the project (logs into tmp_path)
    command = ["debug", "--config-dir", "--log-path", str(tmp_path / "logs")]
    invocation = dbt.cli(command, target_path=tmp_path / "target")
    invocation.wait()

    assert invocation.is_successful()
    recorded = calls.read_text(encoding="utf-8").splitlines()
    assert len(recorded) == 1 and " ".join(command) in recorded[0], recorded  # no `--version` run before it
    assert invocation.adapter is None


def test_the_reported_dbt_version_is_the_one_the_wrapper_runs():
    printed = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True, check=True).stdout
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed)
    assert installed, printed
    assert str(dbt_resource()._cli_version) == installed.group(1)


def test_dbt_of_a_new_output_folder_parses_only_what_changed_and_opens_that_folders_database(tmp_path, monkeypatch):
    """dbt re-parses the whole project (about 5 s) when its profile differs from the one of its saved parse
    state. The working database's path differs per output folder, so the wrapper runs dbt in that folder and
    the profile reads just the file name: two new output folders both start from the project's parse state."""
    for name in (ENV_WAREHOUSE, ENV_DBT_PARENT_PID):  # export_dbt_env sets them; monkeypatch restores them
        monkeypatch.delenv(name, raising=False)
    for name in ("erster", "zweiter"):
        out = tmp_path / name / "out"
        out.mkdir(parents=True)
        export_dbt_env(Paths(region=REPO_ROOT, landing=out, out=out))
        invocation = dbt_resource().cli(["show", "--inline", "select 42 as antwort"], target_path=dbt_target(out))
        invocation.wait()
        assert invocation.is_successful()
        assert (out / "warehouse.duckdb").exists()  # the folder's database, opened by its file name
        messages = [json.loads(line)["info"]["msg"] for line in (dbt_target(out) / "dbt.log").read_text().splitlines()]
        assert not [m for m in messages if "Unable to do partial parsing" in m], messages[:5]
        assert any(m.startswith("Partial parsing enabled") for m in messages)
    assert not (DBT_PROJECT_DIR / "warehouse.duckdb").exists()


def test_the_wrapper_makes_relative_dbt_paths_absolute_before_it_changes_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert absolute_path_options(["build", "--project-dir", "p", "--target-path=t", "--select", "x",
                                  "--profiles-dir", "/abs"]) == [
        "build", "--project-dir", os.path.join(tmp_path, "p"), f"--target-path={tmp_path / 't'}", "--select", "x",
        "--profiles-dir", "/abs"]
