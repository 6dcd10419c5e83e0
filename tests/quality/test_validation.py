"""GX in a process of its own (orchestration/quality/validation.py, started and used by runner.py): the caller
never imports GX; the process ends with its caller, kill -9 included, and a forked child leaves it alone; a
process that died, also during a request, is replaced (a request it dies of twice is an error naming both ends);
an error inside it comes back with its message; nothing it prints reaches an answer."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from orchestration.quality import validation
from orchestration.quality.runner import GxFehler, GxProzess, GxProzessEnde
from orchestration.quality.suites import SuiteDef
from orchestration.quality.validation import Request
from orchestration.settings import REPO_ROOT, Paths
from orchestration.warehouse import writer_lock

from . import handbuilt

REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"


def _ended(pid: int, seconds: float = 5.0) -> bool:
    """Has `pid` ended within `seconds` (a zombie nobody reaped counts as ended)?"""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False


def _suite(*expectations: dict) -> SuiteDef:
    return SuiteDef("probe", ("raw", "probe"), sql="SELECT 1", parameters={}, index_columns=("a",),
                    document={"name": "probe", "expectations": list(expectations), "meta": {}})


NOT_NULL = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "severity": "critical"}


def _request(tmp_path: Path, suite: SuiteDef, frame: pd.DataFrame, **parameters) -> Request:
    return Request(suites=[suite], frames={suite.name: frame}, parameters=parameters, home=tmp_path / "gx",
                   docs_dir=None, kept=20)


@pytest.fixture
def gx(tmp_path):
    process = GxProzess()
    yield process
    process.stop()


def test_the_caller_reads_the_data_and_never_imports_gx_and_its_gx_process_ends_with_it(tmp_path):
    paths = Paths(region=REGION, landing=tmp_path / "landing", out=tmp_path / "out")
    handbuilt.build(paths.warehouse)
    script = f"""
import json, os, sys
from orchestration.quality.runner import gx_process, run_suites
from orchestration.settings import Settings
settings = Settings(region={str(REGION)!r}, landing={str(paths.landing)!r}, out={str(paths.out)!r},
                    gx_home={str(tmp_path / "gx")!r}, gx_docs="off")
result, = run_suites(settings, suites=["mart__abgleich"])
print(json.dumps({{"gx_here": "great_expectations" in sys.modules, "pid": os.getpid(), "gx_pid": gx_process().pid,
                  "evaluated": result.evaluated, "passed": result.passed}}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["gx_here"] is False  # GX ran, but not in the caller
    assert seen["gx_pid"] not in (None, seen["pid"]) and seen["evaluated"] > 0 and seen["passed"]
    assert _ended(seen["gx_pid"], 1.0)  # waited for when its caller ended


def test_the_gx_process_ends_when_its_caller_is_killed():
    script = """
import time
from orchestration.quality.runner import gx_process
print(gx_process().wait_ready(), flush=True)
time.sleep(120)
"""
    caller = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        gx_pid = int(caller.stdout.readline())
        assert not _ended(gx_pid, 0.2)
        caller.send_signal(signal.SIGKILL)  # as the OOM killer would: no atexit, no closing of anything
        caller.wait()
        assert _ended(gx_pid), "the GX process outlived its killed caller"
    finally:
        caller.kill()
        caller.wait()


def test_a_gx_process_that_died_is_replaced_also_during_a_request(gx, tmp_path, capfd):
    first = gx.wait_ready()
    os.kill(first, signal.SIGKILL)
    assert _ended(first)
    results = gx.validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1, 2]})))  # a new one
    assert results[0].passed and gx.pid != first

    second = gx.pid
    os.kill(second, signal.SIGSTOP)  # it takes the request but never answers ...
    answered: list = []
    sender = threading.Thread(target=lambda: answered.append(
        gx.validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1, None]})))))
    sender.start()
    time.sleep(0.5)
    assert not answered
    os.kill(second, signal.SIGKILL)  # ... and dies: the request goes to a third one
    sender.join(60)
    assert not sender.is_alive() and gx.pid not in (first, second)
    failed, = answered[0]
    assert not failed.passed and failed.failures[0].unexpected_count == 1
    err = capfd.readouterr().err
    assert "the GX process ended (exit -9) after EOFError" in err and "the request goes to a new GX process" in err


class _Kills:
    """Unpickled in the GX process as its end: a request it dies of, every time."""

    def __reduce__(self):
        return os._exit, (3,)


def test_a_request_the_gx_process_dies_of_twice_is_an_error_naming_both_ends(gx, tmp_path):
    with pytest.raises(GxProzessEnde, match=r"ended \(exit 3\) after EOFError.*, twice for the same request"):
        gx.validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1]}), tod=_Kills()))
    assert gx.validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1]})))[0].passed


def test_an_error_in_the_gx_process_comes_back_with_its_message_and_the_process_goes_on(gx, tmp_path, capfd):
    pid = gx.wait_ready()
    with pytest.raises(GxFehler, match="AttributeError") as raised:
        gx.validate(_request(tmp_path, _suite(NOT_NULL), "kein DataFrame"))  # type: ignore[arg-type]
    assert not isinstance(raised.value, GxProzessEnde) and "reset_index" in str(raised.value)
    # Data Docs that cannot be written (a file where the GX project should be) are reported on stderr: they are
    # written after the answer, and the validation stands
    taken = tmp_path / "kein_ordner"
    taken.write_text("a file where the GX project should be", encoding="utf-8")
    broken = dataclasses.replace(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1]})), home=taken,
                                 docs_dir=tmp_path / "docs")
    assert gx.validate(broken)[0].passed
    gx.docs_written()
    assert "FileExistsError" in capfd.readouterr().err
    assert gx.validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1]})))[0].passed
    assert gx.pid == pid


class _Prints:
    """Unpickled in the GX process as the result of printing, on Python's stdout and on fd 1 itself."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __reduce__(self):
        if self.how == "print":
            return print, ("GX-Prozess: print",)
        return os.write, (1, b"GX-Prozess: fd 1\n")


def test_what_the_gx_process_prints_goes_to_stderr_never_into_an_answer(gx, tmp_path, capfd):
    request = _request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1, None, 3]}),
                       laut=_Prints("print"), roh=_Prints("fd"))
    result, = gx.validate(request)
    assert not result.passed and result.failures[0].examples == [{"a": None}]
    gx.stop()  # its stderr is this process's: flushed once it ended
    err = capfd.readouterr().err
    assert "GX-Prozess: print" in err and "GX-Prozess: fd 1" in err


def test_a_forked_child_leaves_its_parents_gx_process_alone_and_starts_its_own(tmp_path):
    from orchestration.quality import runner

    parent_gx = runner.gx_process().wait_ready()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: the parent's GX process is not its own, its pipes not held here
        try:
            os.close(reader)
            mine = runner.gx_process().pid is None
            holds = []
            for fd in os.listdir("/proc/self/fd"):
                try:
                    holds.append(os.readlink(f"/proc/self/fd/{fd}"))
                except OSError:  # the listing's own descriptor, closed by now
                    pass
            os.write(writer, json.dumps({"mine_none": mine, "fds": holds}).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answer:
        seen = json.loads(answer.read())
    os.waitpid(child, 0)
    assert seen["mine_none"]
    gx_pipes = {link for fd in os.listdir(f"/proc/{parent_gx}/fd")
                if (link := os.readlink(f"/proc/{parent_gx}/fd/{fd}")).startswith("pipe:")}
    assert len(gx_pipes) >= 2  # its requests and its answers
    assert not gx_pipes & set(seen["fds"]), seen["fds"]  # the child holds no end of them
    assert runner.gx_process().pid == parent_gx and not _ended(parent_gx, 0.2)
    assert runner.gx_process().validate(_request(tmp_path, _suite(NOT_NULL), pd.DataFrame({"a": [1]})))[0].passed


def test_a_caller_without_stderr_still_gets_clean_answers(tmp_path):
    """A caller started without fd 2 (as by some daemons) hands none to its GX process either: what that prints
    must still never reach an answer."""
    script = f"""
import os, sys, json
import pandas as pd
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent.parent.parent)!r})
from orchestration.quality.runner import gx_process
from tests.quality.test_validation import NOT_NULL, _Prints, _request, _suite
result, = gx_process().validate(_request(Path({str(tmp_path)!r}), _suite(NOT_NULL), pd.DataFrame({{"a": [1, None]}}),
                                         laut=_Prints("print"), roh=_Prints("fd")))
os.write(1, json.dumps({{"passed": result.passed, "examples": result.failures[0].examples}}).encode())
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, timeout=120,
                          preexec_fn=lambda: os.close(2))  # noqa: PLW1509 - only a close
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout) == {"passed": False, "examples": [{"a": None}]}


def test_the_gx_process_imports_neither_dagster_nor_the_settings():
    """It starts with GX, pandas and DuckDB only: what it imports at start and what unpickling a request's
    `SuiteDef`s imports (suites.py) must not bring Dagster in (its import would cost the process seconds)."""
    script = """
import pickle, sys
from orchestration.quality.validation import serve
from orchestration.quality.suites import load_suites
suites = pickle.loads(pickle.dumps(load_suites(sys.argv[1])))
print(len(suites), sorted(m for m in sys.modules if m.split(".")[0] == "dagster" or m == "orchestration.settings"))
"""
    done = subprocess.run([sys.executable, "-c", script, str(REPO_ROOT / "expectations")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, imported = done.stdout.split(" ", 1)
    assert int(count) >= 12 and imported.strip() == "[]"


def test_the_answer_does_not_wait_for_the_data_docs_which_are_written_before_the_process_ends(gx, tmp_path):
    """GX answers once it has validated: the results are stored in the GX project and the Data Docs written
    afterwards, while the caller goes on (held up here by the GX project's lock, which the test holds), and
    those still pending when the caller closes the input are written before the process ends."""
    def with_docs(frame: pd.DataFrame) -> Request:
        return dataclasses.replace(_request(tmp_path, _suite(NOT_NULL), frame), docs_dir=tmp_path / "docs")

    def pages() -> list[Path]:
        return sorted((tmp_path / "docs" / "validations" / "probe").rglob("*.html"))

    index = tmp_path / "docs" / "index.html"
    project_lock = tmp_path / "gx" / "gx-project"  # validation.py's writer lock of the GX project
    with writer_lock(project_lock):
        answered: list = []
        asking = threading.Thread(target=lambda: answered.append(gx.validate(with_docs(pd.DataFrame({"a": [1, 2]})))),
                                  daemon=True)
        asking.start()
        asking.join(120)
        assert answered, "the answer waited for the Data Docs"
        result, = answered[0]
        assert result.passed and result.data_docs == index
        time.sleep(2 * validation.DOCS_IDLE_S + 0.5)
        assert not index.exists() and not pages()  # held up by the lock, not written in passing
    gx.docs_written()
    assert index.is_file() and len(pages()) == 1

    with writer_lock(project_lock):
        failed, = gx.validate(with_docs(pd.DataFrame({"a": [1, None]})))
        assert not failed.passed
        ending = threading.Thread(target=lambda: answered.append(gx.stop()), daemon=True)
        ending.start()  # the input closed with the page of the second result still to write
        ending.join(2 * validation.DOCS_IDLE_S + 1.0)
        assert ending.is_alive(), "the GX process ended without writing the pending Data Docs"
    ending.join(120)
    assert answered[-1] == 0 and len(pages()) == 2
    assert all(page.relative_to(tmp_path / "docs").as_posix() in index.read_text(encoding="utf-8") for page in pages())
