"""The versioned GX suites in `expectations/`: one JSON file per suite, with the SQL of its dataset.

A suite file is a Great Expectations 1.x expectation suite (`name`, `expectations`, each with `type`,
`kwargs`, `severity` — `critical` blocks publication, `warning` is reported) plus three entries in
`meta` that tie it into the pipeline:

- `guards`: the Dagster asset the suite checks (`raw/<family>` or `mart/<model>`);
- `dataset`: the SQL file (`expectations/sql/…`) that reads the rows to validate, read-only, from the
  working database; optionally `dataset_parameters`, the values of its DuckDB named parameters (`$name`),
  so that suites of marts alike share one file (e.g. the table through `query_table($mart)`);
- `index_columns`: the columns that identify an offending row in the check's metadata.

This module only reads files. It imports neither GX (slow), so Dagster definitions load quickly, nor Dagster
(the settings are imported where they are used), so the GX process (validation.py) receives `SuiteDef`s as
they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .results import ERROR, WARN

if TYPE_CHECKING:
    from orchestration.settings import Settings


@dataclass(frozen=True)
class SuiteDef:
    name: str
    guards: tuple[str, ...]  # asset key path, e.g. ("raw", "genesis")
    sql: str
    parameters: dict  # the values of the dataset's `$name` parameters (meta.dataset_parameters)
    index_columns: tuple[str, ...]
    document: dict  # the GX suite JSON

    @property
    def severities(self) -> set[str]:
        """`error` and/or `warn`: the levels this suite's expectations report at."""
        return {WARN if e.get("severity") == "warning" else ERROR for e in self.document["expectations"]}

    @property
    def family(self) -> str:
        return self.guards[-1] if self.guards[0] == "raw" else self.guards[0]


def _load(path: Path) -> SuiteDef:
    document = json.loads(path.read_text(encoding="utf-8"))
    meta = document.get("meta") or {}
    for key in ("guards", "dataset", "index_columns"):
        if key not in meta:
            raise ValueError(f"{path.name}: meta.{key} is missing")
    sql_path = path.parent / meta["dataset"]
    return SuiteDef(
        name=document["name"],
        guards=tuple(meta["guards"].split("/")),
        sql=sql_path.read_text(encoding="utf-8"),
        parameters=dict(meta.get("dataset_parameters") or {}),
        index_columns=tuple(meta["index_columns"]),
        document=document,
    )


@cache
def _all_suites(directory: str) -> tuple[SuiteDef, ...]:
    return tuple(_load(p) for p in sorted(Path(directory).glob("*.json")))


def resolved(settings: Settings | None = None) -> Settings:
    """`settings` with every value resolved (default: `Settings.from_env(resolve=True)`). A `Settings` built
    outside a Dagster run keeps environment values as `EnvVar`s until the resource is initialised."""
    from orchestration.settings import Settings  # imports Dagster: not at module level (see above)

    if settings is None:
        return Settings.from_env(resolve=True)
    try:
        settings.paths, settings.gx_docs_dir, settings.gx_home_dir, settings.expectations_dir  # noqa: B018
        return settings  # (these raise while an EnvVar is unresolved)
    except RuntimeError:
        return settings.process_config_and_initialize()


def default_directory() -> Path:
    """The suite folder of this process's settings (`Settings.expectations`: the bundled `expectations/`
    unless another folder, e.g. a region's own stricter suites, replaces it)."""
    return resolved().expectations_dir


def load_suites(directory: Path | None = None) -> list[SuiteDef]:
    """Every suite of `directory` (default: `default_directory()`), sorted by name."""
    return list(_all_suites(str(Path(directory or default_directory()).resolve())))


def suites_guarding(guards: tuple[str, ...] | list[str] | str, directory: Path | None = None) -> list[SuiteDef]:
    key = tuple(guards.split("/")) if isinstance(guards, str) else tuple(guards)
    return [s for s in load_suites(directory) if s.guards == key]


def guarded_assets(directory: Path | None = None) -> list[tuple[str, ...]]:
    """The asset keys (as tuples) that have at least one suite, in a stable order."""
    seen: dict[tuple[str, ...], None] = {}
    for suite in load_suites(directory):
        seen.setdefault(suite.guards, None)
    return list(seen)
