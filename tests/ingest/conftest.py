"""Fixtures shared by the ingest tests: a run's folders, its working database, and a delivery writer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Paths


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write a delivery file: `lines` joined by `newline` (with a final one), encoded as `encoding`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


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
