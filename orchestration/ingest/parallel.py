"""Load independent delivery families at the same time: threads of one process on one DuckDB connection.

DuckDB allows one read-write process per file, so the families of a build cannot load in processes of their
own; threads can: each family loads on a cursor of its own (a connection to the same database, with its
own transactions and temp tables) while DuckDB runs its queries without holding Python's GIL.

`load_families` runs `work(cursor, family)` for each family in a pool of threads, a family only once every
family it loads `after` (orchestration/ingest/families.py) has finished, and reports each family as it
finishes. A family whose `work` raised is reported with its error, and the families that load after it
are not loaded (reported as skipped); every other family still loads.

What the threads share is safe: the delivery-state log (`raw.ingest__lieferstatus`) is only appended to
(concurrent appends never conflict in DuckDB); every family writes its own raw tables and views; the shared
schema objects (schemas, the view `raw.ingest__ausgeschlossen`) are created or replaced one family at a
time (`runner.SCHEMA_CHANGES`), since two transactions replacing one view conflict; GX runs one suite run
at a time (quality/runner.py). The caller sets DuckDB's thread count (a setting of the whole database) once
for the block: each family's queries then run on its own thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.ingest.families import Family


@dataclass
class Outcome:
    """One family of the block: what `work` returned, or its error, or why it was not loaded."""

    family: str
    value: Any = None
    error: BaseException | None = None
    skipped: str | None = None  # the family (loaded before it) whose failure left it out
    started: float = 0.0  # time.time() when its work began and ended
    ended: float = 0.0
    cpu: float = 0.0  # CPU seconds of its thread (DuckDB runs each query on the calling thread)
    thread: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def workers_for(count: int) -> int:
    """Threads for `count` families: one per CPU, at least two (a family waits on files and locks too)."""
    return max(1, min(count, max(2, os.cpu_count() or 1)))


def _order(families: Sequence[Family]) -> dict[str, tuple[int, int]]:
    """Start order among ready families: those more families wait for first (the longest chain of the demo
    build, Gebietsstand → GENESIS → SGB II, starts early), then the declared order."""
    names = {f.name for f in families}
    waiting_for: dict[str, set[str]] = {f.name: set() for f in families}
    for f in families:
        for before in f.after:
            if before in names:
                waiting_for[before].add(f.name)

    def dependents(name: str) -> set[str]:
        found = set(waiting_for[name])
        for other in waiting_for[name]:
            found |= dependents(other)
        return found

    return {f.name: (-len(dependents(f.name)), i) for i, f in enumerate(families)}


def load_families(con: duckdb.DuckDBPyConnection, families: Sequence[Family],
                  work: Callable[[duckdb.DuckDBPyConnection, Family], Any],
                  workers: int | None = None) -> Iterator[Outcome]:
    """Yield an `Outcome` per family of `families` as it finishes (see module doc). `after` names outside
    `families` count as loaded. If the consumer stops early (an error, an interrupted run), the queries
    still running are interrupted and nothing more is started."""
    by_name = {f.name: f for f in families}
    order = _order(families)
    waits = {f.name: {a for a in f.after if a in by_name} for f in families}
    pending = set(by_name)
    workers = workers or workers_for(len(families))
    running: dict[Future, tuple[str, duckdb.DuckDBPyConnection]] = {}

    def run(family: Family, cursor: duckdb.DuckDBPyConnection) -> Outcome:
        outcome = Outcome(family.name, started=time.time(), thread=threading.current_thread().name)
        cpu = time.thread_time()
        try:
            outcome.value = work(cursor, family)
        except Exception as error:  # noqa: BLE001 - reported with the family's name; the others go on
            outcome.error = error
        finally:
            outcome.ended, outcome.cpu = time.time(), time.thread_time() - cpu
            cursor.close()
        return outcome

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
    finished = False
    try:
        while pending or running:
            ready = sorted((n for n in pending if not waits[n]), key=order.__getitem__)
            for name in ready[:max(0, workers - len(running))]:
                pending.discard(name)
                cursor = con.cursor()  # created here: the parent connection is not shared between threads
                running[pool.submit(run, by_name[name], cursor)] = (name, cursor)
            if not running:
                raise RuntimeError(f"the families {sorted(pending)} wait for each other (families.py: after)")
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: order[running[f][0]]):
                name, _ = running.pop(future)
                outcome = future.result()
                yield outcome
                if outcome.error is not None:
                    yield from _skip_after(name, pending, waits)
                for other in pending:
                    waits[other].discard(name)
        finished = True
    finally:
        if not finished:
            for _, cursor in running.values():
                try:
                    cursor.interrupt()
                except duckdb.Error:
                    pass
        pool.shutdown(wait=True, cancel_futures=True)


def _skip_after(failed: str, pending: set[str], waits: dict[str, set[str]]) -> Iterator[Outcome]:
    """The families that wait (directly or through others) for the failed family: not loaded."""
    for name in sorted(pending):
        if failed in waits[name] and name in pending:
            pending.discard(name)
            yield Outcome(name, skipped=failed)
            yield from _skip_after(name, pending, waits)
