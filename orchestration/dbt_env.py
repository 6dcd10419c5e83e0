"""The channel between a run and the dbt processes it starts: the working database and the parent's pid in their
environment. dbt's profiles.yml reads the database with `env_var()` (a dbt `--vars` value would change dbt's parse
hash and cost a full re-parse every run); the wrapper `sozialmonitor-dbt` (orchestration/process.py) reads both
before dbt starts.

Beside `settings.py` the only module that reads the environment, and only these two variables: the wrapper
imports it before dbt starts, without Dagster (importing `settings.py`, which defines the Dagster resource, cost
every dbt command 0.9 s).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.settings import Paths

# dbt's profiles.yml reads the working database path from this variable.
ENV_WAREHOUSE = "SOZIALMONITOR_WAREHOUSE"
# The pid of the process that starts dbt; the wrapper `sozialmonitor-dbt` (orchestration/process.py)
# checks that it is still its parent after arming the parent-death signal.
ENV_DBT_PARENT_PID = "SOZIALMONITOR_DBT_PARENT_PID"


def export_dbt_env(paths: Paths) -> None:
    """Hand the run's working database and this process (as dbt's parent) to the dbt processes this
    process starts: dagster-dbt passes its environment on, and dbt reads profiles with `env_var()`
    (a dbt `--vars` value would change dbt's parse hash and cost a full re-parse every run)."""
    os.environ[ENV_WAREHOUSE] = str(paths.warehouse)
    os.environ[ENV_DBT_PARENT_PID] = str(os.getpid())


def dbt_in_warehouse_folder() -> Path | None:
    """In the dbt wrapper, before dbt starts: when the working database is named by an absolute path, name
    it by its file name instead, keep dbt's project folder (the current one, unless DBT_PROJECT_DIR names
    it) and return the database's folder, in which the wrapper then runs dbt. So the profile reads the
    same path in every output folder: dbt re-parses the whole project (about 5 s) whenever the profile
    differs from the one its saved parse state was made with. None when there is nothing to change."""
    value = os.environ.get(ENV_WAREHOUSE, "")
    if not os.path.isabs(value):
        return None
    os.environ.setdefault("DBT_PROJECT_DIR", os.getcwd())
    os.environ[ENV_WAREHOUSE] = os.path.basename(value)
    return Path(value).parent


def dbt_parent_env() -> dict[str, str]:
    """The environment entry that names this process as the parent of a dbt process it starts."""
    return {ENV_DBT_PARENT_PID: str(os.getpid())}


def dbt_parent_pid() -> int | None:
    """In the dbt wrapper: the pid of the process that started it (None when started by hand)."""
    value = os.environ.get(ENV_DBT_PARENT_PID, "")
    return int(value) if value.isdigit() else None
