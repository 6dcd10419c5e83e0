"""The headless build's writes into Dagster's SQLite event log, without two disk syncs per event.

Dagster's SQLite event log opens a new connection for every event of a run (about 3,200 in a demo build:
step outputs, materialisations, one check evaluation per dbt test), commits it with SQLite's default
`synchronous=FULL` (a disk sync per commit) and closes it; closing the last connection of a WAL database
checkpoints it (a second sync). On this 2-core machine that cost about 20 ms per event, half of the dbt
step (benchmarks/README.md). For the duration of one run `schneller_schreiben`
- sets `PRAGMA synchronous=NORMAL` on every SQLite connection SQLAlchemy opens in this process (only
  Dagster's storages use it): SQLite's recommended setting in WAL mode, where a commit is not synced until the
  next checkpoint. A crash of the process loses nothing; a power failure may lose the last events of the run
  history, never corrupt it (https://www.sqlite.org/pragma.html#pragma_synchronous). The warehouse is DuckDB and
  not affected;
- keeps one idle connection open to the run's database and to the cross-run index, so that closing Dagster's
  per-event connections no longer checkpoints; SQLite checkpoints as usual every 1,000 pages, and at the end of
  the run, when the idle connections close.
The UI reads the same files (WAL allows readers during writes) and shows the run as before.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import dagster as dg
from sqlalchemy import event
from sqlalchemy.engine import Engine

INDEX_SHARD = "index"  # Dagster's cross-run index database (index.db next to the run databases)


def _normal_sync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


@contextlib.contextmanager
def schneller_schreiben(instance: dg.DagsterInstance, run_id: str) -> Iterator[None]:
    """While the run `run_id` executes in this process: no disk sync per event (see the module docstring).
    Other event log storages (e.g. Postgres) are left alone."""
    storage = instance.event_log_storage
    if not hasattr(storage, "conn_string_for_shard"):  # not Dagster's sharded SQLite event log
        yield
        return
    event.listen(Engine, "connect", _normal_sync)
    offen: list[sqlite3.Connection] = []
    try:
        for shard, connection in ((run_id, storage.run_connection), (INDEX_SHARD, storage.index_connection)):
            with (connection(run_id) if shard == run_id else connection()):
                pass  # Dagster creates the database (schema, WAL) on first use
            pfad = storage.conn_string_for_shard(shard).removeprefix("sqlite:///")
            idle = sqlite3.connect(pfad, timeout=30)
            idle.execute("SELECT count(*) FROM sqlite_master").fetchone()
            offen.append(idle)
        yield
    finally:
        for idle in offen:
            idle.close()  # the last connection: SQLite checkpoints the run's events into the database file
        event.remove(Engine, "connect", _normal_sync)
