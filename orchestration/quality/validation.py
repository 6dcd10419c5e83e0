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

Protocol: pickles on the process's stdin (requests) and on the stdout it was started with (answers; its fd 1
is pointed at stderr once it has started, so nothing a library prints can end up in an answer). The first answer
is `("bereit", pid)` once GX is imported, or `("fehler", text)`; then one answer per request, `("ok", results)` or
`("fehler", text)`. The process ends at the end of its input (the caller closed it or died) and, checked twice
a second even while it validates, when the process that started it is gone (kill -9 included).
"""

from __future__ import annotations

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


# ---------------------------------------------------------------------------------------------- GX


def _context(data_docs: Path | None, home: Path):
    """An ephemeral GX context, or (Data Docs on) the file project in `home` with the docs site `data_docs`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if data_docs is None:
        context = gx.get_context(mode="ephemeral")
    else:
        context = gx.get_context(mode="file", project_root_dir=str(home))
        if DOCS_SITE not in context.get_site_names():
            context.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if context.config.analytics_enabled is not False:  # no network here; never phone home (GX's own switch,
        context.enable_analytics(False)  # saved in the file project, so it is written once)
    return context


def _checkpoint(context, source, suite: SuiteDef):
    """The GX Checkpoint of `suite`: its suite and ValidationDefinition on the dataframe asset `suite.name`."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(name=suite.name)
    try:
        batch_definition = asset.get_batch_definition("alles")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("alles")
    gx_suite = gx.ExpectationSuite(
        name=suite.name,
        expectations=[ExpectationConfiguration(**e) for e in suite.document["expectations"]],
        meta=dict(suite.document.get("meta", {})),
    )
    definition = gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
    # adds or updates the validation definition and the suite with it (the suite file may have changed)
    return context.checkpoints.add_or_update(
        gx.Checkpoint(name=suite.name, validation_definitions=[definition], result_format=RESULT_FORMAT)
    )


def _update_data_docs(context, docs_dir: Path, identifiers: list) -> bool:
    """Render this run's results (and their suites) into the Data Docs and refresh the index, as GX's
    `UpdateDataDocsAction` does per checkpoint, once for all suites; a full build when the site is new."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    resources = [*identifiers, *{ExpectationSuiteIdentifier(name=i.expectation_suite_identifier.name) for i in identifiers}]
    try:
        if (docs_dir / "index.html").exists():
            context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=resources)
        else:
            context.build_data_docs(site_names=[DOCS_SITE])
        return True
    except Exception as exc:  # noqa: BLE001 - Data Docs are a convenience; never fail a check because of them
        print(f"GX Data Docs could not be built: {exc}", file=sys.stderr)
        return False


def _prune(root: Path, keep: int) -> None:
    """Keep the newest `keep` files per suite folder of `root` (the GX validation store or the Data Docs'
    validation pages), so the Data Docs (and their build time) do not grow forever."""
    if not root.is_dir():
        return
    for suite_dir in root.iterdir():
        if not suite_dir.is_dir():
            continue
        runs = sorted((p for p in suite_dir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in runs[keep:]:
            old.unlink(missing_ok=True)
        for d in sorted((p for p in suite_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()


def validate(request: Request) -> list[SuiteResult]:
    """Validate every suite of `request` on its DataFrame; keep the results and update the Data Docs unless
    `request.docs_dir` is None."""
    if request.docs_dir is None:
        return _validate_all(_context(None, request.home), request)
    request.home.mkdir(parents=True, exist_ok=True)
    with writer_lock(request.home / "gx-project"):  # one writer of the GX project and its Data Docs at a time
        # make room for this run's results: stored results and their pages, the newest kept
        _prune(request.home / "gx" / "uncommitted" / "validations", request.kept - 1)
        _prune(request.docs_dir / "validations", request.kept - 1)
        context = _context(request.docs_dir, request.home)
        identifiers: list = []
        results = _validate_all(context, request, identifiers)
        if _update_data_docs(context, request.docs_dir, identifiers):
            for result in results:
                result.data_docs = request.docs_dir / "index.html"
        return results


def _validate_all(context, request: Request, identifiers: list | None = None) -> list[SuiteResult]:
    """Run each suite's checkpoint on its DataFrame; `identifiers` collects the stored results' keys."""
    source = context.data_sources.add_or_update_pandas(DATA_SOURCE)
    results: list[SuiteResult] = []
    for suite in request.suites:
        df = request.frames.pop(suite.name).reset_index(drop=True)
        checkpoint = _checkpoint(context, source, suite)
        outcome = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=request.parameters)
        (key, validation), = outcome.run_results.items()
        if identifiers is not None:
            identifiers.append(key)
        document = validation.to_json_dict()  # GX's own JSON of the result, as its store keeps it
        index_cols = [c for c in suite.index_columns if c in df.columns]
        failures = [FailedExpectation.of(suite.name, r, df, index_cols) for r in document["results"] if not r["success"]]
        results.append(SuiteResult(suite.name, suite.guards, rows=len(df), validation=document, failures=failures))
    return results


# ---------------------------------------------------------------------------------------------- process

PARENT_CHECK_S = 0.5


def _end_with_parent(parent: int) -> None:
    """End this process once `parent` is no longer its parent (it died: this process was handed to init)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="gx-parent", daemon=True).start()


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
    answer("bereit", os.getpid())
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:  # the caller closed its end or died: nothing left to do, no teardown of GX's objects
            answers.close()
            os._exit(0)
        try:
            results = validate(request)
        except Exception:  # noqa: BLE001 - every error of a validation goes back to the caller
            answer("fehler", traceback.format_exc())
            continue
        answer("ok", results)
