"""Process hygiene: one build per output folder, and no dbt process outliving the build that started it.

* `build_lock(paths, wait=...)`: an exclusive `flock` on `OUT/build.lock`, which holds the PID of the
  holder. `sozialmonitor build` and `sozialmonitor rollback` take it; a second one on the same output
  folder is refused (`BuildLaeuftBereits`) or waits. The kernel drops the lock when its process dies,
  so a build killed with `kill -9` never blocks the next one. Other output folders use other files.
* `dbt_main()` (console script `sozialmonitor-dbt`, the `dbt_executable` of dagster-dbt): arms the
  Linux parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`) and then runs dbt's command line in the
  same process, so the kernel kills dbt when the process that started it dies, however it dies. If that
  parent died before the signal was armed (the child was already re-parented), the wrapper sees a
  different `getppid()` than the PID it was given and exits without starting dbt.
  The wrapper also runs dbt in the folder of the working database, which dbt then opens by its file
  name (`dbt_env.dbt_in_warehouse_folder`): the profile is the same for every output folder, so dbt's
  saved parse state stays valid and a build of a new output folder does not re-parse the whole project.
  And its loggers build only the log lines they write (`transform/dbt_log.py`).
* `die_with_run_worker()`: the same for a step worker of Dagster's multiprocess executor (a spawned
  child of the run worker), so that killing the run worker ends the step worker, which ends dbt.

The parent-death signal belongs to the *thread* that created the child: it fires when that thread
ends. dagster-dbt starts dbt with `subprocess.Popen` in `DbtCliInvocation.run`, called from
`DbtCliResource.cli` in the step's own thread, which then reads dbt's output until it ends; and both
executors run a step in the main thread of its process. So the signal fires only when that process dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.dbt_env import dbt_in_warehouse_folder, dbt_parent_pid

if TYPE_CHECKING:
    from orchestration.settings import Paths

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class BuildLaeuftBereits(RuntimeError):
    """Another build or rollback holds the build lock of this output folder."""

    def __init__(self, pid: int | None, out: Path):
        self.pid = pid
        self.out = out
        super().__init__(f"Build läuft bereits (PID {pid if pid else 'unbekannt'}) für {out}")


def _holder_pid(handle) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(handle) -> int | None:
    """The PID in a lock file held by someone else. The holder writes it right after taking the lock,
    so a PID that is missing or dead for a moment is re-read briefly."""
    pid = None
    for _ in range(50):
        pid = _holder_pid(handle)
        if pid and _pid_alive(pid):
            return pid
        time.sleep(0.02)
    return pid


@contextlib.contextmanager
def build_lock(paths: Paths, *, wait: bool = False, on_wait=None) -> Iterator[None]:
    """Hold the build lock of `paths.out` for the duration of the block.

    `wait=False`: raise `BuildLaeuftBereits` at once when another process holds it; `wait=True`: block
    until it is free (`on_wait(pid)` is called once before waiting).
    """
    paths.out.mkdir(parents=True, exist_ok=True)
    # "a+": never truncate before holding the lock (the holder's PID must stay readable)
    with open(paths.build_lock, "a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = lock_holder(handle)
            if not wait:
                raise BuildLaeuftBereits(pid, paths.out) from None
            if on_wait is not None:
                on_wait(pid)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------ parent death


def _die() -> None:
    """What the parent-death signal would have done."""
    os.kill(os.getpid(), signal.SIGKILL)


def set_parent_death_signal(expected_parent: int | None) -> None:
    """Let the kernel SIGKILL this process when its parent (thread) dies.

    `expected_parent`: the PID that must be our parent now; if it is not (it died before the signal
    was armed and we were re-parented to init or a subreaper), this process ends at once.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(err)}")
    if expected_parent is not None and os.getppid() != expected_parent:
        print(f"sozialmonitor: Elternprozess {expected_parent} ist bereits beendet – Prozess {os.getpid()} endet.",
              file=sys.stderr, flush=True)
        _die()


def die_with_run_worker() -> bool:
    """In a step worker of Dagster's multiprocess executor: die when the run worker dies.

    The step worker is a `multiprocessing` (spawn) child of the run worker. In `sozialmonitor build`
    (in-process executor) there is no such parent and nothing changes. Returns whether it was armed.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return False
    set_parent_death_signal(parent.pid)
    return True


def without_final_collection(code: int | None) -> int | None:
    """The last call of a command of this project (`sozialmonitor`, the dbt wrapper) before its process ends.

    The interpreter's final garbage collection passes over every object still alive (about 600,000 after a
    build: Dagster, dbt, GX, pandas) took 1.6-1.8 s after every build, with all work done and all output
    written. `gc.freeze()` leaves those objects out of them. Files, connections and temporary folders are
    closed as before, by their `with` blocks and atexit handlers; only unreachable cycles are no longer
    collected, and the process is ending anyway."""
    gc.freeze()
    return code


# dbt options naming a file or folder: made absolute before the wrapper changes the working directory
PATH_OPTIONS = ("--project-dir", "--profiles-dir", "--target-path", "--log-path", "--state", "--defer-state")


def absolute_path_options(args: list[str]) -> list[str]:
    """`args` with the relative values of dbt's path options (`--opt value`, `--opt=value`) made absolute."""
    result = []
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq and name in PATH_OPTIONS:
            arg = f"{name}={os.path.abspath(value)}"
        elif i and args[i - 1] in PATH_OPTIONS:
            arg = os.path.abspath(arg)
        result.append(arg)
    return result


def dbt_main() -> None:
    """`sozialmonitor-dbt ARGS…`: `dbt ARGS…` that dies with the process that started it, run in the
    folder of the working database."""
    set_parent_death_signal(dbt_parent_pid())
    args = absolute_path_options(sys.argv[1:])
    ordner = dbt_in_warehouse_folder()
    if ordner is not None:
        os.chdir(ordner)
    from dbt.cli.main import cli  # dbt's own command line, as the `dbt` console script runs it

    from orchestration.transform.dbt_log import build_only_written_lines

    build_only_written_lines()  # dbt's log lines built only where a logger writes them (the same lines)
    try:
        cli(args, prog_name="dbt")  # ends with SystemExit (dbt's exit code)
    finally:
        without_final_collection(None)


if __name__ == "__main__":  # pragma: no cover - `python -m orchestration.process …` behaves as the wrapper
    dbt_main()
