"""dbt's loggers build only the lines they write (orchestration/transform/dbt_log.py), and the wrapper
`sozialmonitor-dbt` runs dbt that way: the same lines at every level, none built below it."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys

from dbt_common.events import logger as dbt_logger
from dbt_common.events.base_types import EventLevel, msg_from_base_event
from dbt_common.events.types import Note, PrintEvent, SystemExecutingCmd

from orchestration.settings import REPO_ROOT
from orchestration.transform.dbt_log import build_only_written_lines


class CountingJsonLogger(dbt_logger._JsonLogger):
    def __init__(self, config):
        super().__init__(config)
        self.built: list[str] = []

    def create_line(self, msg):
        self.built.append(msg.info.name)
        return super().create_line(msg)


def _logger(level: EventLevel) -> tuple[CountingJsonLogger, io.StringIO]:
    out = io.StringIO()
    config = dbt_logger.LoggerConfig(name=f"test-{level.value}", line_format=dbt_logger.LineFormat.Json,
                                     level=level, output_stream=out)
    return CountingJsonLogger(config), out


def _events():
    return [msg_from_base_event(SystemExecutingCmd(cmd=["ls"])),  # debug
            msg_from_base_event(Note(msg="ein Hinweis")),  # info
            msg_from_base_event(PrintEvent(msg="gedruckt"))]  # written as an error (shows with --quiet)


def _written(out: io.StringIO) -> list[str]:
    return [json.loads(line)["info"]["name"] for line in out.getvalue().splitlines()]


def test_a_logger_builds_only_the_lines_its_level_writes_and_writes_the_same_lines(monkeypatch):
    monkeypatch.setattr(dbt_logger._Logger, "write_line", dbt_logger._Logger.write_line)  # restored afterwards
    before = {}
    for level in (EventLevel.DEBUG, EventLevel.INFO, EventLevel.ERROR):
        logger, out = _logger(level)
        for msg in _events():
            logger.write_line(msg)
        before[level] = _written(out)
    assert before[EventLevel.INFO] == ["Note", "PrintEvent"]

    build_only_written_lines()
    build_only_written_lines()  # a second call changes nothing
    for level, names in before.items():
        logger, out = _logger(level)
        for msg in _events():
            logger.write_line(msg)
        assert _written(out) == names, level
        assert logger.built == names, f"{level}: built {logger.built}, wrote {names}"
    assert before[EventLevel.DEBUG] == ["SystemExecutingCmd", "Note", "PrintEvent"]
    assert before[EventLevel.ERROR] == ["PrintEvent"]


COUNT_BUILT_LINES = """
import atexit, collections, sys
from dbt_common.events import logger as dbt_logger
built = collections.Counter()
original = dbt_logger._JsonLogger.create_line
def create_line(self, msg):
    built[msg.info.level] += 1
    return original(self, msg)
dbt_logger._JsonLogger.create_line = create_line
atexit.register(lambda: print("BUILT", dict(built), file=sys.stderr))
sys.argv = ["sozialmonitor-dbt", *sys.argv[1:]]
from orchestration.process import dbt_main
dbt_main()
"""


def test_the_dbt_wrapper_builds_no_line_below_its_loggers_levels(tmp_path):
    """`dbt debug --config-dir` fires debug events (its arguments, the command's end) and info ones; with
    stdout and the file at info, the wrapper's dbt builds only info lines."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", COUNT_BUILT_LINES, "debug", "--config-dir", "--log-format", "json",
         "--log-format-file", "json", "--log-level-file", "info", "--log-path", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = ast.literal_eval(proc.stderr.split("BUILT", 1)[1].strip())  # the dict the child printed
    assert built.get("info", 0) > 0, proc.stderr
    assert set(built) <= {"info", "warn", "error"}, f"lines built below info: {built}"
    written = [json.loads(line)["info"]["level"] for line in (tmp_path / "dbt.log").read_text().splitlines()]
    assert written and set(written) <= {"info", "warn", "error"}, written
