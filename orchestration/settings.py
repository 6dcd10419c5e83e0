"""Paths and settings of one pipeline run, read from the environment.

The CLI (`sozialmonitor build --region --landing --out`) and the Dagster UI both go through these
environment variables, so a run started from either place sees the same folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"
VAR_DIR = REPO_ROOT / "var"
DEFAULT_LANDING = VAR_DIR / "landing"
DEFAULT_OUT = VAR_DIR / "out"
SHIPPED_DATA = REPO_ROOT / "data"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

ENV_REGION = "SOZIALMONITOR_REGION"
ENV_LANDING = "SOZIALMONITOR_LANDING"
ENV_OUT = "SOZIALMONITOR_OUT"
# dbt's profiles.yml reads the working database path from this variable.
ENV_WAREHOUSE = "SOZIALMONITOR_WAREHOUSE"
# The pid of the process that starts dbt; the wrapper `sozialmonitor-dbt` (orchestration/process.py)
# checks that it is still its parent after arming the parent-death signal.
ENV_DBT_PARENT_PID = "SOZIALMONITOR_DBT_PARENT_PID"


@dataclass(frozen=True)
class Paths:
    region: Path
    landing: Path
    out: Path

    @property
    def warehouse(self) -> Path:
        """The working database: raw, staging, intermediate and mart schemas."""
        return self.out / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.out / "published"

    @property
    def published(self) -> Path:
        """The serving file readers open read-only (only the `mart` schema)."""
        return self.published_dir / "sozialmonitor.duckdb"

    @property
    def serving_dir(self) -> Path:
        """Superset's own copy of the published file lives here (read-only folder and file)."""
        return self.out / "serving"

    @property
    def serving(self) -> Path:
        """The copy Superset serves: same bytes as `published`, a separate file, mode 0444 in a 0555
        folder, swapped atomically by the publisher. Destroying it cannot touch `published/`."""
        return self.serving_dir / "sozialmonitor.duckdb"

    @property
    def build_lock(self) -> Path:
        """Held (`flock`) by the one `sozialmonitor build` or `rollback` working on this output folder;
        holds its PID. The kernel releases it when the process dies, so a killed build never blocks."""
        return self.out / "build.lock"

    @property
    def publish_lock(self) -> Path:
        """Serialises every writer of `published/` and `serving/` (publish, rollback)."""
        return self.out / "publish.lock"

    @property
    def publish_tmp(self) -> Path:
        """Temporary files of publish and rollback: on the same file system as `published/` (so
        `os.replace` is atomic) but outside it; emptied by the next publish or rollback."""
        return self.out / ".tmp-publish"

    @property
    def quarantine(self) -> Path:
        return self.landing / "_quarantine"

    def export_env(self) -> None:
        """Make these paths the ones every component (Dagster, dbt) of this process uses."""
        os.environ[ENV_REGION] = str(self.region)
        os.environ[ENV_LANDING] = str(self.landing)
        os.environ[ENV_OUT] = str(self.out)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)


def export_dbt_parent() -> None:
    """Record this process as the parent of the dbt processes it is about to start."""
    os.environ[ENV_DBT_PARENT_PID] = str(os.getpid())


def dbt_parent_env() -> dict[str, str]:
    """The environment entry that names this process as the parent of a dbt process it starts."""
    return {ENV_DBT_PARENT_PID: str(os.getpid())}


def dbt_parent_pid() -> int | None:
    """In the dbt wrapper: the pid of the process that started it (None when started by hand)."""
    value = os.environ.get(ENV_DBT_PARENT_PID, "")
    return int(value) if value.isdigit() else None


def current_paths() -> Paths:
    """The paths of the current process (environment, falling back to the bundled defaults)."""
    return Paths(
        region=Path(os.environ.get(ENV_REGION) or DEFAULT_REGION).resolve(),
        landing=Path(os.environ.get(ENV_LANDING) or DEFAULT_LANDING).resolve(),
        out=Path(os.environ.get(ENV_OUT) or DEFAULT_OUT).resolve(),
    )
