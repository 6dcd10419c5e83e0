"""The headless build writes Dagster's SQLite event log without a disk sync and a new engine per event
(orchestration/ereignisprotokoll.py), on a real local Dagster instance: while the run executes, Dagster's own
connections run with synchronous=NORMAL and closing them no longer checkpoints the run's database, the run's
database and the cross-run index are written through one kept connection each, every event is readable by
another reader at once (the UI), and at the end everything is checkpointed into the file and the process is back
to SQLite's defaults and Dagster's own connections."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from orchestration.ereignisprotokoll import schneller_schreiben


@pytest.fixture
def instance(tmp_path):
    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path)) as inst:
        yield inst


def _run(instance):
    job = dg.GraphDefinition(name="leer", node_defs=[]).to_job()
    return instance.create_run_for_job(job, run_id=str(uuid.uuid4()))


def _db(instance, shard: str) -> Path:
    return Path(instance.event_log_storage.conn_string_for_shard(shard).removeprefix("sqlite:///"))


def _events_seen_by_another_reader(instance, run_id: str) -> int:
    with dg.DagsterInstance.from_ref(instance.get_ref()) as leser:  # a second instance, as the UI has
        return len(leser.all_logs(run_id))


def _sync_of_dagsters_connections(instance, run_id: str) -> int:
    with instance.event_log_storage.run_connection(run_id) as conn:
        return conn.exec_driver_sql("PRAGMA synchronous").scalar()


def test_events_during_the_run_are_not_synced_one_by_one_and_all_reach_the_file(instance):
    run = _run(instance)
    with schneller_schreiben(instance, run.run_id):
        assert _sync_of_dagsters_connections(instance, run.run_id) == 1  # NORMAL
        before = _events_seen_by_another_reader(instance, run.run_id)
        for i in range(50):
            instance.report_engine_event(f"Ereignis {i}", run)
        # closing Dagster's per-event connections did not checkpoint: the events wait in the WAL ...
        wal = _db(instance, run.run_id).with_name(_db(instance, run.run_id).name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        # ... and are visible to any other reader at once
        assert _events_seen_by_another_reader(instance, run.run_id) == before + 50
    # the end of the run: checkpointed into the database file, defaults again
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(_db(instance, run.run_id)) as con:
        assert con.execute("SELECT count(*) FROM event_logs").fetchone()[0] == before + 50
    assert _sync_of_dagsters_connections(instance, run.run_id) == 2  # FULL


def test_without_it_every_event_is_synced_and_checkpointed(instance):
    """The default this module changes (so the test above would fail without it)."""
    run = _run(instance)
    instance.report_engine_event("Ereignis", run)
    assert _sync_of_dagsters_connections(instance, run.run_id) == 2
    wal = _db(instance, run.run_id).with_name(_db(instance, run.run_id).name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_an_error_in_the_run_restores_the_defaults(instance):
    run = _run(instance)
    with pytest.raises(RuntimeError), schneller_schreiben(instance, run.run_id):
        instance.report_engine_event("vor dem Fehler", run)
        raise RuntimeError("Abbruch")
    assert _sync_of_dagsters_connections(instance, run.run_id) == 2
    assert any(e.message == "vor dem Fehler" for e in instance.all_logs(run.run_id))


def _job_with_checks(n: int) -> dg.JobDefinition:
    """`n` assets with a check each, all in one step, as the dbt step yields models and their dbt tests."""
    specs = [dg.AssetSpec(f"modell_{i}") for i in range(n)]
    checks = [dg.AssetCheckSpec("test", asset=f"modell_{i}") for i in range(n)]

    @dg.multi_asset(specs=specs, check_specs=checks)
    def dbt_aehnlich():
        for i in range(n):
            yield dg.MaterializeResult(asset_key=f"modell_{i}")
            yield dg.AssetCheckResult(asset_key=f"modell_{i}", check_name="test", passed=i % 2 == 0)

    return dg.Definitions(assets=[dbt_aehnlich]).resolve_implicit_global_asset_job_def()


@contextlib.contextmanager
def _sqlite_connections_opened() -> Iterator[list[str]]:
    """The file name of every SQLite connection SQLAlchemy opens meanwhile."""
    opened: list[str] = []

    def count(dbapi_connection, _record) -> None:
        opened.append(Path(dbapi_connection.execute("PRAGMA database_list").fetchone()[2]).name)

    event.listen(Engine, "connect", count)
    try:
        yield opened
    finally:
        event.remove(Engine, "connect", count)


def test_a_run_writes_its_database_and_the_index_through_one_connection_each_and_the_index_is_complete(instance):
    """Dagster's own event log opens a connection (and a new engine) for every write and for most of its
    questions whether the index has a table: 30 materialisations and 30 check evaluations, with their planned
    events and step outputs, are hundreds of connections to the run's database and the index (the control below).
    During the run: the kept engines' one connection per file and one per table asked about; what reaches the
    index is the same."""
    event_log = {"index.db", f"{(run_id := str(uuid.uuid4()))}.db"}
    job = _job_with_checks(30)
    with schneller_schreiben(instance, run_id), _sqlite_connections_opened() as opened:
        assert job.execute_in_process(instance=instance, run_id=run_id).success
    assert 2 <= len([f for f in opened if f in event_log]) <= 4
    with _sqlite_connections_opened() as opened:  # control: Dagster's own connections again after the run
        result = job.execute_in_process(instance=instance)
    assert len([f for f in opened if f in {"index.db", f"{result.run_id}.db"}]) > 200
    with dg.DagsterInstance.from_ref(instance.get_ref()) as leser:  # what the UI and the publication gate read
        for i in range(30):
            key = dg.AssetKey(f"modell_{i}")
            assert leser.get_latest_materialization_event(key) is not None
            record = leser.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(key, "test"), limit=5)
            assert [r.run_id for r in record][-1] == run_id  # the oldest of the two runs: ours
            assert record[-1].status.value == ("SUCCEEDED" if i % 2 == 0 else "FAILED")
