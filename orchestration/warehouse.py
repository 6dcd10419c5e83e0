"""Connections to the working DuckDB file.

DuckDB allows one read-write process per file. Every writer goes through `write_connection`, which
holds an exclusive file lock beside the database for as long as the connection is open, so writers from
different processes (a CLI build, a run from the Dagster UI, a sensor run) queue instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import duckdb

_EXTENSIONS = {
    "spatial": "duckdb_extension_spatial",
    "excel": "duckdb_extension_excel",
}


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.name` exists in the database of `con` (e.g. a family's raw table before its first load)."""
    schema, name = table.split(".")
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name]).fetchone()[0])


def extension_path(name: str) -> Path:
    """Path of a DuckDB extension binary shipped as a PyPI package (no download at run time)."""
    import importlib

    module = importlib.import_module(_EXTENSIONS[name])
    files = sorted(Path(module.__file__).parent.glob(f"extensions/*/{name}.duckdb_extension"))
    if not files:
        raise RuntimeError(f"DuckDB extension {name!r} not found in package {_EXTENSIONS[name]}")
    return files[-1]


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"LOAD '{extension_path(name)}'")


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """Exclusive, cross-process lock on `lock_path` (created if missing; released when the block ends
    or the process dies)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def writer_lock(database: Path) -> Iterator[None]:
    """Exclusive, cross-process lock for everything that writes `database` (`<database>.lock`)."""
    with file_lock(database.with_name(database.name + ".lock")):
        yield


@contextlib.contextmanager
def write_connection(database: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection under the writer lock; closed (and the lock released) on exit. An empty file is a
    working database whose creation a killed process interrupted (DuckDB creates the file, then writes its header):
    it holds nothing and is created anew, instead of failing every later build as "not a valid DuckDB database"."""
    with writer_lock(database):
        if database.is_file() and database.stat().st_size == 0:
            database.with_name(database.name + ".wal").unlink(missing_ok=True)
            database.unlink()
        con = duckdb.connect(str(database))
        try:
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def read_connection(database: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        yield con
    finally:
        con.close()
