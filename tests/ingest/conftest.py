"""Fixtures shared by the ingest tests: a run's folders, its working database, a delivery writer and the bundled
region profile loaded into that database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.region import Region, load_region
from orchestration.settings import DEFAULT_REGION, Paths


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write a delivery file: `lines` joined by `newline` (with a final one), encoded as `encoding`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


class CountingConnection:
    """A connection that counts the queries sent through it (everything else goes to the connection)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.queries = con, 0

    def execute(self, *args):
        self.queries += 1
        return self.con.execute(*args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


@pytest.fixture
def write():
    """write(path, lines, encoding="utf-8", newline="\\n") -> path (see write_lines)."""
    return write_lines


@pytest.fixture
def paths(tmp_path) -> Paths:
    return Paths(region=tmp_path / "region", landing=tmp_path / "landing", out=tmp_path / "out")


@pytest.fixture
def con(paths):
    """The run's working database (paths.warehouse)."""
    paths.out.mkdir(parents=True)
    con = duckdb.connect(str(paths.warehouse))
    yield con
    con.close()


@pytest.fixture
def region(con) -> Region:
    """The bundled region profile (Darmstadt-Dieburg, with Ortsteile), loaded into the working database."""
    profile = Region.load(DEFAULT_REGION)
    load_region(con, profile)
    return profile
