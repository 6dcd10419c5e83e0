"""The headless build writes Dagster's SQLite event log without a disk sync per event
(orchestration/ereignisprotokoll.py), on a real local Dagster instance: while the run executes, Dagster's own
connections run with synchronous=NORMAL and closing them no longer checkpoints the run's database, every event
is readable by another reader at once (the UI), and at the end everything is checkpointed into the file and the
process is back to SQLite's defaults."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import dagster as dg
import pytest

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
