"""The dbt resource of the build starts dbt and nothing else: no `dbt --version` subprocess and no dbt
adapter in the step's process before every dbt command (orchestration/transform/dbt.py), and the dbt
version it reports to dagster-dbt is the one the wrapper `sozialmonitor-dbt` really runs."""

from __future__ import annotations

import re
import stat
import subprocess

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.dbt import SozialmonitorDbtCli, dbt_executable, dbt_project, dbt_resource


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
