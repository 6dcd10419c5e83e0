"""Load independent delivery families at the same time: threads of one process on one DuckDB connection.

DuckDB allows one read-write process per file, so the families of a build cannot load in processes of their
own; threads can: each family loads on a cursor of its own (a connection to the same database, with its
own transactions and temp tables) while DuckDB runs its queries without holding Python's GIL.

`load_families` runs `work(cursor, family, checked_against_loaded)` for each family in a thread of its own and
reports each family as it finishes. Two kinds of dependency (orchestration/ingest/families.py):
- `after`: the family starts only once every family it loads after has finished;
- `checked_against`: the family loads at the same time as those families, and only the check of its new
  deliveries waits for them: `checked_against_loaded()` blocks until they have finished. A family starts
  only once every family it is checked against has started (with two threads: GENESIS and SGB II load side
  by side, and the population check of the SGB II months waits for GENESIS and the Melderegister at the end).
Turns: at most `workers` families load at a time. A family waiting in `checked_against_loaded()` gives its
turn to the next family and, once it may go on, takes one again before any new family starts. Among the
families ready to start, those that would wait (a family they are checked against is still loading) come
after those that would not (Jugendhilfe loads while GENESIS does, and SGB II after it); then those that more
families need, then the larger ones (`size`: the build passes the bytes of each family's landing folder), so
that no long family starts last and loads alone at the end.
A family whose `work` raised is reported with its error; the families that load after it or are checked
against it are not loaded when they have not started yet (reported as skipped), and when they have, their
`checked_against_loaded()` raises `NotChecked` (their deliveries stay new and are judged in the next run).
Every other family still loads.

What the threads share is safe: the delivery-state log (`raw.ingest__lieferstatus`) is only appended to
(concurrent appends never conflict in DuckDB); every family writes its own raw tables and views; the shared
schema objects (schemas, the view `raw.ingest__ausgeschlossen`) are created or replaced one family at a
time (`runner.SCHEMA_CHANGES`), since two transactions replacing one view conflict; GX runs one suite run
at a time (quality/runner.py). The caller sets DuckDB's thread count (a setting of the whole database) once
for the block: each family's queries then run on its own thread; the last family, once alone, gets the caller's
count back (`threads_alone`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.ingest.families import Family


class NotChecked(RuntimeError):
    """A family the waiting family is checked against failed or was not loaded: its new deliveries cannot be
    judged in this run."""

    def __init__(self, family: str) -> None:
        super().__init__(f"{family} fehlgeschlagen")
        self.family = family


@dataclass
class Outcome:
    """One family of the block: what `work` returned, or its error, or why it was not loaded."""

    family: str
    value: Any = None
    error: BaseException | None = None
    skipped: str | None = None  # the family (loaded before it, or checked against) whose failure left it out
    started: float = 0.0  # time.time() when its work began and ended
    ended: float = 0.0
    cpu: float = 0.0  # CPU seconds of its thread (DuckDB runs each query on the calling thread)
    thread: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def workers_for(count: int) -> int:
    """Turns for `count` families (families loading at a time): one per CPU, at least two (a family waits on
    files and locks too)."""
    return max(1, min(count, max(2, os.cpu_count() or 1)))


def _needs(family: Family) -> tuple[str, ...]:
    """The families `family` needs: those it loads after and those it is checked against."""
    return (*family.after, *family.checked_against)


def _order(families: Sequence[Family], size: Callable[[Family], int] | None = None) -> dict[str, tuple[int, int, int]]:
    """Start order among ready families: those more families need first (the longest chain of the demo
    build, Gebietsstand → GENESIS, starts early), then the larger ones (`size`, e.g. the bytes of their
    deliveries: a long family started last would load alone at the end), then the declared order."""
    names = {f.name for f in families}
    waiting_for: dict[str, set[str]] = {f.name: set() for f in families}
    for f in families:
        for before in _needs(f):
            if before in names:
                waiting_for[before].add(f.name)

    def dependents(name: str) -> set[str]:
        found, todo = set(), [name]
        while todo:
            for other in waiting_for[todo.pop()] - found:
                found.add(other)
                todo.append(other)
        return found

    return {f.name: (-len(dependents(f.name)), -(size(f) if size else 0), i) for i, f in enumerate(families)}


def load_families(con: duckdb.DuckDBPyConnection, families: Sequence[Family],
                  work: Callable[[duckdb.DuckDBPyConnection, Family, Callable[[], None]], Any],
                  workers: int | None = None, size: Callable[[Family], int] | None = None,
                  threads_alone: int | None = None) -> Iterator[Outcome]:
    """Yield an `Outcome` per family of `families` as it finishes (see module doc), never before the outcomes
    of the families it needs (`after`, `checked_against`: a family with nothing new to check can finish first;
    its outcome waits for theirs, so that the consumer reports them in the order of the asset graph). `after`
    and `checked_against` names outside `families` count as loaded. If the consumer stops early (an error, an
    interrupted run), the queries still running are interrupted, a family waiting for others stops with
    `NotChecked`, and nothing more is started. `threads_alone`: once every other family has finished and none
    is left to start, DuckDB's thread count is raised to it (the caller ran the block on one thread and restores
    the count afterwards): the queries the last family starts from then on — its audit's datasets above all —
    use the cores the others no longer need (a Germany-wide GENESIS load is the only family for most of the step)."""
    by_name = {f.name: f for f in families}
    order = _order(families, size)
    waits = {f.name: {a for a in f.after if a in by_name} for f in families}
    checked = {f.name: {a for a in f.checked_against if a in by_name} for f in families}
    needs = {name: waits[name] | checked[name] for name in by_name}
    reported: set[str] = set()
    held: list[Outcome] = []

    def report(outcome: Outcome) -> Iterator[Outcome]:
        """`outcome` and every held one whose needed families have all been reported, in dependency order."""
        held.append(outcome)
        while ready := [o for o in held if needs[o.family] <= reported]:
            for o in ready:
                held.remove(o)
                reported.add(o.family)
                yield o
    pending = set(by_name)
    workers = workers or workers_for(len(families))
    running: dict[Future, tuple[str, duckdb.DuckDBPyConnection]] = {}
    finished_events = {name: threading.Event() for name in by_name}
    failed: set[str] = set()  # families that raised or were not loaded (written before their event is set)
    # families loading now, without those waiting in checked_against_loaded (at most `workers`); the scheduler
    # waits on `changed` for a family to finish or to begin waiting
    changed = threading.Condition()
    active = 0
    resuming = 0  # families whose wait is over and who wait for a turn: they go before new families
    stopping = False  # the block ends early: nobody hands out turns any more

    def finish(name: str, failure: bool) -> None:
        if failure:
            failed.add(name)
        finished_events[name].set()

    def release() -> None:
        nonlocal active
        with changed:
            active -= 1
            changed.notify_all()

    def wake(_: Future) -> None:
        with changed:
            changed.notify_all()

    def checked_against_loaded(family: Family) -> Callable[[], None]:
        def wait() -> None:
            nonlocal active, resuming
            names = sorted(checked[family.name])
            if not all(finished_events[name].is_set() for name in names):
                release()  # the thread's turn goes to the next family while this one waits
                for name in names:
                    finished_events[name].wait()
                with changed:
                    resuming += 1
                    while active >= workers and not stopping:
                        changed.wait()
                    resuming -= 1
                    active += 1
            for name in names:
                if name in failed or stopping:
                    raise NotChecked(name)
        return wait

    def run(family: Family, cursor: duckdb.DuckDBPyConnection) -> Outcome:
        outcome = Outcome(family.name, started=time.time(), thread=threading.current_thread().name)
        cpu = time.thread_time()
        try:
            outcome.value = work(cursor, family, checked_against_loaded(family))
        except NotChecked as error:
            outcome.skipped = error.family
        except Exception as error:  # noqa: BLE001 - reported with the family's name; the others go on
            outcome.error = error
        finally:
            outcome.ended, outcome.cpu = time.time(), time.thread_time() - cpu
            cursor.close()
            finish(family.name, outcome.error is not None or outcome.skipped is not None)
        return outcome

    pool = ThreadPoolExecutor(max_workers=len(by_name), thread_name_prefix="ingest")
    complete = False
    widened = False
    try:
        while pending or running:
            if threads_alone and not widened and not pending and len(running) == 1:
                con.execute(f"SET threads = {int(threads_alone)}")  # the whole database's: the last family's
                widened = True
            with changed:
                # one at a time, as starting one can make another ready: ready is a family whose `after` families
                # have finished and whose `checked_against` families have started
                while active + resuming < workers and (ready := [n for n in pending if not waits[n] and not checked[n] & pending]):
                    # a family whose check would wait (what it is checked against still loads) after those that
                    # would not: it would give its turn back soon, and take one again to finish
                    name = min(ready, key=lambda n: (any(not finished_events[c].is_set() for c in checked[n]),
                                                     order[n]))
                    pending.discard(name)
                    cursor = con.cursor()  # created here: the parent connection is not shared between threads
                    active += 1
                    future = pool.submit(run, by_name[name], cursor)
                    running[future] = (name, cursor)
                    future.add_done_callback(wake)
                if not running:
                    raise RuntimeError(f"the families {sorted(pending)} wait for each other "
                                       "(families.py: after, checked_against)")
                done = [future for future in running if future.done()]
                if not done:  # woken when a family finishes or begins to wait (a turn to give)
                    changed.wait()
                    continue
                active -= len(done)  # their turns, once what their end decides (skipped families) is done
                changed.notify_all()  # a family that may go on after its wait takes one
            for future in sorted(done, key=lambda f: order[running[f][0]]):
                name, _ = running.pop(future)
                outcome = future.result()
                yield from report(outcome)
                if outcome.error is not None or outcome.skipped is not None:
                    for skipped in _skip_after(name, pending, waits, checked):
                        finish(skipped.family, True)
                        yield from report(skipped)
                for other in pending:
                    waits[other].discard(name)
        complete = True
    finally:
        if not complete:
            with changed:
                stopping = True
                changed.notify_all()
            for name in pending:
                finish(name, True)  # nobody waits for a family that will not load
            for _, cursor in running.values():
                try:
                    cursor.interrupt()
                except duckdb.Error:
                    pass
        pool.shutdown(wait=True, cancel_futures=True)


def _skip_after(failed: str, pending: set[str], waits: dict[str, set[str]],
                checked: dict[str, set[str]]) -> Iterator[Outcome]:
    """The families that need the failed family (directly or through others) and have not started: not loaded."""
    for name in sorted(pending):
        if (failed in waits[name] or failed in checked[name]) and name in pending:
            pending.discard(name)
            yield Outcome(name, skipped=failed)
            yield from _skip_after(name, pending, waits, checked)
