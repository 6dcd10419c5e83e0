"""Process-level tests of the quality gate and the publication with the real `sozialmonitor build`:
concurrent readers during a rebuild, kill -9 at several points, a blocking expectation failing the run.

Every build runs in its own process (as an operator or cron would start it); readers are separate
processes that open the published file read-only, as Superset does.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SOZIALMONITOR, run_build
from orchestration.publish import list_versions, read_status
from orchestration.settings import Paths

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_build(demo: Paths, target: Path, *, warehouse: bool = True) -> Paths:
    """An independent copy of the demo build (landing, published versions, optionally the working DB)."""
    paths = Paths(region=demo.region, landing=target / "landing", out=target / "out")
    shutil.copytree(demo.landing, paths.landing, ignore=shutil.ignore_patterns("_quarantine"))
    paths.out.mkdir(parents=True)
    shutil.copytree(demo.published_dir, paths.published_dir, copy_function=shutil.copy2,
                    ignore=shutil.ignore_patterns("*.lock", ".publish-*"))
    if warehouse:
        shutil.copy2(demo.warehouse, paths.warehouse)
    return paths


def start_build(paths: Paths) -> subprocess.Popen:
    """Start a build in its own session. Its output goes to a file: an unread pipe would fill up and
    stall the build (and its dbt child) on a write."""
    log = open(paths.out.parent / f"build-{time.time_ns()}.log", "w")
    proc = subprocess.Popen(
        [SOZIALMONITOR, "build", "--landing", str(paths.landing), "--out", str(paths.out)],
        stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    proc.log_path = Path(log.name)
    log.close()
    return proc


def build_output(proc: subprocess.Popen) -> str:
    return proc.log_path.read_text(encoding="utf-8", errors="replace")


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the build and everything below it (dbt may run in a process group of its own)."""
    pids = descendant_pids(proc.pid)
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=60)


def descendant_pids(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def descendants_cmdlines(pid: int) -> list[str]:
    """Command lines of every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    cmd: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
            cmd[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(cmd.get(child, ""))
            todo.append(child)
    return out


def reader_script(published: Path, stop: Path, seconds: int) -> list[str]:
    code = textwrap.dedent(f"""
        import duckdb, json, time
        from pathlib import Path
        published, stop = Path({str(published)!r}), Path({str(stop)!r})
        ok = 0; failures = []; versions = set()
        deadline = time.time() + {seconds}
        while time.time() < deadline and not stop.exists():
            try:
                con = duckdb.connect(str(published), read_only=True)
                try:
                    runs = con.execute("SELECT DISTINCT run_id FROM mart.publikation_status").fetchall()
                    recorded = con.execute("SELECT zeilen FROM mart.publikation_status WHERE eintrag = 'tabelle' "
                                           "AND datei = 'mart.sozialraum_indikatoren'").fetchone()[0]
                    n = con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0]
                finally:
                    con.close()
                # a complete version: one publication, and its table has the rows its status table recorded
                assert len(runs) == 1 and n == recorded and n > 0, (runs, n, recorded)
                versions.add(runs[0][0])
                ok += 1
            except Exception as exc:
                failures.append(repr(exc))
        print(json.dumps({{"ok": ok, "failures": failures[:5], "failed": len(failures), "versions": sorted(versions)}}))
    """)
    return [sys.executable, "-c", code]


def test_readers_never_fail_during_a_full_rebuild_and_publish(demo_build, tmp_path):
    import json

    paths = copy_build(demo_build, tmp_path, warehouse=False)  # full rebuild: new working database
    before = read_status(paths.published)[0]["run_id"]
    stop = tmp_path / "stop"
    reader = subprocess.Popen(reader_script(paths.published, stop, 1500), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        build = start_build(paths)
        try:
            build.wait(timeout=1500)
        except subprocess.TimeoutExpired:
            kill_tree(build)
            raise
        time.sleep(1.0)  # a few queries against the new version as well
    finally:
        stop.touch()
    r_out, r_err = reader.communicate(timeout=120)
    assert build.returncode == 0, build_output(build)[-4000:]
    result = json.loads(r_out.strip().splitlines()[-1])
    assert result["failed"] == 0, result
    assert result["ok"] >= 200, result
    after = read_status(paths.published)[0]["run_id"]
    assert after != before
    assert before in result["versions"] and after in result["versions"], result


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 900) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            kill_tree(proc)  # the build and its dbt child, as a crash/OOM kill would
            return True
        time.sleep(0.005)
    kill_tree(proc)
    raise AssertionError("phase not reached:\n" + build_output(proc)[-3000:])


def run_id_of(proc: subprocess.Popen) -> str | None:
    match = re.search(r"sozialmonitor_build - ([0-9a-f-]{36}) - ", build_output(proc))
    return match.group(1) if match else None


def free_pool_slots_of(run_id: str | None) -> None:
    """Hygiene after the test: a killed run must not keep a concurrency slot of the repo's Dagster
    instance, or every later build on this machine waits for it (no-op when nothing is held)."""
    if not run_id:
        return
    import dagster as dg

    from orchestration.settings import REPO_ROOT

    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(REPO_ROOT)
    try:
        with dg.DagsterInstance.get() as instance:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old


PHASES = {
    # during ingest: the working database is being (re)built and no dbt process exists yet
    "ingest": lambda proc, paths: paths.warehouse.exists() and not any("dbt" in c for c in descendants_cmdlines(proc.pid)),
    # during dbt: the dbt child process is running
    "dbt": lambda proc, paths: any(" build" in c and "dbt" in c for c in descendants_cmdlines(proc.pid)),
    # during publish: the temporary serving file is being written
    "publish": lambda proc, paths: any(paths.published_dir.glob(".publish-*")),
}


@pytest.mark.parametrize("phase", list(PHASES))
def test_kill_9_leaves_published_file_identical_and_next_run_completes(demo_build, tmp_path, phase):
    paths = copy_build(demo_build, tmp_path, warehouse=False)
    before = sha(paths.published)
    versions_before = [v.path.name for v in list_versions(paths)]
    for attempt in range(3):
        proc = start_build(paths)
        if _kill_when(proc, lambda: PHASES[phase](proc, paths)):
            break
        # the build finished before the phase was seen: start from scratch again
        assert proc.returncode == 0, build_output(proc)[-4000:]
        shutil.rmtree(tmp_path)
        paths = copy_build(demo_build, tmp_path, warehouse=False)
    else:
        pytest.fail(f"could not catch the build in phase {phase}")
    killed_run = run_id_of(proc)
    assert sha(paths.published) == before
    assert [v.path.name for v in list_versions(paths)] == versions_before
    con = duckdb.connect(str(paths.published), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0] > 0
    con.close()

    try:
        try:
            proc = run_build(paths.landing, paths.out, timeout=900)  # the next run completes and publishes
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                "the run after kill -9 did not complete within 15 min — does the killed run still hold the "
                "slot of the Dagster concurrency pool 'warehouse'?") from exc
    finally:
        free_pool_slots_of(killed_run)
    assert "Veröffentlicht" in proc.stdout
    assert sha(paths.published) != before
    assert len(list_versions(paths)) == len(versions_before) + 1
    assert not list(paths.published_dir.glob(".publish-*"))


def _edit_csv(path: Path, edit) -> list[str]:
    """Rewrite a `;` CSV delivery row by row: `edit(row)` returns the (changed) row or None to drop it.
    Lines before the header (title/demo marker lines) stay as they are. Returns the AGS of changed rows."""
    raw = path.read_bytes()
    encoding = "utf-8"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "latin-1"
        text = raw.decode(encoding)
    lines = text.splitlines(keepends=True)
    h = next(i for i, line in enumerate(lines) if "ags" in line.rstrip("\r\n").split(";"))
    header = lines[h].rstrip("\r\n").split(";")
    out, touched = lines[: h + 1], []
    for line in lines[h + 1:]:
        cells = line.rstrip("\r\n").split(";")
        if len(cells) != len(header):
            out.append(line)
            continue
        row = dict(zip(header, cells))
        new = edit(dict(row))
        if new != row:
            touched.append(row["ags"])
        if new is not None:
            out.append(";".join(new[c] for c in header) + "\n")
    path.write_bytes("".join(out).encode(encoding))
    return sorted(set(touched))


def test_missing_gemeinde_fails_the_run_and_leaves_the_published_file_unchanged(demo_build, tmp_path):
    paths = copy_build(demo_build, tmp_path)
    before = sha(paths.published)
    newest = sorted((paths.landing / "melderegister").glob("*.csv"))[-1]
    victim = "06432014"
    removed = _edit_csv(newest, lambda row: None if row["ags"] == victim else row)
    assert removed == [victim]

    proc = run_build(paths.landing, paths.out, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-4000:]
    assert sha(paths.published) == before
    assert "gx_melderegister__einwohner" in output or "melderegister" in output
    assert "expect_column_values_to_be_between(zeilen)" in output, output[-4000:]
    assert victim in output, output[-4000:]


def test_share_over_100_fails_the_run_naming_the_rows(demo_build, tmp_path):
    paths = copy_build(demo_build, tmp_path)
    before = sha(paths.published)
    newest = sorted((paths.landing / "grundsicherung").glob("*.csv"))[-1]
    victim = "06432019"

    def more_than_residents(row):
        if row["ags"] == victim:
            row["empfaenger_65_plus"] = "250000"  # more recipients 65+ than the Gemeinde has residents
        return row

    assert _edit_csv(newest, more_than_residents) == [victim]

    proc = run_build(paths.landing, paths.out, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-4000:]
    assert sha(paths.published) == before
    assert "expect_column_values_to_be_between(wert)" in output, output[-4000:]
    assert f"gebiet_id={victim}" in output and "altersarmut" in output, output[-4000:]
