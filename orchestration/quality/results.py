"""Readable views of GX's own validation results: `SuiteResult` holds GX's JSON of an
`ExpectationSuiteValidationResult`, `FailedExpectation` that of one failed `ExpectationValidationResult` plus
example rows of the offending records.

The results are GX's JSON (`to_json_dict()`, what GX's store keeps), not its objects: GX validates in a process
of its own (validation.py) and the results come back as plain data, so the caller never imports GX. Nothing
here imports GX, Dagster or the settings (the GX process imports this module).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ERROR = "error"
WARN = "warn"
MAX_EXAMPLES = 10
READ_ERROR = "dataset_readable"  # the pseudo-expectation of a dataset that could not be read


def plain(value: Any) -> Any:
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
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
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


@dataclass
class FailedExpectation:
    """One failed expectation: GX's JSON of its `ExpectationValidationResult` (`result`) with example rows
    looked up from the validated dataset; `result` is None when the dataset itself could not be read (`error`)."""

    suite: str
    result: dict[str, Any] | None = None  # GX's JSON of the ExpectationValidationResult
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # the dataset could not be read
    dataset: str | None = None

    @classmethod
    def unreadable(cls, suite: str, dataset: str, error: str) -> FailedExpectation:
        return cls(suite=suite, error=error, dataset=dataset)

    @classmethod
    def of(cls, suite: str, result: dict[str, Any], df=None, index_cols: Iterable[str] = ()) -> FailedExpectation:
        """The failure of `result` (GX's JSON of it), with the offending rows of `df` (GX returns their index)
        as examples."""
        failure = cls(suite=suite, result=result)
        details = result.get("result") or {}
        positions = details.get("partial_unexpected_index_list") or details.get("unexpected_index_list") or []
        kwargs = failure._raw_kwargs
        if positions and df is not None:
            domain = [c for c in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")) if isinstance(c, str)]
            columns = [c for c in dict.fromkeys([*domain, *index_cols]) if c in df.columns]
            failure.examples = _example_rows(df, list(positions), columns)
        if not failure.examples and details.get("partial_unexpected_list"):
            failure.examples = [{kwargs.get("column", "value"): plain(v)}
                                for v in details["partial_unexpected_list"][:MAX_EXAMPLES]]
        return failure

    # -- what GX reported
    @property
    def _config(self) -> dict[str, Any]:
        return (self.result.get("expectation_config") or {}) if self.result is not None else {}

    @property
    def _raw_kwargs(self) -> dict[str, Any]:
        return dict(self._config.get("kwargs") or {})

    @property
    def _details(self) -> dict[str, Any]:
        return (self.result.get("result") or {}) if self.result is not None else {}

    @property
    def expectation(self) -> str:
        """GX expectation type, e.g. expect_column_values_to_be_between."""
        return self._config["type"] if self.result is not None else READ_ERROR

    @property
    def severity(self) -> str:
        if self.result is None:
            return ERROR
        severity = str(self._config.get("severity") or "critical")
        return WARN if severity.lower().endswith("warning") else ERROR

    @property
    def column(self) -> str | None:
        kwargs = self._raw_kwargs
        return kwargs.get("column") or (f"{kwargs['column_A']} ≥ {kwargs['column_B']}" if "column_A" in kwargs else None)

    @property
    def condition(self) -> str | None:
        return condition_text(self._raw_kwargs.get("row_condition"))

    @property
    def notes(self) -> str | None:
        if self.result is None:
            return f"dataset {self.dataset} could not be read from the working database"
        return (self._config.get("meta") or {}).get("notes")

    @property
    def kwargs(self) -> dict[str, Any]:
        return plain({k: v for k, v in self._raw_kwargs.items() if k not in ("row_condition", "condition_parser", "column")})

    @property
    def unexpected_count(self) -> int | None:
        return self._details.get("unexpected_count")

    @property
    def element_count(self) -> int | None:
        return self._details.get("element_count")

    @property
    def observed(self) -> Any:
        details = self._details
        return plain(details.get("observed_value") if "observed_value" in details else details.get("details"))

    @property
    def exception(self) -> str | None:
        if self.result is None:
            return self.error
        exc = self.result.get("exception_info") or {}
        if isinstance(exc, dict) and "raised_exception" not in exc and exc:
            exc = next(iter(exc.values()))  # several metrics: {metric_id: {...}}
        return exc.get("exception_message") if isinstance(exc, dict) and exc.get("raised_exception") else None

    # -- messages
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


def _example_rows(df, positions: list, columns: list[str]) -> list[dict[str, Any]]:
    rows = []
    for pos in positions[:MAX_EXAMPLES]:
        if isinstance(pos, dict):  # already a row (GX with index column names)
            rows.append(plain(pos))
            continue
        try:
            record = df.loc[pos, columns]
        except (KeyError, TypeError):
            continue
        rows.append({c: plain(record[c]) for c in columns})
    return rows


@dataclass
class SuiteResult:
    """One suite's outcome: GX's JSON of its `ExpectationSuiteValidationResult` (None if the dataset was
    unreadable)."""

    suite: str
    guards: tuple[str, ...]
    rows: int
    validation: dict[str, Any] | None  # GX's JSON of the ExpectationSuiteValidationResult
    failures: list[FailedExpectation]
    data_docs: Path | None = None  # index.html of the Data Docs this result was rendered into
    reused: bool = False  # taken over from an earlier validation of the same data (runner.PassedResults)

    @property
    def validated_at(self) -> str | None:
        """When GX validated (its run time; earlier than this run for a result taken over)."""
        if self.validation is None:
            return None
        return (self.validation.get("meta", {}).get("run_id") or {}).get("run_time")

    @property
    def evaluated(self) -> int:
        """Expectations evaluated (GX's statistics)."""
        return int(self.validation["statistics"].get("evaluated_expectations", 0)) if self.validation is not None else 0

    def failed(self, severity: str) -> list[FailedExpectation]:
        return [f for f in self.failures if f.severity == severity]

    @property
    def passed(self) -> bool:
        """No error-level expectation failed (warnings do not fail a suite)."""
        return not self.failed(ERROR)


def summarize(results: Iterable[SuiteResult], severity: str = ERROR) -> str:
    """Human-readable list of failed expectations with example rows (for exceptions and the CLI)."""
    return "\n".join(f.describe() for r in results for f in r.failed(severity))
