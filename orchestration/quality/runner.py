"""Run the GX suites against the working database.

GX 1.x has no DuckDB engine (see STACK_NOTES): every dataset is read with a read-only DuckDB
connection into a pandas DataFrame, handed to GX as the batch parameter `dataframe` of a pandas
dataframe asset, and validated by a GX Checkpoint (one per suite, with its ValidationDefinition). The
thresholds reach the suites as GX expectation parameters (`{"$PARAMETER": ...}` in the suite JSON),
filled from `Settings` at validation time. With Data Docs on, the results are kept in the GX project
(`Settings.gx_home`) and the Data Docs site (`Settings.gx_docs`) is updated with the new results.

The datasets are read here, in the caller's process; GX validates them in a process of its own
(validation.py), one per Python process, started by `start_gx()` (the build does so before it loads its
definitions, an ingest step when it begins) or by the first `run_suites`. This process never imports GX.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths, Settings
from orchestration.warehouse import read_connection, writer_lock

from .results import FailedExpectation, SuiteResult, summarize
from .suites import ERROR, WARN, SuiteDef, load_suites, resolved
from .validation import DocsWritten, Request

# One request to the GX process at a time: the ingest audits its families in threads
# (orchestration/ingest/parallel.py); their suites read their data in parallel and are validated one run at a
# time. (Taken before the GX project's file lock, which the GX process takes, never inside it.)
GX_LOCK = threading.Lock()
VALIDATION_RESULTS_KEPT = 20  # per suite, in the GX project's store (feeds the Data Docs history)

__all__ = [
    "ERROR", "WARN", "FailedExpectation", "GxFehler", "GxProzessEnde", "SuiteResult", "data_docs_written", "disclosure_min_cell",
    "expectation_parameters", "read_dataset", "region_prefix", "run_suites", "summarize",
]


# ---------------------------------------------------------------------------------------------- params


def disclosure_min_cell(settings: Settings) -> int:
    """`Settings.disclosure_min_cell`, else the dbt variable `disclosure_min_cell` (dbt_project.yml)."""
    if settings.disclosure_min_cell is not None:
        return int(settings.disclosure_min_cell)
    try:
        project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
        return int(project.get("vars", {}).get("disclosure_min_cell", 3))
    except (OSError, ValueError, TypeError):
        return 3


def region_prefix(con: duckdb.DuckDBPyConnection, paths: Paths) -> str:
    """The region's AGS prefix: from `raw.region__profil` (what ingest used), else the profile's region.yml."""
    value = None
    try:
        row = con.execute("SELECT region_ags FROM raw.region__profil LIMIT 1").fetchone()
        value = row[0] if row else None
    except duckdb.Error:
        pass
    if value is None:
        try:
            value = str(yaml.safe_load((paths.region / "region.yml").read_text(encoding="utf-8")).get("ags", ""))
        except OSError:
            value = ""
    value = (value or "").strip()
    return "" if value.upper() == "DG" else value


def expectation_parameters(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    """The values of the suites' `$PARAMETER`s for this run."""
    from orchestration.ingest.genesis import former_kreise

    prefix = region_prefix(con, settings.paths)
    # the region's areas and those of its former Kreise (delivered on an older Gebietsstand, converted by dbt)
    region_regex = "^(" + "|".join([prefix, *former_kreise(con, prefix)]) + ")" if prefix else "^"
    pp, rel = float(settings.max_sprung_pp), float(settings.max_sprung_rel)
    return {
        "region_regex": region_regex,
        "jahr_max": dt.date.today().year + 1,
        "kleine_werte": list(range(1, disclosure_min_cell(settings))),
        "max_sprung_pp": pp,
        "max_sprung_pp_neg": -pp,
        "max_sprung_rel": rel,
        "max_sprung_rel_neg": -rel,
    }


# ---------------------------------------------------------------------------------------------- GX process

STOP_TIMEOUT_S = 120  # its input closed, the GX process writes the Data Docs still pending, then ends
_SERVE = "import sys; sys.path.insert(0, sys.argv[1]); from orchestration.quality.validation import serve; serve(int(sys.argv[2]))"


class GxFehler(RuntimeError):
    """GX failed to validate (its traceback from the GX process) or the GX process ended."""


class GxProzessEnde(GxFehler):
    """The GX process ended before it answered (killed, out of memory, or died with the caller's request)."""


class GxProzess:
    """The GX process of this Python process (validation.py): started once, used under GX_LOCK, started
    again after it ended. It ends by itself when this process closes its input or dies."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._ready = False
        self._at_exit = False
        self._start_lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> GxProzess:
        """Start the process unless it runs; returns at once (it imports GX meanwhile)."""
        with self._start_lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    [sys.executable, "-c", _SERVE, str(REPO_ROOT), str(os.getpid())],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # stderr: this process's
                )
                self._ready = False
                if not self._at_exit:  # ended and waited for when this process ends (its CPU counts as ours)
                    atexit.register(self.stop)
                    self._at_exit = True
            return self

    def _ended(self, exc: BaseException) -> GxProzessEnde:
        """The process ended, or its answers cannot be read (then it is ended here: a stream out of step is
        never read again)."""
        if self._proc.poll() is None:
            self._proc.kill()
        code = self._proc.wait()
        self._proc = None
        return GxProzessEnde(f"the GX process ended (exit {code}) after {type(exc).__name__}: {exc}")

    def _answer(self) -> Any:
        try:
            status, value = pickle.load(self._proc.stdout)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            raise self._ended(exc) from exc
        if status == "fehler":
            raise GxFehler(f"GX: {value.strip().splitlines()[-1]}\n{value}")
        return value

    def wait_ready(self) -> int:
        """Wait until GX is imported in the process; its pid."""
        self.start()
        if not self._ready:
            self._answer()
            self._ready = True
        return self._proc.pid

    def _send(self, request) -> list[SuiteResult]:
        self.wait_ready()
        try:
            pickle.dump(request, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
        except OSError as exc:
            raise self._ended(exc) from exc
        return self._answer()

    def validate(self, request) -> list[SuiteResult]:
        """Send `request` (validation.Request) and wait for its results (call under GX_LOCK). A process that
        ended before it answered (whether before the request reached it or while on it: a pipe does not tell)
        is replaced and the request sent once more; GxProzessEnde if that one ends too."""
        try:
            return self._send(request)
        except GxProzessEnde as first:
            print(f"{first}; the request goes to a new GX process", file=sys.stderr)
            try:
                return self._send(request)
            except GxProzessEnde as second:
                raise GxProzessEnde(f"{second}, twice for the same request (before: {first})") from second

    def docs_written(self) -> None:
        """Wait until the process has written the Data Docs of every request answered so far (call under
        GX_LOCK); at once when no process runs."""
        if self._proc is not None and self._proc.poll() is None and self._ready:
            self._send(DocsWritten())

    def stop(self) -> int | None:
        """End the process: its input closed, it ends (killed if still busy after STOP_TIMEOUT_S); its exit code."""
        with self._start_lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return None
        try:
            proc.stdin.close()
            code = proc.wait(timeout=STOP_TIMEOUT_S)
        except OSError:  # it had ended already
            code = proc.wait()
        except subprocess.TimeoutExpired:  # busy with a request nobody waits for any more
            proc.kill()
            code = proc.wait()
        proc.stdout.close()
        return code

    def forget(self) -> None:
        """In a child forked from this process: the GX process is the parent's. The child's copies of its pipes
        are pointed at /dev/null (only the parent holds them, so the GX process still sees its input end; the
        file objects, kept, close /dev/null one day, never a reused descriptor); the child starts its own GX
        process when it needs one."""
        if self._proc is not None:
            devnull = os.open(os.devnull, os.O_RDWR)
            for pipe in (self._proc.stdin, self._proc.stdout):
                os.dup2(devnull, pipe.fileno())
            os.close(devnull)
            _INHERITED.append(self._proc)  # the parent's child: never waited for or closed here
        self._proc, self._ready, self._start_lock = None, False, threading.Lock()


_INHERITED: list[subprocess.Popen] = []
_GX = GxProzess()
os.register_at_fork(after_in_child=_GX.forget)


def gx_process() -> GxProzess:
    return _GX


def data_docs_written() -> None:
    """Wait until the Data Docs of every `run_suites` of this process so far are written (the GX process writes
    them after it answered, while the caller goes on; they are written before it ends in any case)."""
    with GX_LOCK:
        _GX.docs_written()


def start_gx() -> None:
    """Start this process's GX process now, so that GX is imported by the time the first suite runs."""
    _GX.start()


_NARROW_INTEGERS = ("int8", "int16", "int32", "uint8", "uint16", "uint32")  # numpy's; not pandas' nullable Int32 …


def read_dataset(con: duckdb.DuckDBPyConnection, suite: SuiteDef) -> Any:
    """The dataset of `suite` (its SQL) as a pandas DataFrame, typed for GX's vectorised pandas paths:
    - text columns (VARCHAR) as pandas `category`: GX applies a row condition by filtering the whole frame, once
      per metric it computes, and with Arrow-backed strings every filter copied every text column (4.3 s of
      pyarrow `take` for the Germany-wide GENESIS suites); a categorical column is copied as its integer codes.
      Its values, NULLs, `isin`, regular expressions and lengths are those of the strings. The query is fetched
      once as Arrow and the text columns are dictionary-encoded there (no Python string per cell);
    - every other column as DuckDB's own pandas conversion types it (the Arrow columns handed back to `con`:
      e.g. nullable Int32 for an INTEGER with NULLs, datetime64 for DATE), except that integer columns narrower
      than 64 bits without NULLs (numpy int32/int16 …) are widened to int64: GX compares a column with bounds
      (expect_column_values_to_be_between) vectorised only for int64 and float64 columns and calls a Python
      function per row for every other type (1.9 million calls for `jahr` of the Germany-wide GENESIS values).
    Column order and names are those of the query."""
    import pandas as pd
    import pyarrow as pa

    table = con.execute(suite.sql, suite.parameters or None).to_arrow_table()
    text = {i for i, field in enumerate(table.schema) if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)}
    other = [i for i in range(table.num_columns) if i not in text]
    typed = con.from_arrow(table.select(other)).df() if other else None  # same row order (preserve_insertion_order)
    columns = []
    for i, name in enumerate(table.column_names):
        if i in text:
            columns.append(table.column(i).dictionary_encode().to_pandas().rename(name))
        else:
            column = typed.iloc[:, other.index(i)]
            columns.append(column.astype("int64") if str(column.dtype) in _NARROW_INTEGERS else column)
    return pd.concat(columns, axis=1)


def _select(settings: Settings, suites: Iterable[str] | None, guards: Iterable[str | tuple[str, ...]] | None) -> list[SuiteDef]:
    selected = load_suites(settings.expectations_dir)
    if suites is not None:
        names = set(suites)
        unknown = names - {s.name for s in selected}
        if unknown:
            raise KeyError(f"unknown GX suite(s): {sorted(unknown)}")
        selected = [s for s in selected if s.name in names]
    if guards is not None:
        keys = {tuple(g.split("/")) if isinstance(g, str) else tuple(g) for g in guards}
        selected = [s for s in selected if s.guards in keys]
    return selected


def read_inputs(con: duckdb.DuckDBPyConnection, suites: Iterable[SuiteDef], settings: Settings,
                ) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """What GX validates, read through `con`: each suite's dataset (by suite name), the first line of the
    DuckDB error of each suite whose dataset cannot be read, and the expectation parameters."""
    frames: dict[str, Any] = {}
    read_errors: dict[str, str] = {}
    for suite in suites:
        try:
            frames[suite.name] = read_dataset(con, suite)
        except duckdb.Error as exc:
            read_errors[suite.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return frames, read_errors, expectation_parameters(con, settings)


# ---------------------------------------------------------------------------------------------- reuse

PASSED_FORMAT = 1  # raised when what a fingerprint covers, or what GX is asked for (validation.RESULT_FORMAT), changes


def fingerprint(suite: SuiteDef, frame: Any, parameters: dict[str, Any]) -> str:
    """What a validation of `suite` depends on: its expectations, the values of its parameters, the GX version,
    and the dataset as GX gets it (column names and types, and every value in row order: pandas' hash of each
    row, by value also for categorical columns). TypeError/ValueError for a dataset pandas cannot hash."""
    import pandas as pd

    digest = hashlib.sha256(json.dumps({
        "format": PASSED_FORMAT, "gx": version("great_expectations"), "suite": suite.document,
        "parameters": parameters, "columns": [[str(c), str(t)] for c, t in frame.dtypes.items()], "rows": len(frame),
    }, sort_keys=True, default=str).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


class PassedResults:
    """The last flawless result of each suite on the data of one output folder (`Paths.gx_passed`): one JSON
    file per suite with the fingerprint of what was validated and GX's JSON of the result. A suite whose
    fingerprint is that of its kept result is not validated again; its result is taken over (`reused`). Only
    results without any failed expectation (warnings included) are kept, so a failure is always validated
    afresh and its example rows are those of the data at hand. A folder that cannot be written only means
    validating again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, suite: SuiteDef, printed: str) -> SuiteResult | None:
        try:
            kept = json.loads((self.folder / f"{suite.name}.json").read_text(encoding="utf-8"))
            if kept["fingerprint"] != printed:
                return None
            return SuiteResult(suite.name, suite.guards, int(kept["rows"]), kept["validation"], [], reused=True)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def keep(self, result: SuiteResult, printed: str) -> None:
        target = self.folder / f"{result.suite}.json"
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"fingerprint": printed, "rows": result.rows,
                                             "validation": result.validation}), encoding="utf-8")
            os.replace(temporary, target)
        except OSError:
            with contextlib.suppress(OSError):  # (no temporary file, or no folder to hold one)
                temporary.unlink()


def _reused(suites: list[SuiteDef], frames: dict[str, Any], params: dict[str, Any], passed: PassedResults,
            ) -> tuple[dict[str, SuiteResult], dict[str, str]]:
    """The kept results of the suites whose data are unchanged (their frames removed from `frames`), and the
    fingerprint of every other suite that has one."""
    reused: dict[str, SuiteResult] = {}
    printed: dict[str, str] = {}
    for suite in suites:
        if suite.name not in frames:
            continue
        try:
            printed[suite.name] = fingerprint(suite, frames[suite.name], params)
        except (TypeError, ValueError):  # e.g. a list column: validated every time
            continue
        result = passed.get(suite, printed[suite.name])
        if result is not None:
            reused[suite.name] = result
            del frames[suite.name], printed[suite.name]
    return reused, printed


def run_suites(
    settings: Settings | Paths | None = None,
    *,
    suites: Iterable[str] | None = None,
    guards: Iterable[str | tuple[str, ...]] | None = None,
    data_docs: bool | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[SuiteResult]:
    """Validate the working database of `settings` with the selected suites (default: all of
    `settings.expectations_dir`).

    `settings`: the run's `Settings` (thresholds, folders); a bare `Paths` (older callers) takes the
    other values from `Settings.from_env()`. `suites`/`guards` select suites by name or by the asset they
    guard (`"raw/genesis"`, `("mart", "sozialraum_indikatoren")`).
    `con`: read through this open connection instead of opening the database read-only (an ingest step
    audits its family inside its own write connection); otherwise the database is opened read-only under
    the writer lock (a concurrent writer makes this fail loudly).
    `data_docs`: keep the results in the GX project (`settings.gx_home_dir`) and update the Data Docs
    (`settings.gx_docs_dir`); default: on unless `settings.gx_docs_dir` is None ('off').
    A suite that validated the same data flawlessly before (`PassedResults` of the output folder) is not sent to
    GX again unless `settings.gx_reuse` is off: its earlier result is returned, marked `reused` (its Data Docs
    page is the earlier one).
    """
    if isinstance(settings, Paths):
        p = settings
        settings = Settings.from_env(resolve=True, region=str(p.region), landing=str(p.landing), out=str(p.out))
    settings = resolved(settings)
    selected = _select(settings, suites, guards)
    if not selected:
        return []
    docs_dir = settings.gx_docs_dir if data_docs is not False else None  # None: the settings switch them off

    if con is not None:  # the caller's connection (an ingest step auditing what it just loaded)
        frames, read_errors, params = read_inputs(con, selected, settings)
    else:
        # The writer lock keeps ingest/dbt of another run from opening the file read-write while it is read.
        with writer_lock(settings.paths.warehouse), read_connection(settings.paths.warehouse) as own:
            own.execute("SET enable_progress_bar = false")  # DuckDB's bar on slow reads; the check logs rows
            frames, read_errors, params = read_inputs(own, selected, settings)

    passed = PassedResults(settings.paths.gx_passed) if settings.gx_reuse else None
    reused, printed = _reused(selected, frames, params, passed) if passed is not None else ({}, {})
    request = Request(
        suites=[s for s in selected if s.name in frames],
        frames=frames, parameters=params, home=settings.gx_home_dir, docs_dir=docs_dir,
        kept=VALIDATION_RESULTS_KEPT,
    )
    validated = {}
    if request.suites:
        with GX_LOCK:
            validated = {r.suite: r for r in _GX.validate(request)}
    for name, result in validated.items():
        if passed is not None and name in printed and not result.failures:
            passed.keep(result, printed[name])
    docs_index = docs_dir / "index.html" if docs_dir is not None else None
    if reused and docs_index is not None and not docs_index.exists():
        data_docs_written()  # the pages of an earlier request may still be being written
    for result in reused.values():
        result.data_docs = docs_index if docs_index is not None and docs_index.exists() else None
    validated.update(reused)
    results = []
    for suite in selected:
        if suite.name in read_errors:
            failure = FailedExpectation.unreadable(suite.name, suite.document["meta"]["dataset"], read_errors[suite.name])
            results.append(SuiteResult(suite.name, suite.guards, 0, None, [failure]))
        else:
            results.append(validated[suite.name])
    return results
