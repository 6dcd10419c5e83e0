"""The environments `make setup` (uv sync) and `superset/manage.sh setup` install are byte-compiled at install:
every module of the heavy packages has its cached bytecode, so no build, dbt, Dagster or Superset process
compiles its imports from source again (also where PYTHONDONTWRITEBYTECODE is set; about 2 s per process,
benchmarks/README.md). Bytecode written lazily at first import covers only the modules some process imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# prints, per package, the number of its .py files and those without cached bytecode (first three named)
UNCOMPILED = """
import importlib.util, pathlib, sys
for name in sys.argv[1:]:
    root = pathlib.Path(importlib.util.find_spec(name).submodule_search_locations[0])
    files = sorted(root.rglob("*.py"))
    missing = [str(f.relative_to(root)) for f in files if not pathlib.Path(importlib.util.cache_from_source(str(f))).exists()]
    print(name, len(files), len(missing), missing[:3])
"""


def _uncompiled(python: Path | str, packages: list[str]) -> list[str]:
    out = subprocess.run([str(python), "-c", UNCOMPILED, *packages], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.split()[2] != "0"]


def test_the_project_environment_is_byte_compiled():
    assert _uncompiled(sys.executable, ["dagster", "dagster_dbt", "dbt", "great_expectations", "pandas", "duckdb"]) == []


@pytest.mark.superset
def test_the_superset_environment_is_byte_compiled():
    python = REPO / ".venv-superset" / "bin" / "python"
    assert python.exists(), "bash superset/manage.sh setup"
    assert _uncompiled(python, ["superset", "flask_appbuilder", "sqlalchemy", "pandas"]) == []
