"""dbt's log lines built only for a logger that writes them (applied by the wrapper `sozialmonitor-dbt`).

dbt fires about 18 events per node (the node's start and result, and at debug level every SQL statement,
connection, transaction and timing). For each of its two loggers — stdout, JSON, which dagster-dbt reads, and
`OUT/dbt/dbt.log` — dbt-common (1.39) turns every event into a finished line first (the event as a dict, JSON,
the environment searched for secret values to scrub) and only then hands the line to Python's logging, which
drops it below the logger's level: info in the build, so about nine lines in ten are built for nothing. That
was a quarter of dbt's per-node Python time, which is what a node costs here (a test's query takes 2 ms of
its ~35 ms) and runs on one core under the GIL. Asked first, each logger builds only the lines it writes: the
same lines on stdout and in dbt.log (`--debug` or `--log-level debug` still write every event). The demo's 387
data tests (`dbt test`, 3 alternating pairs): 16.8 -> 14.9 s wall, 19.8 -> 17.4 s CPU (benchmarks/README.md).
"""

from __future__ import annotations

from dbt_common.events import logger as dbt_logger
from dbt_common.events.base_types import EventLevel


def _written(log, msg) -> bool:
    """Whether dbt-common's `write_line` would hand `msg` to Python's logging above the logger's level.
    A PrintEvent goes to the logger as an error (it must show even with `--quiet`)."""
    if log is None:
        return False
    if dbt_logger._is_print_event(msg):
        return log.isEnabledFor(dbt_logger._log_level_map[EventLevel.ERROR])
    return log.isEnabledFor(dbt_logger._log_level_map[EventLevel(msg.info.level)])


def build_only_written_lines() -> None:
    """Let each dbt logger build (serialise, scrub) a line only when it will write it. Idempotent."""
    original = dbt_logger._Logger.write_line
    if getattr(original, "nur_geschriebene_zeilen", False):
        return

    def write_line(self, msg) -> None:
        if _written(self._python_logger, msg):
            original(self, msg)

    write_line.nur_geschriebene_zeilen = True  # type: ignore[attr-defined]
    dbt_logger._Logger.write_line = write_line  # type: ignore[method-assign]
