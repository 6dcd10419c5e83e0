"""Quality gate: the GX 1.x suites of `expectations/` run on DataFrames read read-only from the working
database, exposed as Dagster asset checks (error level blocking, warnings not).

`build_asset_checks()` for the Definitions (the checks take the resource `settings`: `Settings`);
`run_suites(settings)` to run suites directly (tests, CLI). Thresholds and folders come from `Settings`;
which indicators are confidential, from the catalogue. GX itself is imported only when suites run.
"""

from .checks import blocking_check_keys, build_asset_checks, guarded_asset_keys
from .suites import ERROR, WARN, SuiteDef, load_suites


def run_suites(*args, **kwargs):
    from .runner import run_suites as _run

    return _run(*args, **kwargs)


__all__ = [
    "ERROR", "WARN", "SuiteDef", "blocking_check_keys", "build_asset_checks", "guarded_asset_keys",
    "load_suites", "run_suites",
]
