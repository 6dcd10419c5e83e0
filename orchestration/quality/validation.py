"""GX's part of the quality gate, in a process of its own (`runner.gx_process()` starts and talks to it).

Importing GX takes ~2.8 s of CPU, and validating a suite on pandas is GX's own Python, one expectation after
the other. In the build's process both took turns with everything else under its one GIL: the ingest's
families (their Python between DuckDB queries) and, before that, Dagster's start-up. Here they run on the
other core: the process is started early (the build starts it before it loads the definitions, an ingest step
when it begins), imports GX while the caller goes on, and validates while the caller's threads load.

The caller reads each suite's dataset itself (DuckDB; an ingest step inside its own write transaction) and sends
`Request`: the suites, their DataFrames, the expectation parameters and where the GX project and Data Docs are.
The answer is a list of `SuiteResult`s (results.py): GX's own JSON of each validation result, which is what
its store keeps, with the example rows of every failed expectation looked up here from the DataFrame. Nothing
here imports Dagster or the settings, so the process starts with GX, pandas and DuckDB only.

The Data Docs are written after the answer: the caller goes on (an ingest family accepts its deliveries) while
this process stores the results in the GX project and renders their pages, in a thread of its own, once no
request has come for `DOCS_IDLE_S` and never while it validates (validating goes first, a batch of pages is
rendered at a time: the index once per batch instead of once per request). `DocsWritten` waits for them.

Protocol: pickles on the process's stdin (requests) and on the stdout it was started with (answers; its fd 1
is pointed at stderr once it has started, so nothing a library prints can end up in an answer). The first answer
is `("bereit", pid)` once GX is imported, or `("fehler", text)`; then one answer per request, `("ok", results)` or
`("fehler", text)`; to a `DocsWritten`, `("ok", None)` once the Data Docs of every earlier request are written.
The process ends at the end of its input (the caller closed it or died), after writing the Data Docs still
pending, and, checked twice a second even while it validates, when the process that started it is gone (kill -9
included; pending Data Docs are then not written).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.quality.results import MAX_EXAMPLES, FailedExpectation, SuiteResult
from orchestration.quality.suites import SuiteDef
from orchestration.warehouse import writer_lock

DOCS_SITE = "sozialmonitor"
DATA_SOURCE = "sozialmonitor"
# SUMMARY returns the DataFrame index of the first offending rows (cheap); the example rows are looked up
# from it. (`unexpected_index_column_names` makes GX walk every offending row in Python.)
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}


@dataclass
class Request:
    suites: list[SuiteDef]  # the GX process uses name, guards, index_columns and document
    frames: dict[str, Any]  # suite name -> its dataset as a pandas DataFrame
    parameters: dict[str, Any]  # the values of the suites' `$PARAMETER`s
    home: Path  # the GX project (results kept there when docs_dir is set)
    docs_dir: Path | None  # the Data Docs site; None: an ephemeral context, nothing kept
    kept: int  # validation results kept per suite (and their Data Docs pages)


@dataclass
class DocsWritten:
    """A request answered once the Data Docs of every earlier request are written."""


@dataclass
class _Kept:
    """What one request leaves to keep: its suites and GX's (result key, validation result) of each."""

    home: Path
    docs_dir: Path
    kept: int
    suites: list[SuiteDef]
    results: list[tuple[Any, Any]]


# ---------------------------------------------------------------------------------------------- GX


def _settings_of(context):
    """`context` without GX's progress bars and analytics."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if context.config.analytics_enabled is not False:  # no network here; never phone home (GX's own switch,
        context.enable_analytics(False)  # saved in the file project, so it is written once)
    return context


def _ephemeral():
    """The in-memory GX context that validates."""
    import great_expectations as gx

    return _settings_of(gx.get_context(mode="ephemeral"))


def _project(data_docs: Path, home: Path):
    """The file project in `home` (validation results and suites kept there) with the docs site `data_docs`
    (the project's site moved there when the settings name another folder than before)."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(home))
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    sites = context.list_data_docs_sites()
    if DOCS_SITE not in sites:
        context.add_data_docs_site(site_name=DOCS_SITE, site_config=site)
    elif sites[DOCS_SITE].get("store_backend", {}).get("base_directory") != str(data_docs):
        context.update_data_docs_site(site_name=DOCS_SITE, site_config=site)
    return _settings_of(context)


def _gx_suite(suite: SuiteDef):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return gx.ExpectationSuite(
        name=suite.name,
        expectations=[ExpectationConfiguration(**e) for e in suite.document["expectations"]],
        meta=dict(suite.document.get("meta", {})),
    )


def _checkpoint(context, source, suite: SuiteDef):
    """The GX Checkpoint of `suite`: its suite and ValidationDefinition on the dataframe asset `suite.name`."""
    import great_expectations as gx

    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(name=suite.name)
    try:
        batch_definition = asset.get_batch_definition("alles")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("alles")
    definition = gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=_gx_suite(suite))
    return context.checkpoints.add_or_update(
        gx.Checkpoint(name=suite.name, validation_definitions=[definition], result_format=RESULT_FORMAT)
    )


class _Contexts:
    """This process's GX contexts, kept from request to request: the ephemeral one that validates (with the
    checkpoint of each suite, made again when the suite's document changed) and the file project of the last
    request that keeps results (results and suites stored, Data Docs rendered). Validating in the file project
    would write each checkpoint, validation definition and suite as JSON and the project's YAML several times
    per suite, and read its YAML for every configuration value, on every request."""

    def __init__(self) -> None:
        self.validating: Any = None
        self.source: Any = None
        self.checkpoints: dict[str, tuple[str, Any]] = {}  # suite name -> (its document as JSON, checkpoint)
        self.project_key: tuple[Path, Path] | None = None
        self.project: Any = None
        self.stored_suites: dict[str, str] = {}  # suite name -> its document as JSON, as stored in the project

    def checkpoint(self, suite: SuiteDef):
        if self.validating is None:
            self.validating = _ephemeral()
            self.source = self.validating.data_sources.add_pandas(DATA_SOURCE)
        document = json.dumps(suite.document, sort_keys=True)
        known = self.checkpoints.get(suite.name)
        if known is None or known[0] != document:
            known = self.checkpoints[suite.name] = (document, _checkpoint(self.validating, self.source, suite))
        return known[1]

    def keeping(self, docs_dir: Path, home: Path):
        """The file project in `home` with the Data Docs site `docs_dir` (opened again when it was removed)."""
        if (docs_dir, home) != self.project_key or not (home / "gx" / "great_expectations.yml").is_file():
            self.project, self.project_key, self.stored_suites = _project(docs_dir, home), (docs_dir, home), {}
        return self.project

    def store_suite(self, suite: SuiteDef) -> None:
        document = json.dumps(suite.document, sort_keys=True)
        if self.stored_suites.get(suite.name) != document:
            self.project.suites.add_or_update(_gx_suite(suite))
            self.stored_suites[suite.name] = document


_CONTEXTS = _Contexts()


def _update_data_docs(context, docs_dir: Path, identifiers: list) -> None:
    """Render this run's results (and their suites) into the Data Docs and refresh the index, as GX's
    `UpdateDataDocsAction` does per checkpoint, once for all suites; a full build when the site is new."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    resources = [*identifiers, *{ExpectationSuiteIdentifier(name=i.expectation_suite_identifier.name) for i in identifiers}]
    try:
        if (docs_dir / "index.html").exists():
            context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=resources)
        else:
            context.build_data_docs(site_names=[DOCS_SITE])
    except Exception as exc:  # noqa: BLE001 - Data Docs are a convenience; never fail a check because of them
        print(f"GX Data Docs could not be built: {exc}", file=sys.stderr)


def _prune(root: Path, keep: int, new: dict[str, int] | None = None) -> None:
    """Keep the newest `keep` files per suite folder of `root` (the GX validation store or the Data Docs'
    validation pages), less the `new` ones about to be added for that suite, so the Data Docs (and their build
    time) do not grow forever."""
    if not root.is_dir():
        return
    for suite_dir in root.iterdir():
        if not suite_dir.is_dir():
            continue
        runs = sorted((p for p in suite_dir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in runs[max(0, keep - (new or {}).get(suite_dir.name, 0)):]:
            old.unlink(missing_ok=True)
        for d in sorted((p for p in suite_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()


def _keep(batch: list[_Kept], turn: Any = None) -> None:
    """Store the results of `batch` (one or more requests) in their GX projects and render their Data Docs, the
    index once per project (a site that cannot be rendered is reported on stderr). `turn`: held while GX works
    (not while waiting for a project's lock)."""
    projects: dict[tuple[Path, Path], list[_Kept]] = {}
    for item in batch:
        projects.setdefault((item.home, item.docs_dir), []).append(item)
    for (home, docs_dir), items in projects.items():
        kept = items[-1].kept
        results: dict[str, list[tuple[SuiteDef, Any, Any]]] = {}  # suite name -> its new results, oldest first
        for item in items:
            for suite, (key, validation) in zip(item.suites, item.results, strict=True):
                results.setdefault(suite.name, []).append((suite, key, validation))
        newest = [r for suite_results in results.values() for r in suite_results[-kept:]]
        new = {name: min(len(suite_results), kept) for name, suite_results in results.items()}
        home.mkdir(parents=True, exist_ok=True)
        with writer_lock(home / "gx-project"):  # one writer of the GX project and its Data Docs at a time
            # make room for these results: stored results and their pages, the newest kept
            _prune(home / "gx" / "uncommitted" / "validations", kept, new)
            _prune(docs_dir / "validations", kept, new)
            with turn or contextlib.nullcontext():
                project = _CONTEXTS.keeping(docs_dir, home)
                for suite, key, validation in newest:
                    _CONTEXTS.store_suite(suite)
                    project.validation_results_store.store_validation_results(
                        suite_validation_result=validation, suite_validation_result_identifier=key)
                _update_data_docs(project, docs_dir, [key for _, key, _ in newest])


def _validate_all(request: Request) -> tuple[list[SuiteResult], list[tuple[Any, Any]]]:
    """Run each suite's checkpoint on its DataFrame: our results and GX's (result key, validation result)."""
    results: list[SuiteResult] = []
    kept: list[tuple[Any, Any]] = []
    for suite in request.suites:
        df = request.frames.pop(suite.name).reset_index(drop=True)
        outcome = _CONTEXTS.checkpoint(suite).run(batch_parameters={"dataframe": df},
                                                  expectation_parameters=request.parameters)
        (key, validation), = outcome.run_results.items()
        _CONTEXTS.validating.validation_results_store.remove_key(key)  # its in-memory store would keep every result
        kept.append((key, validation))
        document = validation.to_json_dict()  # GX's own JSON of the result, as its store keeps it
        index_cols = [c for c in suite.index_columns if c in df.columns]
        failures = [FailedExpectation.of(suite.name, r, df, index_cols) for r in document["results"] if not r["success"]]
        results.append(SuiteResult(suite.name, suite.guards, rows=len(df), validation=document, failures=failures))
    return results, kept


# ---------------------------------------------------------------------------------------------- process

PARENT_CHECK_S = 0.5
DOCS_IDLE_S = 0.25  # the Data Docs wait for a pause in the requests (the next family's audit may follow)


def _end_with_parent(parent: int) -> None:
    """End this process once `parent` is no longer its parent (it died: this process was handed to init)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="gx-parent", daemon=True).start()


class _DocsWriter:
    """Writes the Data Docs of answered requests in a thread of the GX process (see the module's docstring):
    a batch of them once the process has not validated for `DOCS_IDLE_S`, or at once for `wait`. `busy` is
    held while a request is validated or a batch is written: GX runs one of them at a time."""

    def __init__(self) -> None:
        self.busy = threading.Lock()
        self._changed = threading.Condition()
        self._pending: list[_Kept] = []
        self._validating = False
        self._writing = False
        self._now = False  # someone waits for the pages: no pause to wait for
        self._last_request = time.monotonic()
        threading.Thread(target=self._run, name="gx-docs", daemon=True).start()

    def validating(self, now: bool) -> None:
        """A request is being validated (True) or was answered (False)."""
        with self._changed:
            self._validating = now
            self._last_request = time.monotonic()
            self._changed.notify_all()

    def add(self, item: _Kept) -> None:
        with self._changed:
            self._pending.append(item)
            self._changed.notify_all()

    def wait(self) -> None:
        """Until every page added so far is written."""
        with self._changed:
            self._now = True
            self._changed.notify_all()
            while self._pending or self._writing:
                self._changed.wait()
            self._now = False

    def _batch(self) -> list[_Kept]:
        """The pages to write next, once it is their turn."""
        with self._changed:
            while True:
                pause = DOCS_IDLE_S - (time.monotonic() - self._last_request)
                if self._pending and not self._validating and (self._now or pause <= 0):
                    batch, self._pending, self._writing = self._pending, [], True
                    return batch
                self._changed.wait(timeout=pause if self._pending and pause > 0 else None)

    def _run(self) -> None:
        while True:
            batch = self._batch()
            try:
                _keep(batch, self.busy)
            except Exception:  # noqa: BLE001 - Data Docs are a convenience: reported, never the end of the process
                print(f"GX Data Docs could not be written: {traceback.format_exc()}", file=sys.stderr)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()


def serve(parent: int) -> None:
    """The GX process: answer requests from stdin until its end (see the module's docstring)."""
    try:
        os.fstat(2)
    except OSError:  # started without stderr (a daemon's caller): what it prints goes nowhere, and fd 2 is
        devnull = os.open(os.devnull, os.O_WRONLY)  # taken before the answers' descriptor could get it
        if devnull != 2:
            os.dup2(devnull, 2)
            os.close(devnull)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever prints goes to stderr, never into an answer
    sys.stdout = sys.stderr
    _end_with_parent(parent)
    requests = sys.stdin.buffer

    def answer(status: str, value: Any) -> None:
        pickle.dump((status, value), answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()

    try:
        import great_expectations  # noqa: F401 - the seconds this process exists to spend early
    except Exception:  # noqa: BLE001 - reported to the caller, which raises it
        answer("fehler", traceback.format_exc())
        return
    docs = _DocsWriter()
    answer("bereit", os.getpid())
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:  # the caller closed its end or died: the pending pages, then no teardown of GX's objects
            docs.wait()
            answers.close()
            os._exit(0)
        if isinstance(request, DocsWritten):
            docs.wait()
            answer("ok", None)
            continue
        docs.validating(True)
        try:
            with docs.busy:
                results, kept = _validate_all(request)
        except Exception:  # noqa: BLE001 - every error of a validation goes back to the caller
            docs.validating(False)
            answer("fehler", traceback.format_exc())
            continue
        if request.docs_dir is not None:
            for result in results:
                result.data_docs = request.docs_dir / "index.html"  # written before this process ends
            docs.add(_Kept(request.home, request.docs_dir, request.kept, request.suites, kept))
        docs.validating(False)
        answer("ok", results)
