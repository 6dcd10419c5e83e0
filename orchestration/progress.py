"""What a headless build prints: one line per finished step, the warnings, and a full log file.

`sozialmonitor build` turns Dagster's console logger down to errors and switches on the logger
`fortschritt` (registered in the Definitions, idle in runs started from the UI):

    [ 1/13] raw_region                                  1,4 s
              gebietsstand                                0,9 s  CPU 0,8 s
              …
            WARNUNG raw_lieferungen: sgb2: abgelehnt: sgb2_2024_03.csv: …
              sgb2                                        6,5 s  CPU 6,1 s
    [ 2/13] raw_lieferungen                            14,2 s

The ingest step logs a line per family as it finishes (`part_message`), printed under the previous step.

Every record of the run (DEBUG and up, dbt's output included) goes to `OUT/logs/build-<zeit>.log`.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from pathlib import Path

import dagster as dg

LOGGER_KEY = "fortschritt"
LOG_DIR = "logs"
# dagster-dbt's note that a dbt test on a source (an ingest asset, not one of the dbt step's own assets) is
# recorded as an observation: expected for every source test, so only in the log file
_NOT_PRINTED = ("Logging an `AssetObservation` instead of an `AssetCheckResult`",)
_FINISHED = {
    dg.DagsterEventType.STEP_SUCCESS: "",
    dg.DagsterEventType.STEP_FAILURE: "FEHLGESCHLAGEN",
    dg.DagsterEventType.STEP_SKIPPED: "übersprungen",
    dg.DagsterEventType.STEP_UP_FOR_RETRY: "neuer Versuch",
}


# a part of a step that finished (one family of the ingest step): logged by the step, printed under it
_PART = re.compile(r"^Teilschritt (\S+): ([0-9.]+) s(?: \((.*)\))?$")


def part_message(name: str, seconds: float, note: str = "") -> str:
    """The log message of a finished part of a step (`name`, its wall seconds, a short note), which the
    headless build prints as a line of its own under the step's line."""
    return f"Teilschritt {name}: {seconds:.1f} s" + (f" ({note})" if note else "")


class ProgressHandler(logging.Handler):
    """Prints `[done/total] step  seconds` when a step ends, and every warning or error of a step."""

    def __init__(self, total: int, stream=None):
        super().__init__(level=logging.DEBUG)
        self.total = total
        self.done = 0
        self.started: dict[str, float] = {}
        # the terminal: a headless build sends sys.stdout (dbt's re-printed output) to the log file
        self.stream = stream or sys.__stdout__

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is not None and event.event_type == dg.DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
        elif event is not None and event.event_type in _FINISHED:
            if event.event_type != dg.DagsterEventType.STEP_UP_FOR_RETRY:
                self.done += 1
            seconds = time.monotonic() - self.started.pop(step, time.monotonic())
            state = _FINISHED[event.event_type]
            width = len(str(self.total))
            line = f"[{self.done:>{width}}/{self.total}] {step:<40} {seconds:6.1f} s".replace(".", ",")
            self._print(line + (f"  {state}" if state else ""))
        elif event is None and (part := _PART.match(meta.get("orig_message") or "")):
            width = len(str(self.total))
            name, seconds, note = part.group(1), float(part.group(2)), part.group(3) or ""
            line = f"{'':{2 * width + 6}}{name:<38} {seconds:6.1f} s".replace(".", ",")
            self._print(line + (f"  {note.strip()}".replace(".", ",") if note.strip() else ""))
        elif event is None and record.levelno >= logging.WARNING:
            message = meta.get("orig_message") or record.getMessage()
            if message.startswith(_NOT_PRINTED):
                return
            label = "WARNUNG" if record.levelno == logging.WARNING else "FEHLER"
            first = message.strip().splitlines()[0] if message.strip() else ""
            self._print(f"        {label} {step}: {first}"[:400])


@dg.logger(
    config_schema={
        "aktiv": dg.Field(bool, default_value=False, description="Fortschritt auf stdout ausgeben"),
        "schritte": dg.Field(int, default_value=0, description="Zahl der Schritte des Laufs"),
        "datei": dg.Field(str, default_value="", description="Protokolldatei mit allen Meldungen (leer: keine)"),
    },
    description="Fortschritt des headless Builds (eine Zeile je Schritt) und vollständiges Protokoll in OUT/logs/.",
)
def fortschritt_logger(init_context) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("sozialmonitor.fortschritt", level=logging.DEBUG)
    if config["aktiv"]:
        logger.addHandler(ProgressHandler(config["schritte"]))
    if config["datei"]:
        path = Path(config["datei"])
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


LOGGERS = {"console": dg.colored_console_logger, LOGGER_KEY: fortschritt_logger}


def log_file(out: Path) -> Path:
    return out / LOG_DIR / f"build-{time.strftime('%Y%m%dT%H%M%S')}.log"


def headless_run_config(total_steps: int, log_path: Path) -> dict:
    """Loggers of a headless build: progress lines and errors (first line; the summary has the rest) on the
    console, everything into `log_path`."""
    return {"loggers": {
        "console": {"config": {"log_level": "CRITICAL"}},  # errors: a line here and the summary
        LOGGER_KEY: {"config": {"aktiv": True, "schritte": total_steps, "datei": str(log_path)}},
    }}
