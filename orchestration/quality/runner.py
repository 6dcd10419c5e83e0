"""Run the GX suites against the working database.

GX 1.x has no DuckDB engine (see STACK_NOTES): every dataset is read with a read-only DuckDB
connection into a pandas DataFrame, handed to GX as the batch parameter `dataframe` of a pandas
dataframe asset, and validated by a GX Checkpoint (one per suite, with its ValidationDefinition). The
thresholds reach the suites as GX expectation parameters (`{"$PARAMETER": ...}` in the suite JSON),
filled from `Settings` at validation time. With Data Docs on, the results are kept in the GX project
(`Settings.gx_home`) and the Data Docs site (`Settings.gx_docs`) is updated with the new results.
GX is imported only inside `run_suites` (it takes seconds to import and prints progress bars).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR, Paths, Settings
from orchestration.warehouse import read_connection, writer_lock

from .results import MAX_EXAMPLES, FailedExpectation, SuiteResult, summarize
from .suites import ERROR, WARN, SuiteDef, load_suites, resolved

log = logging.getLogger(__name__)

DOCS_SITE = "sozialmonitor"
DATA_SOURCE = "sozialmonitor"
# GX is not thread-safe: `gx.get_context()` makes its context the process's current one, and objects that
# belong to no context (checkpoints, validation definitions) are resolved through that one. The ingest audits
# its families in threads (orchestration/ingest/parallel.py); their suites read their data in parallel and are
# validated one run at a time. (Taken before the GX project's file lock, never inside it.)
GX_LOCK = threading.Lock()
VALIDATION_RESULTS_KEPT = 20  # per suite, in the GX project's store (feeds the Data Docs history)
# SUMMARY returns the DataFrame index of the first offending rows (cheap); the example rows are looked up
# from it. (`unexpected_index_column_names` makes GX walk every offending row in Python.)
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}

__all__ = [
    "ERROR", "WARN", "FailedExpectation", "SuiteResult", "disclosure_min_cell", "expectation_parameters",
    "read_dataset", "region_prefix", "run_suites", "summarize",
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
        log.warning("GX Data Docs could not be built: %s", exc)
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
    """
    if isinstance(settings, Paths):
        p = settings
        settings = Settings.from_env(resolve=True, region=str(p.region), landing=str(p.landing), out=str(p.out))
    settings = resolved(settings)
    selected = _select(settings, suites, guards)
    if not selected:
        return []
    docs_dir = settings.gx_docs_dir if data_docs is not False else None  # None: the settings switch them off

    frames: dict[str, Any] = {}
    read_errors: dict[str, str] = {}

    def read(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        for suite in selected:
            try:
                frames[suite.name] = read_dataset(con, suite)
            except duckdb.Error as exc:
                read_errors[suite.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return expectation_parameters(con, settings)

    if con is not None:  # the caller's connection (an ingest step auditing what it just loaded)
        params = read(con)
    else:
        # The writer lock keeps ingest/dbt of another run from opening the file read-write while it is read.
        with writer_lock(settings.paths.warehouse), read_connection(settings.paths.warehouse) as own:
            own.execute("SET enable_progress_bar = false")  # DuckDB's bar on slow reads; the check logs rows
            params = read(own)

    home = settings.gx_home_dir
    with GX_LOCK:
        return _validate(selected, frames, read_errors, params, home, docs_dir)


def _validate(selected: list[SuiteDef], frames: dict[str, Any], read_errors: dict[str, str], params: dict[str, Any],
              home: Path, docs_dir: Path | None) -> list[SuiteResult]:
    """The GX part of `run_suites` (under GX_LOCK): validate the read frames, keep the results and the
    Data Docs unless `docs_dir` is None."""
    if docs_dir is None:
        return _validate_all(_context(None, home), selected, frames, read_errors, params)
    home.mkdir(parents=True, exist_ok=True)
    with writer_lock(home / "gx-project"):  # one writer of the GX project and its Data Docs at a time
        # make room for this run's results: stored results and their pages, the newest kept
        _prune(home / "gx" / "uncommitted" / "validations", VALIDATION_RESULTS_KEPT - 1)
        _prune(docs_dir / "validations", VALIDATION_RESULTS_KEPT - 1)
        context = _context(docs_dir, home)
        identifiers: list = []
        results = _validate_all(context, selected, frames, read_errors, params, identifiers)
        if _update_data_docs(context, docs_dir, identifiers):
            for result in results:
                result.data_docs = docs_dir / "index.html"
        return results


def _validate_all(context, selected: list[SuiteDef], frames: dict[str, Any], read_errors: dict[str, str],
                  params: dict[str, Any], identifiers: list | None = None) -> list[SuiteResult]:
    """Run each suite's checkpoint on its DataFrame; `identifiers` collects the stored results' keys."""
    source = context.data_sources.add_or_update_pandas(DATA_SOURCE)
    results: list[SuiteResult] = []
    for suite in selected:
        if suite.name in read_errors:
            failure = FailedExpectation.unreadable(suite.name, suite.document["meta"]["dataset"], read_errors[suite.name])
            results.append(SuiteResult(suite.name, suite.guards, 0, None, [failure]))
            continue
        df = frames[suite.name].reset_index(drop=True)
        outcome = _checkpoint(context, source, suite).run(batch_parameters={"dataframe": df}, expectation_parameters=params)
        (key, validation), = outcome.run_results.items()
        if identifiers is not None:
            identifiers.append(key)
        index_cols = [c for c in suite.index_columns if c in df.columns]
        failures = [FailedExpectation.of(suite.name, r, df, index_cols) for r in validation.results if not r.success]
        results.append(SuiteResult(suite.name, suite.guards, rows=len(df), validation=validation, failures=failures))
    return results
