"""Process-level tests of the quality gate and the publication with the real `sozialmonitor build`:
concurrent readers during a rebuild and across publish swaps, kill -9 of the build process in every
phase (its dbt child must die with it), one build per output folder, independent copies of the
published file, a blocking expectation failing the run.

Every build runs in its own process (as an operator or cron would start it); readers are separate
processes that open the published file (or Superset's serving copy) read-only, as Superset does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import dbt_env, settings
from orchestration.publish import list_versions, publish, read_status, rollback
from orchestration.settings import Paths
from tests.conftest import REPO_ROOT, SOZIALMONITOR, run_build

_spec = importlib.util.spec_from_file_location("incremental_month_bench", REPO_ROOT / "benchmarks" / "incremental_month.py")
incremental_month = importlib.util.module_from_spec(_spec)  # its comparison of two published files
_spec.loader.exec_module(incremental_month)

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_build(demo: Paths, target: Path, *, warehouse: bool = True) -> Paths:
    """An independent copy of the demo build (landing, published versions, serving copy, optionally
    the working DB)."""
    paths = Paths(region=demo.region, landing=target / "landing", out=target / "out")
    shutil.copytree(demo.landing, paths.landing, ignore=shutil.ignore_patterns("_quarantine"))
    paths.out.mkdir(parents=True)
    shutil.copytree(demo.published_dir, paths.published_dir, copy_function=shutil.copy2,
                    ignore=shutil.ignore_patterns("*.lock", ".publish-*"))
    if demo.serving_dir.exists():
        shutil.copytree(demo.serving_dir, paths.serving_dir, copy_function=shutil.copy2)
    if warehouse:
        shutil.copy2(demo.warehouse, paths.warehouse)
    return paths


def snapshot(paths: Paths) -> dict[str, str]:
    """Checksums of the published file, the serving copy and every kept version."""
    files = [paths.published, paths.serving, *(v.path for v in list_versions(paths))]
    return {str(f.relative_to(paths.out)): sha(f) for f in files}


def assert_clean_publication(paths: Paths) -> None:
    """`published/` holds the published file and `versions/` only; versions, published file and serving
    copy are files of their own, 0444, the serving copy (in a 0555 folder) has the published bytes."""
    assert sorted(p.name for p in paths.published_dir.iterdir()) == ["sozialmonitor.duckdb", "versions"]
    files = [paths.published, paths.serving, *(v.path for v in list_versions(paths))]
    assert all(f.stat().st_nlink == 1 for f in files), [(f.name, f.stat().st_nlink) for f in files]
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o444 for f in files}
    assert stat.S_IMODE(paths.serving_dir.stat().st_mode) == 0o555
    assert sha(paths.serving) == sha(paths.published)


def start_build(paths: Paths, *extra: str) -> subprocess.Popen:
    """Start a build in its own session. Its output goes to a file: an unread pipe would fill up and
    stall the build (and its dbt child) on a write."""
    log = open(paths.out.parent / f"build-{time.time_ns()}.log", "w")
    proc = subprocess.Popen(
        [SOZIALMONITOR, "build", "--landing", str(paths.landing), "--out", str(paths.out), *extra],
        stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    proc.log_path = Path(log.name)
    log.close()
    return proc


def build_output(proc: subprocess.Popen) -> str:
    """What the build printed (one line per finished step, warnings, summary)."""
    return proc.log_path.read_text(encoding="utf-8", errors="replace")


def full_log(paths: Paths, proc: subprocess.Popen) -> str:
    """The full log of the build `proc` in OUT/logs/ (every Dagster event), the file its first line names
    ("vollständiges Protokoll: …"); empty before the build has printed it. Not a listing of OUT/logs/: a build
    started earlier may create its log later, on a busy machine (CI)."""
    named = re.search(r"vollständiges Protokoll: (\S+)", build_output(proc))
    if named is None:
        return ""
    log = Path(named.group(1))
    assert log.parent == paths.out / "logs", log
    return log.read_text(encoding="utf-8", errors="replace")


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


def _alive(pid: int) -> bool:
    """Is `pid` a process that has not exited (zombies waiting to be reaped count as ended)?"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def processes_writing(paths: Paths) -> dict[int, str]:
    """Live processes started with this output folder's working database in their environment (anything
    a build starts) or running in the output folder (dbt: the wrapper runs it there), pid → command line."""
    needle = f"{dbt_env.ENV_WAREHOUSE}={paths.warehouse}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if ((needle in (entry / "environ").read_bytes().split(b"\0") or os.readlink(entry / "cwd") == str(paths.out.resolve()))
                    and _alive(int(entry.name))):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def survivors(pids: dict[int, str], paths: Paths | None = None, seconds: float = 10.0) -> dict[int, str]:
    """Wait up to `seconds` for the processes `pids` (and, with `paths`, every process writing that
    output folder) to end; return those still alive."""
    deadline = time.time() + seconds
    while True:
        left = {pid: cmd for pid, cmd in pids.items() if _alive(pid)}
        if paths is not None:
            left.update(processes_writing(paths))
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def descendants_with_cmdlines(pid: int) -> dict[int, str]:
    out = {}
    for child in descendant_pids(pid):
        try:
            out[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return out


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def readers_script(files: list[Path], stop: Path, ready: Path, seconds: int, pause: float = 0.05) -> list[str]:
    """A reader that opens each of `files` read-only in turn (a new connection per query, as Superset's
    pool does) and checks it is one complete version; touches `ready` after its first round."""
    code = textwrap.dedent(f"""
        import duckdb, json, time
        from pathlib import Path
        files = [Path(f) for f in {[str(f) for f in files]!r}]
        stop, ready = Path({str(stop)!r}), Path({str(ready)!r})
        ok = 0; failures = []; versions = set()
        deadline = time.time() + {seconds}
        while time.time() < deadline and not stop.exists():
            for f in files:
                try:
                    con = duckdb.connect(str(f), read_only=True)
                    try:
                        runs = con.execute("SELECT DISTINCT run_id FROM mart.publikation_status").fetchall()
                        recorded = con.execute("SELECT zeilen FROM mart.publikation_status WHERE eintrag = 'tabelle' "
                                               "AND datei = 'mart.sozialraum_indikatoren'").fetchone()[0]
                        n = con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0]
                    finally:
                        con.close()
                    assert len(runs) == 1 and n == recorded and n > 0, (runs, n, recorded)
                    versions.add(runs[0][0])
                    ok += 1
                except Exception as exc:
                    failures.append(f"{{f.parent.name}}: {{exc!r}}")
            ready.touch()
            time.sleep({pause})  # dashboard-like load; 20 busy loops would starve the publisher on a small machine
        print(json.dumps({{"ok": ok, "failures": failures[:5], "failed": len(failures), "versions": sorted(versions)}}))
    """)
    return [sys.executable, "-c", code]


def _kill_build_when(proc: subprocess.Popen, ready, timeout: float = 900) -> dict[int, str] | None:
    """SIGKILL the build process only (not its children: the kernel must end those) as soon as
    `ready()`; return the processes that were below it at that moment, None if the build ended first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return None
        if ready():
            children = descendants_with_cmdlines(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            return children
        time.sleep(0.005)
    kill_tree(proc)
    raise AssertionError("phase not reached:\n" + build_output(proc)[-3000:])


def _in_dbt(proc, paths) -> bool:
    return any(" build" in c and "dbt" in c for c in descendants_cmdlines(proc.pid))


PHASES = {
    # during ingest: the working database is being built from scratch and no dbt process exists yet
    "ingest": lambda proc, paths: paths.warehouse.exists() and not any("dbt" in c for c in descendants_cmdlines(proc.pid)),
    # during dbt: the dbt child process (behind the wrapper sozialmonitor-dbt) is running
    "dbt": _in_dbt,
    # during the GX checks of the mart (their step has started; the raw suites run inside the ingest steps)
    "checks": lambda proc, paths: 'Started execution of step "gx_mart_checks"' in full_log(paths, proc),
    # during publish: the new version is being written into the temporary folder outside published/
    "publish": lambda proc, paths: paths.publish_tmp.is_dir() and any(paths.publish_tmp.iterdir()),
}


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
        row = dict(zip(header, cells, strict=True))
        new = edit(dict(row))
        if new != row:
            touched.append(row["ags"])
        if new is not None:
            out.append(";".join(new[c] for c in header) + "\n")
    path.write_bytes("".join(out).encode(encoding))
    return sorted(set(touched))


VICTIM = "06432014"  # the Gemeinde left out of the new Melderegister Stichtag
EINWOHNER = ("SELECT sum(zaehler) FROM mart.sozialraum_indikatoren WHERE indikator_id = 'bevoelkerung' "
             "AND gebiet_ebene = 'gemeinde'")


def deliver_new_stichtag_without_a_gemeinde(paths: Paths) -> Path:
    """Put a Melderegister delivery for a new Stichtag (the newest + 1 year) without the Gemeinde VICTIM
    into the landing folder; returns it."""
    newest = sorted((paths.landing / "melderegister").glob("*.csv"))[-1]
    year = int(newest.stem[-8:-4])
    delivery = newest.with_name(newest.stem[:-8] + f"{year + 1}1231.csv")
    shutil.copyfile(newest, delivery)

    def next_year_without_victim(row):
        if row["ags"] == VICTIM:
            return None
        row["stichtag"] = f"31.12.{year + 1}"
        return row

    removed = _edit_csv(delivery, next_year_without_victim)
    assert VICTIM in removed
    return delivery


def assert_refused_and_the_rest_published(proc: subprocess.CompletedProcess, paths: Paths, delivery: Path,
                                          run_before: str, einwohner_vorher: float) -> None:
    """A Melderegister delivery for a new Stichtag without one Gemeinde fails its family's audit
    (completeness): it is refused and quarantined, the family stays at its last good state, the rest
    publishes. (A *correction* may leave Gemeinden out: the Melderegister is current per Stichtag and
    Gemeinde, so the others keep their delivery — tests/quality.)"""
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert delivery.name in output
    reason = next((paths.quarantine / "melderegister").glob(f"*_{delivery.name}.reason.txt")).read_text("utf-8")
    assert "expect_column_values_to_be_between(zeilen)" in reason and VICTIM in reason, reason
    status = read_status(paths.published)
    assert status[0]["run_id"] != run_before
    families = {r["familie"]: r["ergebnis"] for r in status if r["eintrag"] == "familie"}
    assert families["melderegister"] == "veraltet" and families["genesis"] == "aktuell"
    assert {r["datei"] for r in status if r["eintrag"] == "abgelehnt"} == {delivery.name}
    con = duckdb.connect(str(paths.published), read_only=True)
    einwohner_nachher = con.execute(EINWOHNER).fetchone()[0]
    con.close()
    assert einwohner_nachher == einwohner_vorher


def _assert_killed_cleanly(paths: Paths, proc: subprocess.Popen, phase: str, children: dict[int, str],
                           before: dict[str, str], versions_before: list[str]) -> None:
    """After kill -9 of the build process in `phase`: no process of it survives (its dbt child included),
    published file, serving copy and versions are byte-identical, `published/` holds nothing else."""
    try:
        if phase == "dbt":
            assert any("dbt" in c and " build" in c for c in children.values()), children
        left = survivors(children, paths)
        assert not left, f"processes of the build killed in phase {phase} still running: {left}"
    finally:
        kill_all(descendant_pids(proc.pid))
        kill_all(processes_writing(paths))
    assert snapshot(paths) == before, phase
    assert [v.path.name for v in list_versions(paths)] == versions_before, phase
    assert sorted(p.name for p in paths.published_dir.iterdir()) == ["sozialmonitor.duckdb", "versions"], phase
    con = duckdb.connect(str(paths.published), read_only=True)
    assert con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0] > 0
    con.close()


def test_kill_9_of_the_build_process_in_every_phase_leaves_no_dbt_and_identical_publication(demo_build, tmp_path):
    """kill -9 of the build process alone (as the OOM killer would), once in every phase, one after the
    other on the same output folder: no dbt process of it survives, published file, serving copy and
    versions stay byte-identical, `published/` holds nothing else. The lock and the state a killed build
    leaves behind do not stop the next build: the build after each kill gets past the killed phase (it is
    caught in the next one; the first starts without a working database, so ingest runs from scratch),
    and the build after the last kill (during publish) completes and publishes.

    That last build also gets a Melderegister delivery for a new Stichtag without one Gemeinde: it is
    refused by its family's audit and the rest publishes (see assert_refused_and_the_rest_published).

    (One chain instead of a fresh copy and a full follow-up build per phase, and no build of its own for
    the refused delivery: the same kills and checks with four builds fewer; benchmarks/README.md, "Test
    suite time".)"""
    paths = copy_build(demo_build, tmp_path / "b", warehouse=False)  # ingest from scratch: no working DB
    run_before = read_status(paths.published)[0]["run_id"]
    con = duckdb.connect(str(paths.published), read_only=True)
    einwohner_vorher = con.execute(EINWOHNER).fetchone()[0]
    con.close()
    before = snapshot(paths)
    versions_before = [v.path.name for v in list_versions(paths)]
    for phase in PHASES:
        for _attempt in range(3):
            proc = start_build(paths)
            children = _kill_build_when(proc, lambda proc=proc, paths=paths, phase=phase: PHASES[phase](proc, paths))
            if children is not None:
                break
            # the build finished before the phase was seen: it completed after the previous kill (the
            # lock did not block it) and published; try the phase again from this publication
            assert proc.returncode == 0, build_output(proc)[-4000:]
            run_before = read_status(paths.published)[0]["run_id"]
            before = snapshot(paths)
            versions_before = [v.path.name for v in list_versions(paths)]
        else:
            pytest.fail(f"could not catch the build in phase {phase}")
        _assert_killed_cleanly(paths, proc, phase, children, before, versions_before)

    delivery = deliver_new_stichtag_without_a_gemeinde(paths)
    try:
        proc = run_build(paths.landing, paths.out, timeout=900)  # the next run completes and publishes
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the run after kill -9 did not complete within 15 min — does the killed run "
                             "still hold the writer lock of the working database?") from exc
    assert "Veröffentlicht: " + str(paths.published) in proc.stdout
    assert_refused_and_the_rest_published(proc, paths, delivery, run_before, einwohner_vorher)
    assert sha(paths.published) != before["published/sozialmonitor.duckdb"]
    assert len(list_versions(paths)) == len(versions_before) + 1
    assert list(paths.publish_tmp.iterdir()) == []
    assert_clean_publication(paths)


def test_kill_9_of_a_multiprocess_run_worker_ends_its_step_worker_and_dbt(demo_build, tmp_path):
    """Runs from the Dagster UI use the multiprocess executor: run worker → step worker (spawned) →
    dbt. kill -9 of the run worker alone must end the step worker and dbt."""
    paths = copy_build(demo_build, tmp_path / "b")
    home = tmp_path / "dagster_home"  # an instance of its own: no pool slot of the repo's instance is touched
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), settings.ENV_REGION: str(paths.region),
           settings.ENV_LANDING: str(paths.landing), settings.ENV_OUT: str(paths.out),
           dbt_env.ENV_WAREHOUSE: str(paths.warehouse)}
    log = open(tmp_path / "run.log", "w")
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m", "orchestration.definitions",
         "--select", 'key:"mart/sozialraum_indikatoren"'],
        cwd=settings.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    try:
        deadline = time.time() + 300
        while time.time() < deadline and worker.poll() is None and not _in_dbt(worker, paths):
            time.sleep(0.05)
        assert _in_dbt(worker, paths), (tmp_path / "run.log").read_text()[-3000:]
        children = descendants_with_cmdlines(worker.pid)
        assert any("spawn_main" in c for c in children.values()), children  # the step worker
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=60)
        left = survivors({pid: c for pid, c in children.items() if "spawn_main" in c or "dbt" in c}, paths)
        assert not left, f"step worker or dbt still running after the run worker was killed: {left}"
    finally:
        kill_all(descendant_pids(worker.pid))
        kill_all(processes_writing(paths))
        if worker.poll() is None:
            worker.kill()
            worker.wait()


READERS = 20


def test_20_readers_never_fail_across_publish_and_rollback_swaps(demo_build, tmp_path):
    """20 reader processes on the published file and the serving copy while both are swapped by three
    publications and a rollback: not one failed query, and every reader sees the new versions."""
    paths = copy_build(demo_build, tmp_path / "b")
    if not paths.serving.exists():  # the demo build wrote it; make sure the copy has one
        publish(paths, run_id="start", checks=[])
    first = read_status(paths.published)[0]["run_id"]
    stop = tmp_path / "stop"
    readers = [subprocess.Popen(readers_script([paths.published, paths.serving], stop, tmp_path / f"ready-{i}", 600),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(READERS)]
    published_runs = []
    try:
        deadline = time.time() + 180
        while time.time() < deadline and not all((tmp_path / f"ready-{i}").exists() for i in range(READERS)):
            assert all(r.poll() is None for r in readers), [r.communicate()[1][-2000:] for r in readers if r.poll() is not None]
            time.sleep(0.1)
        assert all((tmp_path / f"ready-{i}").exists() for i in range(READERS)), "readers did not start"
        for i in range(3):
            publish(paths, run_id=f"swap-{i}", checks=[])
            published_runs.append(f"swap-{i}")
            time.sleep(1.0)
        rollback(paths)  # back to swap-1
        time.sleep(1.0)
    finally:
        stop.touch()
    results = []
    for r in readers:
        out, err = r.communicate(timeout=120)
        assert r.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [res["failed"] for res in results] == [0] * READERS, [res for res in results if res["failed"]][:3]
    seen = set().union(*(res["versions"] for res in results))
    assert {first, *published_runs} <= seen, seen
    assert all(len(res["versions"]) >= 2 for res in results), [res["versions"] for res in results]
    assert read_status(paths.published)[0]["run_id"] == "swap-1"
    assert_clean_publication(paths)


def destroy(path: Path) -> None:
    """Overwrite a file's bytes in place (the read-only mode does not stop its owner from doing it)."""
    os.chmod(path, 0o644)
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.write(os.urandom(size))


def test_published_file_versions_and_serving_copy_are_independent_copies(demo_build, tmp_path):
    """The demo build's publication: no hard links, 0444, the serving copy equal in a 0555 folder.
    Destroying the published file leaves every version and the serving copy intact; `rollback`
    restores it and the serving copy."""
    assert_clean_publication(demo_build)
    other = copy_build(demo_build, tmp_path / "b", warehouse=False)
    versions = {v.path.name: sha(v.path) for v in list_versions(other)}
    serving = sha(other.serving)
    destroy(other.published)
    assert {v.path.name: sha(v.path) for v in list_versions(other)} == versions
    assert sha(other.serving) == serving
    proc = subprocess.run([SOZIALMONITOR, "rollback", "--out", str(other.out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    newest = list_versions(other)[-1]
    assert sha(other.published) == versions[newest.path.name]
    assert_clean_publication(other)
    # a destroyed serving copy is rewritten by the next rollback (or publish), even by one that has
    # nothing to roll back to (the only version is the published one now)
    os.chmod(other.serving_dir, 0o755)
    destroy(other.serving)
    os.chmod(other.serving_dir, 0o555)
    proc = subprocess.run([SOZIALMONITOR, "rollback", "--out", str(other.out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Rollback nicht möglich" in proc.stderr, proc.stdout + proc.stderr
    assert_clean_publication(other)


def lock_pid(paths: Paths) -> str:
    try:
        return paths.build_lock.read_text().strip()
    except FileNotFoundError:
        return ""


def test_one_build_per_output_folder_readers_never_fail_and_the_next_build_runs_only_the_new_month(
        demo_build, tmp_path):
    """A second build (or rollback) on the same output folder is refused at once with its own exit
    code while the first one runs; `--warten` waits and then completes; other output folders are not
    blocked; nothing extra lands in `published/`. The first build is a full rebuild (new working
    database) with a reader process querying the published file all the time (a new read-only
    connection per query, as Superset's pool does): not one of its queries fails, and it sees the old
    and the new version.

    The landing folder lacks the newest SGB II month; its files arrive while the first build is past its
    ingest. The waiting build then runs only the SGB II family and what depends on it
    (orchestration/stand.py), and publishes exactly what the full build of the complete landing folder (the
    demo build) published; a build after it has nothing new and runs nothing. (Three scenarios with one
    full build between them: benchmarks/README.md, "Test suite time".)"""
    from orchestration.cli import EXIT_BUILD_LAEUFT

    paths = copy_build(demo_build, tmp_path / "b", warehouse=False)  # full rebuild: new working database
    other = copy_build(demo_build, tmp_path / "o", warehouse=False)
    month = incremental_month.newest_month(paths.landing / "sgb2")
    held = tmp_path / "held"
    held.mkdir()
    for path in (paths.landing / "sgb2").glob(f"*_{month}.*"):
        path.rename(held / path.name)
    new_files = sorted(p.name for p in held.iterdir())
    assert len(new_files) == 2, new_files  # the Gemeinde workbook and the Ortsteil CSV
    destroy(other.published)  # so that a rollback there has something to restore
    before = read_status(paths.published)[0]["run_id"]
    stop = tmp_path / "stop"
    reader = subprocess.Popen(readers_script([paths.published], stop, tmp_path / "ready", 1500, pause=0),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = start_build(paths)
    waiting = None
    try:
        deadline = time.time() + 120
        while time.time() < deadline and first.poll() is None and lock_pid(paths) != str(first.pid):
            time.sleep(0.05)
        assert first.poll() is None, build_output(first)[-3000:]
        message = f"Build läuft bereits (PID {first.pid}) für {paths.out}"

        t0 = time.time()
        second = run_build(paths.landing, paths.out, check=False, timeout=120)
        assert second.returncode == EXIT_BUILD_LAEUFT, second.stdout + second.stderr
        assert message in second.stderr, second.stderr
        assert time.time() - t0 < 60
        refused = subprocess.run([SOZIALMONITOR, "rollback", "--out", str(paths.out)], capture_output=True, text=True, timeout=120)
        assert refused.returncode == EXIT_BUILD_LAEUFT and message in refused.stderr, refused.stderr
        # another output folder: not blocked by this build
        elsewhere = subprocess.run([SOZIALMONITOR, "rollback", "--out", str(other.out)], capture_output=True, text=True, timeout=120)
        assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr

        waiting = start_build(paths, "--warten")
        deadline = time.time() + 120
        while time.time() < deadline and "warte (--warten)" not in build_output(waiting):
            assert waiting.poll() is None, build_output(waiting)[-3000:]
            time.sleep(0.1)
        assert message in build_output(waiting)
        deadline = time.time() + 900  # the new month arrives once the first build has read the landing folder
        while time.time() < deadline and "] raw_lieferungen" not in build_output(first):
            assert first.poll() is None, build_output(first)[-3000:]
            time.sleep(0.1)
        for name in new_files:
            (held / name).rename(paths.landing / "sgb2" / name)
        first.wait(timeout=1500)
        assert first.returncode == 0, build_output(first)[-4000:]
        after_first = read_status(paths.published)[0]["run_id"]
        time.sleep(1.0)  # a few queries against the new version as well
        stop.touch()
        r_out, _ = reader.communicate(timeout=120)
        result = json.loads(r_out.strip().splitlines()[-1])
        assert result["failed"] == 0, result
        assert result["ok"] >= 200, result
        assert after_first != before
        assert before in result["versions"] and after_first in result["versions"], result
        waiting.wait(timeout=1500)
        assert waiting.returncode == 0, build_output(waiting)[-4000:]
        assert "Umfang: nur sgb2 und was davon abhängt (neue Lieferung)" in build_output(waiting), build_output(waiting)
        log = full_log(paths, waiting)
        # the ingest step loaded the SGB II family alone, dbt built the models downstream of its sources only
        assert "raw/sgb2__gemeinde_monat" in log and "stg_sgb2__" in log, log[-3000:]
        assert "raw/genesis__werte" not in log and "stg_genesis__" not in log and "stg_melderegister__" not in log
    finally:
        stop.touch()
        if reader.poll() is None:
            reader.communicate(timeout=120)
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                kill_tree(proc)
    assert read_status(paths.published)[0]["run_id"] != after_first  # the waiting build published after it
    assert len(list_versions(paths)) == 3  # the demo's version + one per build
    assert_clean_publication(paths)
    assert list(paths.publish_tmp.iterdir()) == []
    tables, differ = incremental_month.published_differences(paths.published, demo_build.published)
    assert tables > 20 and differ == [], differ
    assert set(new_files) <= {r["datei"] for r in read_status(paths.published) if r["eintrag"] == "lieferung"}

    # nothing new since: nothing runs, the publication stays as it is
    published, logs = snapshot(paths), set((paths.out / "logs").glob("build-*.log"))
    again = run_build(paths.landing, paths.out)
    assert "Umfang: nichts Neues" in again.stdout, again.stdout[-3000:]
    assert f"Veröffentlicht: unverändert – {paths.published}" in again.stdout
    assert snapshot(paths) == published and set((paths.out / "logs").glob("build-*.log")) == logs


def test_share_over_100_fails_the_whole_publication_naming_the_rows(demo_build, tmp_path):
    """A plausible SGB II correction (fewer Leistungsberechtigte than residents) that still gives an
    SGB-II-Quote above 100 % (more than the residents under 65) passes ingest and its family's audit but
    fails the check of the mart as a whole: nothing is published."""
    import openpyxl

    paths = copy_build(demo_build, tmp_path)
    before = sha(paths.published)
    con = duckdb.connect(str(paths.published), read_only=True)
    jahr, gesamt, unter_65 = con.execute("""
        SELECT q.jahr, b.zaehler, q.nenner FROM mart.sozialraum_indikatoren q
        JOIN mart.sozialraum_indikatoren b
          ON b.gebiet_id = q.gebiet_id AND b.jahr = q.jahr AND b.gebiet_ebene = q.gebiet_ebene
        WHERE q.indikator_id = 'sgb2_quote' AND b.indikator_id = 'bevoelkerung' AND q.gebiet_ebene = 'gemeinde'
          AND q.gebiet_id = '06432001' ORDER BY q.jahr DESC LIMIT 1""").fetchone()
    con.close()
    lb = int((gesamt + unter_65) / 2)  # between the residents under 65 and all residents
    assert unter_65 < lb < gesamt
    source = paths.landing / "sgb2" / f"sgb2_gemeinden_{jahr}12.xlsx"
    wb = openpyxl.load_workbook(source)
    ws = wb["Gemeinden"]
    assert str(ws["A10"].value) == "06432001"
    slb, nef = int(ws["K10"].value), int(ws["I10"].value)
    korrigiert = {"E": lb, "F": lb, "G": lb - slb, "H": lb - slb - nef}  # Personen, LB, RLB, ELB
    kreiszeile = next(row[0].row for row in ws.iter_rows(min_col=1, max_col=1) if str(row[0].value) == "06432")
    for spalte, wert in korrigiert.items():
        # the BA's Kreis row is the sum of its Gemeinden: a consistent correction moves it by the same amount
        ws[f"{spalte}{kreiszeile}"] = int(ws[f"{spalte}{kreiszeile}"].value) + wert - int(ws[f"{spalte}10"].value)
        ws[f"{spalte}10"] = wert
    wb.save(source.with_name(f"sgb2_gemeinden_{jahr}12_korrektur.xlsx"))

    proc = run_build(paths.landing, paths.out, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-4000:]
    assert sha(paths.published) == before
    assert "expect_column_values_to_be_between(wert)" in output, output[-4000:]
    assert "gebiet_id=06432001" in output and "sgb2_quote" in output, output[-4000:]
