"""Quality gate: the GX 1.x suites of `expectations/` run on DataFrames read read-only from the working
database, exposed as Dagster asset checks (error level blocking, warnings not).

`build_asset_checks()` for the Definitions (the checks take the resource `settings`: `Settings`);
`run_suites(settings)` to run suites directly (tests, CLI). Thresholds and folders come from `Settings`;
which indicators are confidential, from the catalogue. GX itself runs in a process of its own
(validation.py). The names below are imported when first used: the GX process imports this package
(validation.py, results.py) and must not import Dagster with it.
"""

from importlib import import_module

_EXPORTS = {
    "ERROR": "results", "WARN": "results", "SuiteDef": "suites", "load_suites": "suites",
    "blocking_check_keys": "checks", "build_asset_checks": "checks", "guarded_asset_keys": "checks",
    "run_suites": "runner",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)


__all__ = sorted(_EXPORTS)
