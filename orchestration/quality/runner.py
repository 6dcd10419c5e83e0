"""Run the GX suites against the working database.

GX 1.x has no DuckDB engine (see STACK_NOTES): every dataset is read with a read-only DuckDB
connection into a pandas DataFrame and validated through a pandas data source. GX is imported only
inside `run_suites` (it takes seconds to import and prints progress bars).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR, VAR_DIR, Paths
from orchestration.warehouse import read_connection, writer_lock

from .suites import ERROR, WARN, SuiteDef, load_suites

log = logging.getLogger(__name__)

# Where the GX project (stores) and the rendered Data Docs live: ignored folders under var/.
ENV_GX_DOCS = "SOZIALMONITOR_GX_DOCS"
ENV_GX_HOME = "SOZIALMONITOR_GX_HOME"
ENV_DISCLOSURE_MIN = "SOZIALMONITOR_DISCLOSURE_MIN_CELL"
ENV_MAX_SPRUNG_PP = "SOZIALMONITOR_MAX_SPRUNG_PP"  # year-over-year bound for shares, percentage points
ENV_MAX_SPRUNG_REL = "SOZIALMONITOR_MAX_SPRUNG_REL"  # year-over-year bound for rates/counts, relative
DEFAULT_MAX_SPRUNG_PP = 10.0
DEFAULT_MAX_SPRUNG_REL = 0.5
MAX_EXAMPLES = 10
VALIDATION_RESULTS_KEPT = 20  # per suite, in the GX project's store (feeds the Data Docs history)

# Youth-welfare indicators (issue 3), used only when the catalogue has no `geheimhaltung` column.
YOUTH_WELFARE_INDICATORS = (
    "hze_eckwert", "hze_ambulant_eckwert", "hze_stationaer_eckwert", "erziehungsberatung_eckwert",
    "eingliederungshilfe_35a_eckwert", "junge_volljaehrige_eckwert", "inobhutnahmen_je_1000_u18",
    "gefaehrdungseinschaetzungen_je_1000_u18", "anteil_akute_latente_gefaehrdung",
)


def gx_docs_dir() -> Path:
    return Path(os.environ.get(ENV_GX_DOCS) or VAR_DIR / "gx_docs").resolve()


def gx_home_dir() -> Path:
    return Path(os.environ.get(ENV_GX_HOME) or VAR_DIR / "gx").resolve()


@dataclass
class FailedExpectation:
    suite: str
    expectation: str  # GX expectation type, e.g. expect_column_values_to_be_between
    severity: str  # error | warn
    column: str | None
    condition: str | None
    notes: str | None
    kwargs: dict[str, Any]
    unexpected_count: int | None
    element_count: int | None
    examples: list[dict[str, Any]] = field(default_factory=list)
    observed: Any = None
    exception: str | None = None

    def headline(self) -> str:
        what = self.expectation + (f"({self.column})" if self.column else "")
        if self.condition:
            what += f" where {self.condition}"
        count = f": {self.unexpected_count} of {self.element_count} rows" if self.unexpected_count is not None else ""
        note = f" — {self.notes}" if self.notes else ""
        return f"{self.suite}: {what}{count}{note}"

    def describe(self, max_examples: int = 3) -> str:
        lines = [self.headline()]
        if self.exception:
            lines.append(f"    error: {self.exception}")
        if self.observed is not None and not self.examples:
            lines.append(f"    observed: {self.observed}")
        for row in self.examples[:max_examples]:
            lines.append("    e.g. " + ", ".join(f"{k}={v}" for k, v in row.items()))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite, "expectation": self.expectation, "severity": self.severity,
            "column": self.column, "condition": self.condition, "notes": self.notes,
            "unexpected_count": self.unexpected_count, "element_count": self.element_count,
            "examples": self.examples, "observed": self.observed, "exception": self.exception,
        }


@dataclass
class SuiteResult:
    suite: str
    guards: tuple[str, ...]
    rows: int
    evaluated: int  # expectations evaluated
    failures: list[FailedExpectation]

    def failed(self, severity: str) -> list[FailedExpectation]:
        return [f for f in self.failures if f.severity == severity]

    @property
    def passed(self) -> bool:
        """No error-level expectation failed (warnings do not fail a suite)."""
        return not self.failed(ERROR)


# ---------------------------------------------------------------------------------------------- params


def disclosure_min_cell() -> int:
    if os.environ.get(ENV_DISCLOSURE_MIN):
        return int(os.environ[ENV_DISCLOSURE_MIN])
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


def expectation_parameters(con: duckdb.DuckDBPyConnection, paths: Paths) -> dict[str, Any]:
    from orchestration.ingest.genesis import former_kreise

    prefix = region_prefix(con, paths)
    # the region's areas and those of its former Kreise (delivered on an older Gebietsstand, converted by dbt)
    region_regex = "^(" + "|".join([prefix, *former_kreise(con, prefix)]) + ")" if prefix else "^"
    minimum = disclosure_min_cell()
    pp = float(os.environ.get(ENV_MAX_SPRUNG_PP) or DEFAULT_MAX_SPRUNG_PP)
    rel = float(os.environ.get(ENV_MAX_SPRUNG_REL) or DEFAULT_MAX_SPRUNG_REL)
    return {
        "region_regex": region_regex,
        "jahr_max": dt.date.today().year + 1,
        "kleine_werte": list(range(1, minimum)),
        "max_sprung_pp": pp,
        "max_sprung_pp_neg": -pp,
        "max_sprung_rel": rel,
        "max_sprung_rel_neg": -rel,
    }


def _geheimhaltung_expr(con: duckdb.DuckDBPyConnection) -> str:
    try:
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = 'indikatoren'"
        ).fetchall()}
    except duckdb.Error:
        cols = set()
    if "geheimhaltung" in cols:
        return "(lower(CAST(i.geheimhaltung AS VARCHAR)) IN ('true', 'ja', 'j', '1', 'x', 'yes', 'y'))"
    ids = ", ".join(f"'{i}'" for i in YOUTH_WELFARE_INDICATORS)
    return f"(s.indikator_id IN ({ids}))"


def render_sql(suite: SuiteDef, con: duckdb.DuckDBPyConnection) -> str:
    sql = suite.sql
    if "{{geheimhaltung}}" in sql:
        sql = sql.replace("{{geheimhaltung}}", _geheimhaltung_expr(con))
    return sql


# ---------------------------------------------------------------------------------------------- results


def _plain(value: Any) -> Any:
    """A JSON-safe version of a value from a GX result (numpy scalars, timestamps, NaN)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, (int, bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (list, dict)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def condition_text(condition: Any) -> str | None:
    """A GX row condition (Condition object or its JSON) as readable text: `einheit == '%'`."""
    if condition is None:
        return None
    if hasattr(condition, "dict") and not isinstance(condition, dict):
        try:
            condition = condition.dict()
        except Exception:
            return str(condition)
    if isinstance(condition, str):
        return condition
    if not isinstance(condition, dict):
        return str(condition)
    kind = str(condition.get("type", ""))
    if "conditions" in condition:
        joiner = " or " if kind.endswith("or") else " and "
        return joiner.join(f"({condition_text(c)})" for c in condition["conditions"])
    column = condition.get("column")
    name = column.get("name") if isinstance(column, dict) else getattr(column, "name", column)
    if "is_null" in condition:
        return f"{name} is {'' if condition['is_null'] else 'not '}null"
    if "operator" in condition:
        op = getattr(condition["operator"], "value", condition["operator"])
        return f"{name} {op} {condition.get('parameter')!r}"
    return condition.get("pass_through_filter") or str(condition)


def _example_rows(df, positions: list, columns: list[str]) -> list[dict[str, Any]]:
    rows = []
    for pos in positions[:MAX_EXAMPLES]:
        if isinstance(pos, dict):  # already a row (GX with index column names)
            rows.append(_plain(pos))
            continue
        try:
            record = df.loc[pos, columns]
        except (KeyError, TypeError):
            continue
        rows.append({c: _plain(record[c]) for c in columns})
    return rows


def _failure(suite: SuiteDef, res: Any, df=None, index_cols: list[str] | None = None) -> FailedExpectation:
    cfg = res.expectation_config
    kwargs = dict(cfg.kwargs)
    condition = condition_text(kwargs.get("row_condition"))
    result = res.result or {}
    exc = res.exception_info or {}
    if isinstance(exc, dict) and "raised_exception" not in exc and exc:
        # several metrics: {metric_id: {...}}
        exc = next(iter(exc.values()))
    message = exc.get("exception_message") if isinstance(exc, dict) and exc.get("raised_exception") else None
    positions = result.get("partial_unexpected_index_list") or result.get("unexpected_index_list") or []
    examples: list[dict[str, Any]] = []
    if positions and df is not None:
        domain = [c for c in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")) if isinstance(c, str)]
        columns = list(dict.fromkeys([*domain, *(index_cols or [])]))
        examples = _example_rows(df, list(positions), [c for c in columns if c in df.columns])
    if not examples and result.get("partial_unexpected_list"):
        examples = [{kwargs.get("column", "value"): _plain(v)} for v in result["partial_unexpected_list"][:MAX_EXAMPLES]]
    severity = str(getattr(cfg, "severity", "critical"))
    return FailedExpectation(
        suite=suite.name,
        expectation=cfg.type,
        severity=WARN if severity.lower().endswith("warning") else ERROR,
        column=kwargs.get("column") or (f"{kwargs['column_A']} ≥ {kwargs['column_B']}" if "column_A" in kwargs else None),
        condition=condition,
        notes=(cfg.meta or {}).get("notes"),
        kwargs=_plain({k: v for k, v in kwargs.items() if k not in ("row_condition", "condition_parser", "column")}),
        unexpected_count=result.get("unexpected_count"),
        element_count=result.get("element_count"),
        examples=examples,
        observed=_plain(result.get("observed_value") if "observed_value" in result else result.get("details")),
        exception=message,
    )


# ---------------------------------------------------------------------------------------------- GX


def _suite_object(suite: SuiteDef):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return gx.ExpectationSuite(
        name=suite.name,
        expectations=[ExpectationConfiguration(**e) for e in suite.document["expectations"]],
        meta={k: v for k, v in suite.document.get("meta", {}).items()},
    )


def _quiet(context) -> None:
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    except Exception:  # pragma: no cover - cosmetic only
        pass


def _file_context(home: Path, docs: Path):
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(home))
    _quiet(context)
    sites = context.get_site_names()
    if "sozialmonitor" not in sites:
        context.add_data_docs_site(
            site_name="sozialmonitor",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _prune_validation_results(home: Path) -> None:
    """Keep the newest results per suite so the Data Docs (and their build time) do not grow forever."""
    root = home / "gx" / "uncommitted" / "validations"
    if not root.is_dir():
        return
    for suite_dir in root.iterdir():
        if not suite_dir.is_dir():
            continue
        runs = sorted((p for p in suite_dir.rglob("*.json")), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in runs[VALIDATION_RESULTS_KEPT:]:
            old.unlink(missing_ok=True)
        for d in sorted((p for p in suite_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()


def run_suites(
    paths: Paths,
    *,
    suites: Iterable[str] | None = None,
    guards: Iterable[str | tuple[str, ...]] | None = None,
    data_docs: bool | None = None,
    directory: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[SuiteResult]:
    """Validate the working database of `paths` with the selected suites (default: all).

    `con`: read through this open connection instead of opening the database read-only (an ingest step
    audits its family inside its own write connection).

    `guards` selects suites by the asset they guard (`"raw/genesis"`, `("mart", "sozialraum_indikatoren")`).
    The database is opened read-only (no writer lock needed; a concurrent writer makes this fail loudly).
    With `data_docs` (default: on unless SOZIALMONITOR_GX_DOCS=off) the results are also stored in the GX
    project under var/gx and the Data Docs in var/gx_docs are rebuilt.
    """
    selected = load_suites(directory)
    if suites is not None:
        names = set(suites)
        unknown = names - {s.name for s in selected}
        if unknown:
            raise KeyError(f"unknown GX suite(s): {sorted(unknown)}")
        selected = [s for s in selected if s.name in names]
    if guards is not None:
        keys = {tuple(g.split("/")) if isinstance(g, str) else tuple(g) for g in guards}
        selected = [s for s in selected if s.guards in keys]
    if not selected:
        return []
    if data_docs is None:
        data_docs = os.environ.get(ENV_GX_DOCS, "").lower() not in ("off", "0", "false", "no")

    frames: dict[str, Any] = {}
    read_errors: dict[str, str] = {}

    def read(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        for suite in selected:
            try:
                frames[suite.name] = con.execute(render_sql(suite, con)).df()
            except duckdb.Error as exc:
                read_errors[suite.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return expectation_parameters(con, paths)

    if con is not None:  # the caller's connection (an ingest step auditing what it just loaded)
        params = read(con)
    else:
        # The writer lock keeps ingest/dbt of another run from opening the file read-write while it is read.
        with writer_lock(paths.warehouse), read_connection(paths.warehouse) as own:
            params = read(own)

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network here; never phone home
    import great_expectations as gx  # noqa: F401  (slow import, only when suites run)

    lock = None
    if data_docs:
        home, docs = gx_home_dir(), gx_docs_dir()
        home.mkdir(parents=True, exist_ok=True)
        lock = writer_lock(home / "gx-project")
        lock.__enter__()
    try:
        if data_docs:
            context = _file_context(home, docs)
        else:
            context = gx.get_context(mode="ephemeral")
            _quiet(context)
        source = context.data_sources.add_or_update_pandas("sozialmonitor")
        results: list[SuiteResult] = []
        for suite in selected:
            if suite.name in read_errors:
                results.append(SuiteResult(suite.name, suite.guards, 0, 0, [FailedExpectation(
                    suite=suite.name, expectation="dataset_readable", severity=ERROR, column=None, condition=None,
                    notes=f"dataset {suite.document['meta']['dataset']} could not be read from the working database",
                    kwargs={}, unexpected_count=None, element_count=None, exception=read_errors[suite.name],
                )]))
                continue
            df = frames[suite.name]
            results.append(_validate(context, source, suite, df, params, persist=data_docs))
        if data_docs:
            _prune_validation_results(home)
            try:
                context.build_data_docs(site_names=["sozialmonitor"])
            except Exception as exc:  # Data Docs are a convenience; never fail a check because of them
                log.warning("GX Data Docs could not be built: %s", exc)
        return results
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)


def _validate(context, source, suite: SuiteDef, df, params: dict[str, Any], *, persist: bool) -> SuiteResult:
    import great_expectations as gx

    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(name=suite.name)
    try:
        batch_def = asset.get_batch_definition("alles")
    except (KeyError, LookupError):
        batch_def = asset.add_batch_definition_whole_dataframe("alles")
    index_cols = [c for c in suite.index_columns if c in df.columns]
    # SUMMARY returns the DataFrame index of the first offending rows (cheap); the example rows are looked
    # up from it below. (`unexpected_index_column_names` makes GX walk every offending row in Python.)
    df = df.reset_index(drop=True)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
    gx_suite = _suite_object(suite)
    if persist:
        gx_suite = context.suites.add_or_update(gx_suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch_def, suite=gx_suite)
        )
        outcome = definition.run(batch_parameters={"dataframe": df}, expectation_parameters=params,
                                 result_format=result_format)
    else:
        batch = batch_def.get_batch(batch_parameters={"dataframe": df})
        outcome = batch.validate(gx_suite, result_format=result_format, expectation_parameters=params)
    failures = [_failure(suite, r, df, index_cols) for r in outcome.results if not r.success]
    return SuiteResult(suite.name, suite.guards, rows=len(df), evaluated=len(outcome.results), failures=failures)


def summarize(results: Iterable[SuiteResult], severity: str = ERROR) -> str:
    """Human-readable list of failed expectations with example rows (for exceptions and the CLI)."""
    lines = [f.describe() for r in results for f in r.failed(severity)]
    return "\n".join(lines)


def clear_data_docs() -> None:  # pragma: no cover - maintenance helper
    shutil.rmtree(gx_docs_dir(), ignore_errors=True)
