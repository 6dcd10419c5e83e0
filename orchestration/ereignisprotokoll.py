"""The headless build's writes into Dagster's SQLite event log, without a disk sync and a new engine per event.

Dagster's SQLite event log creates a new SQLAlchemy engine and opens a new connection for every write of a run
(about 1,700 events in a demo build: step outputs, materialisations, planned and finished check evaluations, one
per dbt test; most written to the run's database and to the cross-run index), commits it with SQLite's default
`synchronous=FULL` (a disk sync per commit) and closes it; closing the last connection of a WAL database
checkpoints it (a second sync), and a new engine starts with an empty statement cache, so every INSERT is
compiled again. On this 2-core machine that cost about 20 ms per event at first, half of the dbt step
(benchmarks/README.md). For the duration of one run `schneller_schreiben`
- sets `PRAGMA synchronous=NORMAL` on every SQLite connection SQLAlchemy opens in this process (only
  Dagster's storages use it): SQLite's recommended setting in WAL mode, where a commit is not synced until the
  next checkpoint. A crash of the process loses nothing; a power failure may lose the last events of the run
  history, never corrupt it (https://www.sqlite.org/pragma.html#pragma_synchronous). The warehouse is DuckDB and
  not affected;
- writes the run's database and the cross-run index through one engine each, kept for the run, with one pooled
  connection (Dagster's `_connect(shard)` of this storage object is replaced for the run; other shards, e.g.
  other runs' databases, go through Dagster's own). The connection stays open between events, so closing it no
  longer checkpoints, and the engine's statement cache compiles each kind of INSERT once. SQLite checkpoints as
  usual every 1,000 pages, and at the end of the run, when the engines close their connections. Writes stay
  serialised by the storage's own lock, each in its own transaction, as before. Whether the index has a table
  (Dagster asks for most events, each time through a new engine) is asked once per table and run: the schema
  of the instance changes only with `dagster instance migrate`, not during a run.
The UI reads the same files (WAL allows readers during writes) and shows the run as before.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS  # how long Dagster's own connections wait
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

INDEX_SHARD = "index"  # Dagster's cross-run index database (index.db next to the run databases)


def _normal_sync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _connect_through(storage: Any, engines: dict[str, Engine], dagsters: Callable) -> Callable:
    """`storage._connect(shard)` for the run: the shards in `engines` through their kept engine, as Dagster's own
    does (the storage's lock, one transaction per use), every other shard through Dagster's own `dagsters`."""

    @contextlib.contextmanager
    def _connect(shard: str) -> Iterator[Connection]:
        engine = engines.get(shard)
        if engine is None:
            with dagsters(shard) as conn:
                yield conn
            return
        with storage._db_lock, engine.connect() as conn, conn.begin():
            yield conn

    return _connect


@contextlib.contextmanager
def schneller_schreiben(instance: dg.DagsterInstance, run_id: str) -> Iterator[None]:
    """While the run `run_id` executes in this process: no disk sync and no new engine per event (see the module
    docstring). Other event log storages (e.g. Postgres) are left alone."""
    storage = instance.event_log_storage
    if not hasattr(storage, "conn_string_for_shard"):  # not Dagster's sharded SQLite event log
        yield
        return
    event.listen(Engine, "connect", _normal_sync)
    engines: dict[str, Engine] = {}
    try:
        for shard, connection in ((run_id, storage.run_connection), (INDEX_SHARD, storage.index_connection)):
            with (connection(run_id) if shard == run_id else connection()):
                pass  # Dagster creates the database (schema, WAL) on first use
            engines[shard] = create_engine(storage.conn_string_for_shard(shard), pool_size=1,
                                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        storage._connect = _connect_through(storage, engines, storage._connect)
        storage.has_table = functools.cache(storage.has_table)  # asked per event; the schema is fixed during a run
        yield
    finally:
        for method in ("_connect", "has_table"):
            storage.__dict__.pop(method, None)  # Dagster's own methods again
        for engine in engines.values():
            engine.dispose()  # closes the last connection: SQLite checkpoints the run's events into the file
        event.remove(Engine, "connect", _normal_sync)
