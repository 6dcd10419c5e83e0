"""The one loop every delivery family runs (orchestration/ingest/families.py: Gebietsstand, GENESIS,
Melderegister, SGB II, Grundsicherung, Jugendhilfe).

1. List `LANDING/<family>/` without opening anything (delivery.scan_landing): symbolic links, special
   files and wrong endings are quarantined right away, hidden files and uploads in progress are named.
2. Checksum every candidate (opened with O_NOFOLLOW). A known checksum is skipped. A file that was
   quarantined before is loaded again (the cause may have been fixed, e.g. a threshold or a key); one
   that was loaded and refused is judged again (conflicts, audit) without loading it again.
3. Load each new file from its private snapshot in one transaction: raw rows, rejects, its deliveries
   row and the state `neu` (raw.ingest__lieferstatus) are committed together or not at all; a
   DeliveryError rolls back and quarantines the file (state `quarantaene`). A family that loads its
   files together (`load_files`: GENESIS, Melderegister, SGB II, Jugendhilfe, Grundsicherung, AsylbLG,
   Wohngeld) reads and checks all new files first, in temporary tables and a few queries for all of them,
   then writes the rows of the files that passed in one transaction; a file that failed a check is
   quarantined as before. Large deliveries go in batches of at most `BATCH_BYTES` (memory), one after
   another. When DuckDB cannot read one of a batch's files, the batch is loaded again one file at a time,
   so that the error names that file.
4. Check (families whose counts are checked against the population, `check`): every new delivery is
   judged against data of other families (plausibilitaet.py) once those have loaded; a delivery that
   fails is taken out again (its rows deleted, as if its transaction had been rolled back) and
   quarantined with file, line and column. The families it needs load at the same time (parallel.py:
   `checked_against`), so only this step waits for them.
5. Conflicts: a new delivery for a period that already has a valid delivery, or two new ones for the
   same period, are refused (state `abgelehnt`, file quarantined) unless one is a declared correction
   (lieferstatus.conflicts).
6. Audit: the family's checks run on its data with the new deliveries; if they fail, every new delivery
   of the family is refused, so the family stays at its last good state. Otherwise they are accepted.

A refused delivery never stops the run: the other files and families load and publish.

The record families (Melderegister, SGB II, Grundsicherung, Jugendhilfe) run it through `run_confidential`:
rows that fail a row check go with their reasons to `raw.<family>__rejects`, and a file whose share of rejected
rows exceeds `Options.max_reject_share` is refused as a whole (`count_stages`, `check_reject_share`).

The same per-file step (`load_one`: one transaction for the file's rows and its deliveries row) loads the
files the project ships itself (`run_shipped`, the BBSR Gebietsstand keys: no landing, no quarantine, an
error is the project's); `transaction` is the all-or-nothing block the region profile uses as well.

What a run decides comes in as `Options` (from the Settings resource): the maximum reject share and the
source of the pseudonymisation key. Nothing here reads the environment.
"""

from __future__ import annotations

import datetime as dt
import errno
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest import lieferstatus
from orchestration.ingest._confidential import csv_error
from orchestration.ingest.delivery import (
    SYMLINK_REASON,
    Delivery,
    DeliveryError,
    IngestResult,
    quarantine,
    scan_landing,
    snapshot,
)
from orchestration.ingest.families import SOURCES
from orchestration.ingest.pseudonym import KeySource
from orchestration.settings import ENV_DEFAULTS, Paths

# load_files(con, lineages): reads and checks the files together, writing only temporary tables (no transaction,
# nothing persistent), and gives the Batch; its temporary tables are dropped when the block ends
LoadFiles = Callable[[duckdb.DuckDBPyConnection, list["Lineage"]], AbstractContextManager["Batch"]]
# audit(con) -> the problems found (empty: the family's data with the new deliveries are fine)
Audit = Callable[[duckdb.DuckDBPyConnection], Sequence[str]]
# check(con, sha256s of the new deliveries) -> sha256 -> the DeliveryError (file, line, column) of each one that fails
Check = Callable[[duckdb.DuckDBPyConnection, list[str]], dict[str, DeliveryError]]
# the setting behind Options.max_reject_share, named in the refusal of a file with too many rejects
ENV_MAX_REJECT_SHARE = ENV_DEFAULTS["max_reject_share"]
LINEAGE_DDL = "datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL, ist_demodaten BOOLEAN NOT NULL"
DEFAULT_MAX_REJECT_SHARE = 0.01
# A family that loads its files together reads and checks at most this many bytes of files at once: its temporary
# tables hold a few times the input (1 million Jugendhilfe records, 125 MiB in 30 files, read together: peak RSS
# 1.15 GB against 0.39 GB file by file); a larger file is read alone. The demo's families fit in one batch each.
BATCH_BYTES = 16 << 20
# Families loading in threads of one process (parallel.py) create and replace their schema objects one at a
# time: two open transactions that replace the same view (raw.ingest__ausgeschlossen) or create the same
# schema conflict in DuckDB ("Catalog write-write conflict").
SCHEMA_CHANGES = threading.Lock()


@dataclass(frozen=True)
class Options:
    """What the run decides for every family (from the Settings resource, see ingest/assets.py)."""

    max_reject_share: float = DEFAULT_MAX_REJECT_SHARE  # a file with a larger share of rejected rows is refused
    key: KeySource = KeySource()  # the pseudonymisation key (Jugendhilfe); by default none, no demo fallback
    # blocks until the families this family is checked against (families.py) have loaded in this run, and
    # raises parallel.NotChecked when one of them failed; given by parallel.load_families (alone: at once)
    checked_against_loaded: Callable[[], None] = field(default=lambda: None, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.max_reject_share <= 1:
            raise ValueError(f"max_reject_share={self.max_reject_share!r}: expected a number between 0 and 1")


@dataclass(frozen=True)
class Lineage:
    delivery: Delivery
    geladen_am: dt.datetime

    @property
    def params(self) -> dict[str, object]:
        return {"datei": self.delivery.path.name, "sha256": self.delivery.sha256, "geladen_am": self.geladen_am}


@dataclass(frozen=True)
class Batch:
    """The files a family's `load_files` read and checked together."""

    outcomes: list[object]  # per lineage, in order: what it loads (FileLoad) or the DeliveryError that refuses it
    # inserts the rows of the files that passed, in the runner's transaction; it must not fail on their content
    write: Callable[[duckdb.DuckDBPyConnection], None]


def _open_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return SYMLINK_REASON
    if isinstance(error, IsADirectoryError):
        return "keine reguläre Datei: wird nicht geöffnet"
    return f"kann nicht geöffnet werden ({error.strerror or type(error).__name__})"


def refuse(con: duckdb.DuckDBPyConnection, paths: Paths, family: str, path: Path | None, sha256: str, datei: str,
           reason: str, status: str, run_id: str, result: IngestResult) -> None:
    """Record a refusal and move the landing file (if it is still there) to quarantine."""
    target = quarantine(path, paths.landing, family, reason) if path is not None else None
    lieferstatus.record(con, family, sha256, datei, status, grund=reason,
                        quarantaene_datei=str(target) if target else None, run_id=run_id)
    result.quarantined.append((path or paths.landing / family / datei, reason))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: commit when the block ends, roll back (and re-raise) on any exception."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def load_one(con: duckdb.DuckDBPyConnection, lineage: Lineage,
             load_file: Callable[[duckdb.DuckDBPyConnection, Lineage], object],
             record_delivery: Callable[[duckdb.DuckDBPyConnection, Lineage, object], None],
             state: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> object:
    """One file in one transaction: its raw rows, its deliveries row and (`state`) its delivery state."""
    with transaction(con):
        loaded = load_file(con, lineage)
        record_delivery(con, lineage, loaded)
        if state is not None:
            state(con)
    return loaded


def load_together(con: duckdb.DuckDBPyConnection, lineages: list[Lineage], load_files: LoadFiles,
                  record_delivery: Callable[[duckdb.DuckDBPyConnection, Lineage, object], None],
                  states: Callable[[duckdb.DuckDBPyConnection, list[Lineage]], None]) -> list[object]:
    """The files read and checked together (`load_files`), then the rows, deliveries rows and states (`states`) of
    those that passed in one transaction. Returns the outcome per lineage (FileLoad or DeliveryError)."""
    with load_files(con, lineages) as batch:
        with transaction(con):
            batch.write(con)
            passed = [(lineage, loaded) for lineage, loaded in zip(lineages, batch.outcomes, strict=True)
                      if not isinstance(loaded, DeliveryError)]
            for lineage, loaded in passed:
                record_delivery(con, lineage, loaded)
            states(con, [lineage for lineage, _ in passed])
    return batch.outcomes


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[int]:
    """The block runs DuckDB on one thread; the thread count is restored. A file is loaded by a row of small
    queries (stage, row checks, inserts); on so little data DuckDB's scheduling of a second thread costs more
    than it brings (about a quarter more CPU on the demo deliveries, measured in benchmarks/README.md). The
    setting is one of the whole database: when the families of a build load in threads (parallel.py), the
    build sets it once around all of them, and then this changes nothing. Yields the thread count before."""
    threads, = con.execute("SELECT current_setting('threads')").fetchone()
    if int(threads) == 1:
        yield 1
        return
    con.execute("SET threads = 1")
    try:
        yield int(threads)
    finally:
        con.execute(f"SET threads = {int(threads)}")


def run_shipped(con: duckdb.DuckDBPyConnection, family: str, folder: Path,
                load_file: Callable[[duckdb.DuckDBPyConnection, Lineage], object],
                record_delivery: Callable[[duckdb.DuckDBPyConnection, Lineage, object], None],
                known: Callable[[str], bool]) -> list[object]:
    """Load the files the project ships for `family` (its patterns, in `folder`), each once (`known`
    checksum: skipped), each in one transaction. They are the project's own files: an error is raised,
    nothing is quarantined, no delivery state is written. Returns what `load_file` returned per file."""
    suffixes = tuple(s.lower() for s in SOURCES[family].patterns)
    loaded = []
    for path in sorted(p for p in folder.iterdir() if p.name.lower().endswith(suffixes)):
        delivery = Delivery.of(path)
        if known(delivery.sha256):
            continue
        loaded.append(load_one(con, Lineage(delivery, dt.datetime.now()), load_file, record_delivery))
    return loaded


def run_family(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    family: str,
    *,
    create_tables: Callable[[duckdb.DuckDBPyConnection], None],
    load_file: Callable[[duckdb.DuckDBPyConnection, Lineage], object] | None = None,
    load_files: LoadFiles | None = None,
    record_delivery: Callable[[duckdb.DuckDBPyConnection, Lineage, object], None],
    count: Callable[[IngestResult, object], None],
    read_error: Callable[[Path, duckdb.Error], DeliveryError] | None = None,
    before_loading: Callable[[list[Delivery]], None] | None = None,
    check: Check | None = None,
    audit: Audit | None = None,
    run_id: str | None = None,
) -> IngestResult:
    """Load every new file of `family` (see module doc). `load_file` writes the raw rows of one file and
    returns what it loaded, or `load_files` reads and checks all new files together (a Batch); `record_delivery`
    writes a file's deliveries row; `count` adds it to the result; `check` judges the new deliveries before
    conflicts and audit (step 4)."""
    if (load_file is None) == (load_files is None):
        raise ValueError(f"{family}: give load_file or load_files")
    run_id = run_id or str(uuid.uuid4())
    with SCHEMA_CHANGES:
        lieferstatus.ensure_table(con)
        create_tables(con)
        lieferstatus.create_current_views(con, SOURCES[family].tables)
    result = IngestResult(family=family, rows={}, loaded=[], skipped=[], quarantined=[])
    scan = scan_landing(paths.landing, family, SOURCES[family].patterns)
    result.hints += scan.hints
    for entry in scan.refused:
        refuse(con, paths, family, entry.path, "", entry.path.name, entry.problem, lieferstatus.QUARANTAENE, run_id,
               result)
    states = lieferstatus.current(con, family)
    snapshots = paths.out / ".eingang" / family
    shutil.rmtree(snapshots, ignore_errors=True)
    landing_paths: dict[str, Path] = {}
    counted: dict[str, Counted] = {}  # what each delivery loaded by this run added to the result
    try:
        new: list[Delivery] = []
        loaded_before = {sha for sha, state in states.items() if state.status != lieferstatus.QUARANTAENE}
        for path in scan.candidates:
            try:
                delivery = snapshot(path, snapshots, known=loaded_before | {d.sha256 for d in new})
            except OSError as error:
                refuse(con, paths, family, path, "", path.name, _open_error(error), lieferstatus.QUARANTAENE, run_id,
                       result)
                continue
            except DeliveryError as error:  # changed while being read: try again next run
                result.hints.append(str(error))
                continue
            landing_paths[delivery.sha256] = path
            state = states.get(delivery.sha256)
            if delivery.source is not None:
                new.append(delivery)
            elif state is not None and state.status == lieferstatus.ABGELEHNT:
                # delivered again (e.g. after the delivery it conflicted with was retracted): judged again
                lieferstatus.record(con, family, delivery.sha256, path.name, lieferstatus.NEU,
                                    grund=f"erneut geliefert (am {state.am:%d.%m.%Y %H:%M} abgelehnt: {state.grund})",
                                    run_id=run_id)
                result.skipped.append(delivery)
            elif state is not None and state.status == lieferstatus.ZURUECKGEZOGEN:
                result.skipped.append(delivery)
                result.hints.append(f"{family}/{path.name}: {state.grund}; wird nicht geladen")
            else:
                result.skipped.append(delivery)
        # corrections after what they correct, so that load order = rank order within one delivery
        new.sort(key=lambda d: (d.korrektur, d.path.name))
        if before_loading is not None and new:
            before_loading(new)
        with one_thread(con):
            if load_files is not None:
                _load_all(con, paths, family, new, load_files, record_delivery, count, read_error, run_id, result,
                          counted)
            else:
                for delivery in new:
                    lineage = Lineage(delivery, dt.datetime.now())
                    try:
                        loaded = load_one(con, lineage, load_file, record_delivery, lambda con, d=delivery: lieferstatus.record(
                            con, family, d.sha256, d.path.name, lieferstatus.NEU, run_id=run_id))
                    except DeliveryError as error:
                        refuse(con, paths, family, delivery.path, delivery.sha256, delivery.path.name, str(error),
                               lieferstatus.QUARANTAENE, run_id, result)
                        continue
                    except duckdb.Error as error:
                        if read_error is None:
                            raise
                        reason = str(read_error(delivery.read_path, error))
                        refuse(con, paths, family, delivery.path, delivery.sha256, delivery.path.name, reason,
                               lieferstatus.QUARANTAENE, run_id, result)
                        continue
                    counted[delivery.sha256] = _count(result, count, delivery, loaded)
    finally:
        shutil.rmtree(snapshots, ignore_errors=True)
    _settle(con, paths, family, check, audit, run_id, result, landing_paths, counted)
    return result


@dataclass(frozen=True)
class Counted:
    """What one delivery's `count` added to the result: rows per raw table, rejected rows, suppressed values."""

    rows: dict[str, int]
    rejected: int
    suppressed: int


def _count(result: IngestResult, count: Callable[[IngestResult, object], None], delivery: Delivery,
           loaded: object) -> Counted:
    """`delivery` loaded: added to the result by the family's `count`; returns what that added."""
    rows, rejected, suppressed = dict(result.rows), result.rejected, result.suppressed
    result.loaded.append(delivery)
    count(result, loaded)
    return Counted({table: n - rows.get(table, 0) for table, n in result.rows.items()},
                   result.rejected - rejected, result.suppressed - suppressed)


def _uncount(result: IngestResult, counted: Counted | None) -> None:
    """Take a delivery refused after loading out of the result's figures (none when an earlier run loaded it)."""
    if counted is None:
        return
    for table, n in counted.rows.items():
        result.rows[table] -= n
    result.rejected -= counted.rejected
    result.suppressed -= counted.suppressed


def batches(lineages: list[Lineage], limit: int) -> Iterator[list[Lineage]]:
    """The files in load order, in consecutive groups of at most `limit` bytes (a larger file alone)."""
    batch: list[Lineage] = []
    size = 0
    for lineage in lineages:
        n = lineage.delivery.read_path.stat().st_size
        if batch and size + n > limit:
            yield batch
            batch, size = [], 0
        batch.append(lineage)
        size += n
    if batch:
        yield batch


def _load_all(con: duckdb.DuckDBPyConnection, paths: Paths, family: str, new: list[Delivery], load_files: LoadFiles,
              record_delivery: Callable[[duckdb.DuckDBPyConnection, Lineage, object], None],
              count: Callable[[IngestResult, object], None],
              read_error: Callable[[Path, duckdb.Error], DeliveryError] | None, run_id: str,
              result: IngestResult, counted: dict[str, Counted]) -> None:
    """The new files loaded together (step 3), in batches of at most BATCH_BYTES; when DuckDB cannot read one of a
    batch's files, that batch one file at a time, so that `read_error` names the file."""
    if not new:
        return
    lineages = [Lineage(delivery, dt.datetime.now()) for delivery in new]  # geladen_am in load (rank) order

    def states(con: duckdb.DuckDBPyConnection, passed: list[Lineage]) -> None:
        lieferstatus.record_many(con, family, [(lin.delivery.sha256, lin.delivery.path.name) for lin in passed],
                                 lieferstatus.NEU, run_id=run_id)

    outcomes: list[object] = []
    for batch in batches(lineages, BATCH_BYTES):
        try:
            outcomes += load_together(con, batch, load_files, record_delivery, states)
        except duckdb.Error:
            if read_error is None:
                raise
            for lineage in batch:
                try:
                    outcomes += load_together(con, [lineage], load_files, record_delivery, states)
                except duckdb.Error as error:
                    outcomes.append(read_error(lineage.delivery.read_path, error))
    for lineage, loaded in zip(lineages, outcomes, strict=True):
        delivery = lineage.delivery
        if isinstance(loaded, DeliveryError):
            refuse(con, paths, family, delivery.path, delivery.sha256, delivery.path.name, str(loaded),
                   lieferstatus.QUARANTAENE, run_id, result)
        else:
            counted[delivery.sha256] = _count(result, count, delivery, loaded)


def _settle(con: duckdb.DuckDBPyConnection, paths: Paths, family: str, check: Check | None, audit: Audit | None,
            run_id: str, result: IngestResult, landing_paths: dict[str, Path], counted: dict[str, Counted]) -> None:
    """The check, conflicts, then the audit: every `neu` delivery of the family (also those a killed run left)
    is accepted or refused; a refused one no longer counts as loaded, nor do its rows."""

    def landing_file(state: lieferstatus.State) -> Path | None:
        path = landing_paths.get(state.sha256)
        if path is None:
            candidate = paths.landing / family / state.datei
            path = candidate if candidate.is_file() and not candidate.is_symlink() else None
        return path

    def drop(state: lieferstatus.State, reason: str, status: str = lieferstatus.ABGELEHNT) -> None:
        refuse(con, paths, family, landing_file(state), state.sha256, state.datei, reason, status, run_id, result)
        result.loaded = [d for d in result.loaded if d.sha256 != state.sha256]
        _uncount(result, counted.pop(state.sha256, None))

    pending = {s.sha256: s for s in lieferstatus.in_state(con, family, lieferstatus.NEU)}
    if check is not None and pending:
        for sha256, error in check(con, sorted(pending)).items():
            with transaction(con):  # the delivery's rows go, as if its transaction had been rolled back
                for table in (*SOURCES[family].tables, f"{family}__rejects"):
                    con.execute(f"DELETE FROM raw.{table} WHERE sha256 = ?", [sha256])
                drop(pending.pop(sha256), str(error), lieferstatus.QUARANTAENE)
    for conflict in lieferstatus.conflicts(con, family):
        drop(pending.pop(conflict.sha256), conflict.reason)
    if not pending:
        return
    problems = list(audit(con)) if audit is not None else []
    if problems:
        shown = "; ".join(problems[:3]) + (f" (und {len(problems) - 3} weitere)" if len(problems) > 3 else "")
        for state in pending.values():
            drop(state, f"Prüfung der Lieferungen von {family} fehlgeschlagen, die Familie bleibt auf dem letzten "
                        f"geprüften Stand: {shown}")
        return
    lieferstatus.record_many(con, family, [(state.sha256, state.datei) for state in pending.values()],
                             lieferstatus.ANGENOMMEN, run_id=run_id)  # all accepted together, in one statement


# ------------------------------------------------------- record families: row checks, rejects, deliveries row


@dataclass
class FileLoad:
    """What a family's `load_file` wrote for one delivery."""

    rows: dict[str, int]  # raw table -> rows inserted
    records: int  # records read (loaded + rejected)
    rejected: int = 0
    suppressed: int = 0
    berichtszeitraum: str | None = None
    ist_demodaten: bool = False
    extra: dict[str, object] = field(default_factory=dict)  # further columns of the deliveries table


def check_reject_share(path: Path, records: int, rejected: int, first_reasons: Sequence[str], limit: float) -> None:
    """DeliveryError when the file's reject share is above `limit` (the run's maximum reject share)."""
    if records == 0 or rejected == 0:
        return
    share = rejected / records
    if share > limit:
        examples = "; ".join(first_reasons[:3])
        raise DeliveryError(
            path,
            f"{rejected} of {records} records rejected ({share:.1%}), more than the allowed "
            f"{limit:.1%} (${ENV_MAX_REJECT_SHARE}); first reasons: {examples}",
        )


def count_stages(con: duckdb.DuckDBPyConnection, stage: str, paths: Mapping[int, Path], limit: float,
                 nr: str = "nr") -> tuple[dict[int, tuple[int, int]], dict[int, DeliveryError]]:
    """The records and rejected records (non-empty `gruende`) of each file of a stage of several files (`nr`: the SQL
    of a row's file number, `paths`: number -> path): (records, rejected) per file number, and the DeliveryError of
    each file whose reject share is above `limit` (check_reject_share)."""
    counts = {number: (records, rejected) for number, records, rejected in con.execute(
        f"SELECT {nr} AS datei_nr, count(*), count(*) FILTER (WHERE len(gruende) > 0) FROM {stage} GROUP BY datei_nr"
    ).fetchall()}
    over = [n for n, (records, rejected) in counts.items() if rejected and rejected / records > limit]
    errors: dict[int, DeliveryError] = {}
    if over:
        reasons = reasons_by_file(con, stage, nr, over)
        for number in over:
            try:
                check_reject_share(paths[number], *counts[number], reasons.get(number, []), limit)
            except DeliveryError as error:
                errors[number] = error
    return counts, errors


def create_tables(con: duckdb.DuckDBPyConnection, family: str, tables: dict[str, str],
                  lieferungen_extra: str = "") -> None:
    """Create the family's raw tables (typed, also when nothing was delivered)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name, columns in tables.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{family}__{name} ({columns}, {LINEAGE_DDL})")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{family}__rejects (datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, "
        "zeile BIGINT, grund VARCHAR NOT NULL, datensatz JSON, geladen_am TIMESTAMP NOT NULL, "
        "ist_demodaten BOOLEAN NOT NULL)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{family}__lieferungen (sha256 VARCHAR PRIMARY KEY, datei VARCHAR NOT NULL, "
        f"berichtszeitraum VARCHAR, ist_demodaten BOOLEAN NOT NULL, zeilen BIGINT NOT NULL, "
        f"abgelehnt BIGINT NOT NULL, geladen_am TIMESTAMP NOT NULL{lieferungen_extra})"
    )
    # a working database from before an extra column existed gets it (empty for its earlier deliveries)
    for column in (col.strip() for col in lieferungen_extra.split(",") if col.strip()):
        con.execute(f"ALTER TABLE raw.{family}__lieferungen ADD COLUMN IF NOT EXISTS {column}")


def run_confidential(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    family: str,
    tables: dict[str, str],
    load_file: Callable[[duckdb.DuckDBPyConnection, Lineage], FileLoad] | None = None,
    lieferungen_extra: str = "",
    load_files: LoadFiles | None = None,
    before_loading: Callable[[list[Delivery]], None] | None = None,
    check: Check | None = None,
    audit: Audit | None = None,
    run_id: str | None = None,
) -> IngestResult:
    """`run_family` for a family of record deliveries (Melderegister, SGB II, Grundsicherung, Jugendhilfe):
    its typed raw `tables`, `raw.<family>__rejects` (rows that fail a row check, see `write_rejects` and
    `check_reject_share`), the standard deliveries row, and DuckDB CSV error messages."""
    extra_cols = [col.strip().split()[0] for col in lieferungen_extra.split(",") if col.strip()]
    rows = {f"raw.{family}__{t}": 0 for t in [*tables, "rejects"]}

    def record_delivery(con: duckdb.DuckDBPyConnection, lineage: Lineage, loaded: FileLoad) -> None:
        names = ["sha256", "datei", "berichtszeitraum", "ist_demodaten", "zeilen", "abgelehnt", "geladen_am", *extra_cols]
        values = [lineage.delivery.sha256, lineage.delivery.path.name, loaded.berichtszeitraum, loaded.ist_demodaten,
                  sum(loaded.rows.values()), loaded.rejected, lineage.geladen_am,
                  *[loaded.extra.get(col) for col in extra_cols]]
        con.execute(
            f"INSERT INTO raw.{family}__lieferungen ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            values,
        )

    def count(result: IngestResult, loaded: FileLoad) -> None:
        for table, n in loaded.rows.items():
            result.rows[f"raw.{family}__{table}"] = result.rows.get(f"raw.{family}__{table}", 0) + n
        result.rows[f"raw.{family}__rejects"] = result.rows.get(f"raw.{family}__rejects", 0) + loaded.rejected
        result.rejected += loaded.rejected
        result.suppressed += loaded.suppressed

    result = run_family(
        con, paths, family,
        create_tables=lambda c: create_tables(c, family, tables, lieferungen_extra),
        load_file=load_file, load_files=load_files, record_delivery=record_delivery, count=count, read_error=csv_error,
        before_loading=before_loading, check=check, audit=audit, run_id=run_id,
    )
    result.rows = {**rows, **result.rows}
    return result


def reasons_by_file(con: duckdb.DuckDBPyConnection, stage: str, nr: str, numbers: Sequence[int],
                    limit: int = 3) -> dict[int, list[str]]:
    """The first `limit` rejected rows ('line N: reasons') of each file `numbers` of the stage (`nr`: the SQL of a
    row's file number), in one query."""
    reasons: dict[int, list[str]] = {}
    for number, zeile, gruende in con.execute(
            f"SELECT {nr}, zeile, array_to_string(gruende, '; ') FROM {stage} WHERE len(gruende) > 0 "
            f"AND {nr} IN ({', '.join(str(int(n)) for n in numbers)}) "
            f"QUALIFY row_number() OVER (PARTITION BY {nr} ORDER BY zeile) <= {int(limit)} ORDER BY zeile").fetchall():
        reasons.setdefault(number, []).append(f"line {zeile}: {gruende}")
    return reasons


def files_table(con: duckdb.DuckDBPyConnection, name: str, columns: Mapping[str, tuple[str, Sequence]]) -> None:
    """The temporary table `name` of the files a `load_files` reads together, one row per file: column ->
    (SQL type, one value per file)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} "
                f"({', '.join(f'{column} {sql_type}' for column, (sql_type, _) in columns.items())})")
    if any(values for _, values in columns.values()):
        con.execute(f"INSERT INTO {name} SELECT {', '.join(f'unnest(${column})' for column in columns)}",
                    {column: list(values) for column, (_, values) in columns.items()})
