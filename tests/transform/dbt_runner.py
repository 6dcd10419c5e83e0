"""dbt in a test as the pipeline runs it (import: `from transform.dbt_runner import run_dbt`; tests/ is on sys.path)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.dbt import dbt_executable, seed_parse_state


def run_dbt(args: list[str], warehouse: Path, target: Path, project: Path = DBT_PROJECT_DIR,
            timeout: int = 900) -> subprocess.CompletedProcess:
    """`dbt ARGS` against `warehouse` (named warehouse.duckdb, the file name of the builds' profile) through the
    wrapper sozialmonitor-dbt, which runs dbt in the warehouse's folder, with its own target/log folders (other
    runs may use the project). Like a build's dbt step it starts from the project's parse state and parses only
    what changed; `project`: a copy of dbt_project/ (with seeds/catalogue beside it) a test has changed, parsed
    from scratch."""
    if project == DBT_PROJECT_DIR:
        seed_parse_state(target)
    env = {**os.environ, "SOZIALMONITOR_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [dbt_executable(), *args, "--project-dir", str(project), "--profiles-dir", str(project),
           "--target-path", str(target), "--log-path", str(target / "logs")]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
