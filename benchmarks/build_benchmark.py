"""Whole `sozialmonitor build` runs (demo region, all of Germany) against a plain DuckDB load of the same files.

    .venv/bin/python benchmarks/build_benchmark.py                      # both targets, one run each
    .venv/bin/python benchmarks/build_benchmark.py --only germany --repeat 3
    .venv/bin/python benchmarks/build_benchmark.py --json var/artifacts/build_benchmark.json

Targets:
- demo:    `sozialmonitor build --demo --landing TMP/landing --out TMP/out` (Darmstadt-Dieburg, synthetic
           deliveries of every family + the real GENESIS extracts). The deliveries are generated once
           beforehand (`sozialmonitor demo-data`, reported as a setup line) and copied into a fresh landing
           folder for every run, so a run measures the build only.
- germany: `sozialmonitor build --region benchmarks/regions/deutschland --landing TMP/landing --out TMP/out`
           (`ags: ""`) on a landing folder with only the five full-Germany GENESIS tables of --germany-data
           (default ../shared/data/genesis/germany). The SGB II, Grundsicherung, Melderegister and
           youth-welfare families are absent: their staging models return no rows.
- baseline (per target): a plain DuckDB script loading every raw CSV of the same landing folder with
           `read_csv(..., all_varchar=true)`, one table per file, into a fresh DuckDB file. It cannot read
           the SGB II .xlsx files of the demo landing; those are listed as not in the baseline.
- incremental (demo): one new SGB II month through the landing sensor's family job on a build without it,
           and the same month through `sozialmonitor build` on a copy of that build (it runs only the SGB II
           family and what depends on it), each published file compared with the full build
           (benchmarks/incremental_month.py).

Every command runs under a small wrapper process (this script with `--measure`) that starts it, samples the
summed RSS of the whole process tree from /proc every 0.2 s and, after it ended, reads
`getrusage(RUSAGE_CHILDREN)`: wall time, CPU time (user + system of the tree) and `ru_maxrss` (the peak RSS
of the largest single process of the tree: the build process, or a dbt subprocess). The wrapper is the
"child subreaper" of the tree (Linux `prctl(PR_SET_CHILD_SUBREAPER)`): a process whose parent ended without
waiting for it (chromium's zygote, which prints the profile PDFs, is one) is handed to the wrapper instead of
init, which waits for it, so its CPU time counts too (before, about 10 s of chromium's CPU per demo build did not). Build and baseline runs
alternate, so that machine load hits both alike. After each build the script checks the result: exit code,
the build summary, and the mart in OUT/warehouse.duckdb (Gemeinden, years, indicators).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import incremental_month  # benchmarks/, beside this script

REPO_ROOT = Path(__file__).resolve().parent.parent
SOZIALMONITOR = REPO_ROOT / ".venv" / "bin" / "sozialmonitor"
GERMANY_DATA = REPO_ROOT.parent / "shared" / "data" / "genesis" / "germany"
GERMANY_TABLES = ("12411-01-01-5", "12411-02-03-5", "12711-01-03-5", "13111-02-02-5", "13211-01-03-5")
GERMANY_REGION = REPO_ROOT / "benchmarks" / "regions" / "deutschland"
SAMPLE_SECONDS = 0.2


# ------------------------------------------------------------------------------- wrapper (child side)

def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])  # fields after the command name: state ppid …
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _label(pid: int) -> str:
    """`sozialmonitor build`, `dbt build`, … : program name and first argument of a process."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "?"
    if len(args) == 1:  # a process that rewrote its command line as one string (chromium's renderers)
        args = args[0].split()
    if len(args) > 1 and Path(args[0]).name.startswith("python"):
        args = args[1:]  # `python script.py …`: name the script
    return " ".join([Path(args[0]).name, *args[1:2]]) if args else "?"


def _tree_rss(root: int, page: int, *, with_root: bool = True) -> tuple[dict[int, int], int]:
    """Resident memory (bytes) of `root` (unless not `with_root`) and each of its descendants right now, and the CPU
    clock ticks of the same processes so far (user + system of each live process and of its children that already
    ended)."""
    tree = _children_of()
    rss, todo, ticks = {}, [root], 0
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        if pid == root and not with_root:
            continue
        try:
            with open(f"/proc/{pid}/statm") as handle:
                rss[pid] = int(handle.read().split()[1]) * page
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(b")") + 2:].split()  # state ppid … (field 3 of proc(5) is fields[0])
            ticks += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            pass
    return rss, ticks


ORPHANS_WAIT_SECONDS = 60  # how long the wrapper waits for adopted processes still running after the command ended


def _become_subreaper() -> None:
    """Make this process the subreaper of its descendants (prctl(2) PR_SET_CHILD_SUBREAPER): orphans come here."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # 36 = PR_SET_CHILD_SUBREAPER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _wait_for_adopted(seconds: float) -> list[int]:
    """Wait for the orphans handed to this process (after the command ended); pids of those still running after
    `seconds` (not waited for: their CPU time so far is not counted)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return []  # none left
        if pid == 0:
            if time.monotonic() > deadline:
                return sorted(_children_of().get(os.getpid(), []))
            time.sleep(0.05)


def measure(result_file: Path, log_file: Path, command: list[str]) -> None:
    """Wrapper process: run `command`, write wall/CPU/peak memory of its process tree to `result_file`."""
    import resource

    _become_subreaper()

    page = os.sysconf("SC_PAGE_SIZE")
    peak_tree = 0
    peak_proc: dict[str, int] = {}  # label -> peak sampled RSS of a process with that label
    labels: dict[int, str] = {}
    samples: list[tuple[float, float, int]] = []  # (epoch seconds, CPU seconds of the tree, tree RSS bytes)
    tick = os.sysconf("SC_CLK_TCK")
    with open(log_file, "wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        while proc.poll() is None:
            # the command's tree and the orphans handed to this process, not this process itself
            rss, ticks = _tree_rss(os.getpid(), page, with_root=False)
            peak_tree = max(peak_tree, sum(rss.values()))
            samples.append((time.time(), ticks / tick, sum(rss.values())))
            for pid, value in rss.items():
                label = labels.setdefault(pid, _label(pid))
                peak_proc[label] = max(peak_proc.get(label, 0), value)
            time.sleep(SAMPLE_SECONDS)
        wall = time.perf_counter() - start
    left_running = _wait_for_adopted(ORPHANS_WAIT_SECONDS)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the end: the whole tree's CPU as the kernel accounted it (a process can leave the sampled tree before its
    # parent reaps it, so the last sample may be lower; the `finish` phase was negative then)
    samples.append((time.time(), usage.ru_utime + usage.ru_stime, 0))
    result_file.write_text(json.dumps({
        "returncode": proc.returncode, "wall_s": wall, "left_running": left_running, "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_mib": usage.ru_maxrss / 1024, "tree_rss_mib": peak_tree / 2**20,
        "sampled_peak_mib_per_process": {k: round(v / 2**20) for k, v in sorted(peak_proc.items(), key=lambda kv: -kv[1])},
        "samples": samples,
    }))


def baseline(landing: Path, database: Path) -> None:
    """The plain load: every raw CSV of `landing` as one all-VARCHAR table of a fresh DuckDB file."""
    import duckdb

    con = duckdb.connect(str(database))
    files = sorted(p for p in landing.rglob("*.csv") if "_quarantine" not in p.parts)
    rows = 0
    for number, path in enumerate(files):
        sql = f"""
            CREATE TABLE t{number} AS SELECT * FROM read_csv('{path}', delim=';', quote='"', escape='"',
                header=false, all_varchar=true, null_padding=true, ignore_errors=true, auto_detect=true{{}})
        """
        try:
            con.execute(sql.format(""))
        except duckdb.Error:  # quoted line breaks (GENESIS footers) need the single-threaded reader
            con.execute(sql.format(", parallel=false"))
        rows += con.execute(f"SELECT count(*) FROM t{number}").fetchone()[0]
    con.close()
    print(json.dumps({"rows": rows, "files": len(files)}))


def plain_sql(manifest_file: Path, database: Path) -> None:
    """(c) The project's compiled model SQL as one plain DuckDB script: every SQL model in dependency order
    as CREATE OR REPLACE TABLE/VIEW on a copy of the build's warehouse (raw and seeds as the build left them).
    Python models keep the table of the copy; dbt tests are not part of this side."""
    import duckdb

    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in models:
            return
        seen.add(key)
        for dep in models[key]["depends_on"]["nodes"]:
            visit(dep)
        order.append(key)

    for key in sorted(models):
        visit(key)
    con = duckdb.connect(str(database))
    executed, python_models = 0, []
    for key in order:
        node = models[key]
        kind = node["config"]["materialized"]
        if node.get("language") == "python":
            python_models.append(node["name"])
            continue
        if kind == "ephemeral":
            continue
        target = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{node["schema"]}"')
        existing = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? "
                               "AND table_name = ?", [node["schema"], node.get("alias") or node["name"]]).fetchone()
        if existing:
            con.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {target} CASCADE")
        con.execute(f"CREATE {'VIEW' if kind == 'view' else 'TABLE'} {target} AS {node['compiled_code']}")
        executed += 1
    con.close()
    print(json.dumps({"models": executed, "python_models_kept": python_models}))


def plain_dbt_command(warehouse: Path, target: Path) -> list[str]:
    """(d) A plain `dbt build` of the project on a copy of the build's (already ingested) warehouse, in a fresh
    target folder that starts from the project's parse state (`dbt_project/target/partial_parse.msgpack`),
    as the build's dbt step does in a fresh output folder: dbt through the wrapper `sozialmonitor-dbt`, which
    runs it in the warehouse's folder with the profile of the builds (`warehouse`: the copy must be named
    warehouse.duckdb), so neither re-parses the whole project. The same selection as the build's dbt step
    (`BUILD_ARGS` in orchestration/transform/dbt.py: no unit tests)."""
    from orchestration.transform.dbt import seed_parse_state

    dbt_dir = REPO_ROOT / "dbt_project"
    shutil.rmtree(target, ignore_errors=True)
    seed_parse_state(target)
    target.mkdir(parents=True, exist_ok=True)
    return ["env", f"SOZIALMONITOR_WAREHOUSE={warehouse}", "DBT_SEND_ANONYMOUS_USAGE_STATS=false",
            str(REPO_ROOT / ".venv" / "bin" / "sozialmonitor-dbt"), "build", "--exclude-resource-type", "unit_test",
            "--profiles-dir", str(dbt_dir), "--project-dir", str(dbt_dir), "--target-path", str(target),
            "--log-path", str(target)]


def compile_project(warehouse: Path, folder: Path) -> Path:
    """`dbt compile` of the project against `warehouse`; returns the manifest (target path inside `folder`)."""
    dbt_dir = REPO_ROOT / "dbt_project"
    env = {**os.environ, "SOZIALMONITOR_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = folder / "dbt_target"
    subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "dbt"), "compile", "--quiet", "--profiles-dir", str(dbt_dir),
                    "--project-dir", str(dbt_dir), "--target-path", str(target), "--log-path", str(folder / "dbt_logs")],
                   cwd=dbt_dir, env=env, check=True)
    return target / "manifest.json"


# a step event in OUT/logs/build-*.log (orchestration/progress.py): time, run, pid, step, event
_EVENT = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) DEBUG \S+ - \S+ - \d+ - (\S+) - "
                    r"(STEP_START|STEP_SUCCESS|STEP_FAILURE) - ")
PHASES = ("ingest", "dbt", "checks", "publish", "profiles", "other")


def _phase(step: str) -> str:
    if step.startswith("raw_"):
        return "ingest"
    if "dbt" in step:
        return "dbt"
    if step.startswith("gx_") or "check" in step:
        return "checks"
    if "publi" in step or "serving" in step:
        return "publish"
    return "profiles" if "profil" in step else "other"


def phases(out: Path, samples: list) -> dict[str, dict[str, float]]:
    """Per phase of a build (ingest = raw_* steps, dbt, checks = gx_*, publish, profiles): wall seconds from
    the first step start to the last step end in the build's log file (`OUT/logs/build-*.log`; steps of one
    phase may overlap), the CPU seconds of the process tree in that window and its peak tree RSS (from the
    wrapper's samples every 0.2 s). `startup` is the time from the command's start to the first step,
    `finish` from the last step to its end (imports, definitions, the summary)."""
    logs = sorted((out / "logs").glob("build-*.log"))
    if not logs or not samples:
        return {}
    bounds: dict[str, list[float]] = {}
    for line in logs[-1].read_text(encoding="utf-8", errors="replace").splitlines():
        match = _EVENT.match(line)
        if match:
            moment = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            lo, hi = bounds.get(_phase(match.group(2)), (moment, moment))
            bounds[_phase(match.group(2))] = [min(lo, moment), max(hi, moment)]
    if not bounds:
        return {}
    first, last = min(lo for lo, _ in bounds.values()), max(hi for _, hi in bounds.values())
    bounds["startup"] = [samples[0][0], first]
    bounds["finish"] = [last, samples[-1][0]]

    def cpu_at(moment: float) -> float:
        before = [c for t, c, _ in samples if t <= moment]
        return before[-1] if before else samples[0][1]

    split = {}
    for name in ("startup", *PHASES, "finish"):
        if name not in bounds:
            continue
        lo, hi = bounds[name]
        inside = [r for t, _, r in samples if lo <= t <= hi] or [0]
        split[name] = {"wall_s": hi - lo, "cpu_s": cpu_at(hi) - cpu_at(lo), "tree_rss_mib": max(inside) / 2**20}
    return split


# ------------------------------------------------------------------------------- parent side

def run_measured(name: str, command: list[str], work: Path) -> dict:
    """Run `command` under a fresh wrapper process; its measurements plus the path of its output log."""
    result_file, log_file = work / f"{name}.json", work / f"{name}.log"
    result_file.unlink(missing_ok=True)
    wrapper = [sys.executable, __file__, "--measure", str(result_file), "--log", str(log_file), "--", *command]
    subprocess.run(wrapper, check=True)
    return {**json.loads(result_file.read_text()), "log": str(log_file)}


def fresh_copy(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)


def folder_stats(landing: Path) -> dict:
    files = [p for p in landing.rglob("*") if p.is_file()]
    csv = [p for p in files if p.suffix.lower() == ".csv"]
    other = [p for p in files if p.suffix.lower() != ".csv"]
    return {"files": len(files), "mib": sum(p.stat().st_size for p in files) / 2**20, "csv_files": len(csv),
            "csv_mib": sum(p.stat().st_size for p in csv) / 2**20, "not_csv_files": len(other),
            "not_csv_mib": sum(p.stat().st_size for p in other) / 2**20}


def check_build(run: dict, out: Path) -> dict:
    """What the build produced: its summary lines and the mart's Gemeinden / years / indicators."""
    log = Path(run["log"]).read_text(encoding="utf-8", errors="replace")
    tail = log[log.rfind("Sozialraum-Monitor – Build"):] if "Sozialraum-Monitor – Build" in log else log[-3000:]
    check = {"exit_code": run["returncode"], "summary": tail.strip(),
             "published": (out / "published" / "sozialmonitor.duckdb").is_file()}
    warehouse = out / "warehouse.duckdb"
    if warehouse.is_file():
        import duckdb

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            # Gemeinden (on the target Gebietsstand: every one has residents) and those with residents in the
            # latest population year
            row = con.execute("""
                WITH letztes AS (SELECT max(jahr) AS jahr FROM mart.sozialraum_indikatoren
                                 WHERE indikator_id = 'bevoelkerung')
                SELECT count(DISTINCT gebiet_id) FILTER (WHERE gebiet_ebene = 'gemeinde'),
                       count(DISTINCT gebiet_id) FILTER (WHERE gebiet_ebene = 'gemeinde' AND wert > 0
                                                         AND indikator_id = 'bevoelkerung'
                                                         AND jahr = (SELECT jahr FROM letztes)),
                       (SELECT jahr FROM letztes),
                       count(DISTINCT gebiet_id) FILTER (WHERE gebiet_ebene = 'kreis'),
                       min(jahr), max(jahr), count(DISTINCT indikator_id), count(*)
                FROM mart.sozialraum_indikatoren
            """).fetchone()
            check["mart"] = dict(zip(("gemeinden", "gemeinden_mit_einwohnern", "bevoelkerung_jahr", "kreise",
                                      "jahr_min", "jahr_max", "indikatoren", "zeilen"), row, strict=True))
        except duckdb.Error as error:  # the mart was not built
            check["mart"] = f"not built: {str(error).splitlines()[0]}"
        finally:
            con.close()
    else:
        check["mart"] = "no warehouse.duckdb"
    # success = the build exited 0 and built the mart; `published` is reported beside it (a build whose checks
    # all passed but that has no publish step yet also exits 0)
    check["success"] = run["returncode"] == 0 and isinstance(check["mart"], dict)
    return check


def prepare(target: str, work: Path, germany_data: Path) -> tuple[Path, list[str], dict]:
    """The pristine landing folder of a target, the build command (with LANDING/OUT placeholders), setup info."""
    source = work / target / "source"
    if target == "demo":
        setup = run_measured("demo-data", [str(SOZIALMONITOR), "demo-data", "--landing", str(source)], work / target)
        if setup["returncode"] != 0:
            raise SystemExit(f"demo-data failed, see {setup['log']}")
        command = [str(SOZIALMONITOR), "build", "--demo", "--landing", "LANDING", "--out", "OUT"]
        return source, command, {"setup_demo_data": setup}
    missing = [t for t in GERMANY_TABLES if not list(germany_data.glob(f"{t}_*.csv"))]
    if missing:
        raise SystemExit(f"{germany_data}: no file for {', '.join(missing)}")
    (source / "genesis").mkdir(parents=True, exist_ok=True)
    for table in GERMANY_TABLES:
        for path in sorted(germany_data.glob(f"{table}_*.csv")):
            shutil.copyfile(path, source / "genesis" / path.name)
    command = [str(SOZIALMONITOR), "build", "--region", str(GERMANY_REGION), "--landing", "LANDING", "--out", "OUT"]
    return source, command, {}


SIDES = ("baseline", "build", "plain_dbt", "plain_sql", "incremental")


def run_side(name: str, command: list[str], work: Path, what: str, *, reports: bool = True) -> dict:
    """A measured comparison side (no samples); SystemExit when `what` failed; `reports`: add its last log line's JSON."""
    run = run_measured(name, command, work)
    run.pop("samples")
    if run["returncode"] != 0:
        raise SystemExit(f"{what} failed, see {run['log']}")
    if reports:
        run.update(json.loads(Path(run["log"]).read_text().strip().splitlines()[-1]))
    return run


def bench_target(target: str, work: Path, repeat: int, germany_data: Path, sides: tuple[str, ...] = SIDES) -> dict:
    folder = work / target
    folder.mkdir(parents=True, exist_ok=True)
    source, template, info = prepare(target, work, germany_data)
    landing, out = folder / "landing", folder / "out"
    command = [*incremental_month.isolated(folder, folder / "dagster_home"),
               *(str(landing) if a == "LANDING" else str(out) if a == "OUT" else a for a in template)]
    runs: dict[str, list[dict]] = {"build": [], "baseline": [], "plain_sql": [], "plain_dbt": [], "incremental": [],
                                   "incremental_build": []}
    checks = []
    for number in range(repeat):
        for side in [s for s in SIDES if s in sides]:  # alternate; (c) and (d) need the build's warehouse
            fresh_copy(source, landing)
            if side == "build":
                shutil.rmtree(out, ignore_errors=True)
                run = run_measured(f"build_{number}", command, folder)
                run["phases"] = phases(out, run.pop("samples"))
                checks.append(check_build(run, out))
            elif side == "plain_dbt":
                if not (out / "warehouse.duckdb").is_file():
                    continue
                copy = folder / "plain_dbt" / "warehouse.duckdb"  # the file name of the builds' profile
                copy.parent.mkdir(exist_ok=True)
                shutil.copyfile(out / "warehouse.duckdb", copy)
                run = run_side(f"plain_dbt_{number}", plain_dbt_command(copy, folder / "plain_dbt_target"), folder,
                               "plain dbt build", reports=False)
            elif side == "incremental":  # (e) needs the demo's SGB II deliveries and the build's published file
                if target != "demo" or not (out / "published" / "sozialmonitor.duckdb").is_file():
                    continue
                run, build = incremental_month.run(source, folder, number, out, run_measured)
                runs["incremental_build"].append(build)
            elif side == "plain_sql":
                if not (out / "warehouse.duckdb").is_file():
                    continue
                copy = folder / "plain_sql.duckdb"
                shutil.copyfile(out / "warehouse.duckdb", copy)
                manifest = compile_project(copy, folder)
                run = run_side(f"plain_sql_{number}", [sys.executable, __file__, "--plain-sql", str(manifest),
                                                       str(copy)], folder, "plain SQL run")
            else:
                database = folder / "baseline.duckdb"
                database.unlink(missing_ok=True)
                run = run_side(f"baseline_{number}", [sys.executable, __file__, "--baseline", str(landing),
                                                      str(database)], folder, "baseline")
            runs[side].append(run)
    return {"target": target, "command": " ".join(template), "input": folder_stats(source), "runs": runs,
            "checks": checks, **info}


def summarise(result: dict) -> dict:
    med = {}
    for side, runs in result["runs"].items():
        if not runs:
            continue
        med[side] = {"wall_s": statistics.median(r["wall_s"] for r in runs),
                     "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                     "maxrss_mib": max(r["maxrss_mib"] for r in runs),
                     "tree_rss_mib": max(r["tree_rss_mib"] for r in runs)}
    if "baseline" in med:
        med["ratio"] = {k: med["build"][k] / med["baseline"][k] for k in med["build"]}
    if "plain_sql" in med:
        med["ratio_plain_sql"] = {k: med["build"][k] / med["plain_sql"][k] for k in med["build"]}
    return med


def phase_medians(runs: list[dict]) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds and the largest peak tree RSS per phase over the build runs."""
    names = list(dict.fromkeys(name for run in runs for name in run.get("phases") or {}))
    return {name: {"wall_s": statistics.median(r["phases"][name]["wall_s"] for r in runs if name in r.get("phases", {})),
                   "cpu_s": statistics.median(r["phases"][name]["cpu_s"] for r in runs if name in r.get("phases", {})),
                   "tree_rss_mib": max(r["phases"][name]["tree_rss_mib"] for r in runs if name in r.get("phases", {}))}
            for name in names}


def print_table(results: list[dict], repeat: int) -> None:
    print()
    print(f"runs per side: {repeat} (median wall and CPU time, max peak memory); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("max-proc RSS = ru_maxrss of the children (largest single process); tree RSS = summed RSS of the "
          f"process tree, sampled every {SAMPLE_SECONDS} s")
    head = f"{'':34}{'wall s':>9}{'CPU s':>9}{'max-proc RSS MiB':>18}{'tree RSS MiB':>14}  result"
    print(head)
    print("-" * len(head) + "-" * 30)
    for result in results:
        med = summarise(result)
        target = result["target"]
        stats = result["input"]
        print(f"{target}: {stats['files']} files, {stats['mib']:.1f} MiB input "
              f"({stats['csv_files']} CSV {stats['csv_mib']:.1f} MiB"
              + (f"; {stats['not_csv_files']} other {stats['not_csv_mib']:.1f} MiB not in the baseline)"
                 if stats["not_csv_files"] else ")"))
        if "setup_demo_data" in result:
            s = result["setup_demo_data"]
            print(f"{'  setup: sozialmonitor demo-data':34}{s['wall_s']:>9.1f}{s['cpu_s']:>9.1f}"
                  f"{s['maxrss_mib']:>18.0f}{s['tree_rss_mib']:>14.0f}  (not part of the build runs)")
        ok = sum(c["success"] for c in result["checks"])
        mart = result["checks"][-1]["mart"]
        mart_text = (f"{mart['gemeinden']:,} Gemeinden ({mart['gemeinden_mit_einwohnern']:,} with residents "
                     f"{mart['bevoelkerung_jahr']}), {mart['kreise']} Kreise, {mart['jahr_min']}–{mart['jahr_max']}, "
                     f"{mart['indikatoren']} indicators, {mart['zeilen']:,} rows" if isinstance(mart, dict) else mart)
        b = med["build"]
        print(f"{'  (a) sozialmonitor build':34}{b['wall_s']:>9.1f}{b['cpu_s']:>9.1f}{b['maxrss_mib']:>18.0f}"
              f"{b['tree_rss_mib']:>14.0f}  {ok}/{len(result['checks'])} succeeded, published: "
              f"{'yes' if result['checks'][-1]['published'] else 'no'}; mart: {mart_text}")
        per_process = result["runs"]["build"][-1]["sampled_peak_mib_per_process"]
        print("      largest processes (sampled peak MiB): "
              + ", ".join(f"{name} {mib}" for name, mib in list(per_process.items())[:3]))
        if "baseline" in med:
            a, r, rows = med["baseline"], med["ratio"], result["runs"]["baseline"][-1]
            print(f"{'  (b) plain read_csv baseline':34}{a['wall_s']:>9.1f}{a['cpu_s']:>9.1f}{a['maxrss_mib']:>18.0f}"
                  f"{a['tree_rss_mib']:>14.0f}  {rows['files']} tables, {rows['rows']:,} rows (wide VARCHAR)")
            print(f"{'  ratio a / b':34}{r['wall_s']:>8.1f}x{r['cpu_s']:>8.1f}x{r['maxrss_mib']:>17.1f}x"
                  f"{r['tree_rss_mib']:>13.1f}x")
        if "plain_sql" in med:
            c, rc = med["plain_sql"], med["ratio_plain_sql"]
            last = result["runs"]["plain_sql"][-1]
            print(f"{'  (c) compiled dbt SQL, plain DuckDB':34}{c['wall_s']:>9.1f}{c['cpu_s']:>9.1f}"
                  f"{c['maxrss_mib']:>18.0f}{c['tree_rss_mib']:>14.0f}  {last['models']} models in dependency order"
                  + (f" (Python model kept from the build: {', '.join(last['python_models_kept'])})"
                     if last["python_models_kept"] else "") + "; no tests")
            print(f"{'  ratio a / c':34}{rc['wall_s']:>8.1f}x{rc['cpu_s']:>8.1f}x{rc['maxrss_mib']:>17.1f}x"
                  f"{rc['tree_rss_mib']:>13.1f}x")
        if "plain_dbt" in med:
            d = med["plain_dbt"]
            print(f"{'  (d) plain dbt build':34}{d['wall_s']:>9.1f}{d['cpu_s']:>9.1f}{d['maxrss_mib']:>18.0f}"
                  f"{d['tree_rss_mib']:>14.0f}  on a copy of the build's warehouse, fresh target folder")
        if "incremental" in med:
            e, last = med["incremental"], result["runs"]["incremental"][-1]
            print(f"{'  (e) new SGB II month, sensor job':34}{e['wall_s']:>9.1f}{e['cpu_s']:>9.1f}{e['maxrss_mib']:>18.0f}"
                  f"{e['tree_rss_mib']:>14.0f}  {incremental_month.JOB} for {last['month']} "
                  f"({len(last['delivered'])} files) on a build without it; published: "
                  f"{'yes' if last['published'] else 'NO'}, {last['tables_compared'] - len(last['tables_differing'])}"
                  f"/{last['tables_compared']} tables identical to (a)"
                  + (f" (differ: {', '.join(last['tables_differing'])})" if last["tables_differing"] else ""))
            print(f"{'  ratio e / a':34}{e['wall_s'] / b['wall_s']:>8.0%} {e['cpu_s'] / b['cpu_s']:>8.0%}")
            f, last = med["incremental_build"], result["runs"]["incremental_build"][-1]
            print(f"{'  (e) the same, sozialmonitor build':34}{f['wall_s']:>9.1f}{f['cpu_s']:>9.1f}{f['maxrss_mib']:>18.0f}"
                  f"{f['tree_rss_mib']:>14.0f}  {last['scope']}; published: {'yes' if last['published'] else 'NO'}, "
                  f"{last['tables_compared'] - len(last['tables_differing'])}/{last['tables_compared']} tables "
                  "identical to (a)" + (f" (differ: {', '.join(last['tables_differing'])})" if last["tables_differing"] else ""))
            print(f"{'  ratio e (build) / a':34}{f['wall_s'] / b['wall_s']:>8.0%} {f['cpu_s'] / b['cpu_s']:>8.0%}")
        split = phase_medians(result["runs"]["build"])
        if split:
            print("      phases of the build (median wall / CPU s, peak tree RSS MiB; wall from the first step "
                  "start to the last step end):")
            for name, values in split.items():
                line = (f"        {name:10}{values['wall_s']:>7.1f}{values['cpu_s']:>8.1f}{values['tree_rss_mib']:>8.0f}"
                        f"   {values['wall_s'] / b['wall_s']:>4.0%} of the build's wall time")
                if name == "dbt" and "plain_dbt" in med:
                    line += (f"; dbt step / plain dbt build: {values['wall_s'] / med['plain_dbt']['wall_s']:.2f}x wall,"
                             f" {values['cpu_s'] / med['plain_dbt']['cpu_s']:.2f}x CPU")
                print(line)
    for result in results:
        for number, check in enumerate(result["checks"]):
            if not check["success"]:
                print(f"\n{result['target']} build run {number + 1} FAILED (exit code {check['exit_code']}, "
                      f"published: {check['published']}, mart: {check['mart']}); summary:")
                print("\n".join("    " + line for line in check["summary"].splitlines()[:24]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("demo", "germany"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per side and target (default 1)")
    parser.add_argument("--germany-data", type=Path, default=GERMANY_DATA)
    parser.add_argument("--workdir", type=Path, help="keep landing/out/logs here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    parser.add_argument("--sides", default=",".join(SIDES),
                        help="comma-separated subset of the sides to run, always with build (default: all: %(default)s)")
    # internal: the wrapper and the baseline process
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", nargs=2, type=Path, metavar=("LANDING", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--plain-sql", nargs=2, type=Path, metavar=("MANIFEST", "DB"), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.measure:
        command = rest[1:] if rest[:1] == ["--"] else rest
        return measure(args.measure, args.log, command)
    if args.baseline:
        return baseline(*args.baseline)
    if args.plain_sql:
        return plain_sql(*args.plain_sql)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")

    targets = [args.only] if args.only else ["demo", "germany"]
    tmp = None
    if args.workdir:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="build_bench_")
        work = Path(tmp.name)
    try:
        results = []
        for target in targets:
            print(f"[{time.strftime('%H:%M:%S')}] {target}: {args.repeat} build run(s) + {args.repeat} baseline "
                  f"run(s) in {work / target}", flush=True)
            sides = tuple(dict.fromkeys(["build", *args.sides.split(",")]))
            results.append(bench_target(target, work, args.repeat, args.germany_data.resolve(), sides))
        print_table(results, args.repeat)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps([{**r, "median": summarise(r)} for r in results], indent=2, default=str))
    finally:
        if tmp is not None:
            tmp.cleanup()
    if not all(c["success"] for r in results for c in r["checks"]):
        sys.exit(1)
    if not all(run["success"] for r in results for side in ("incremental", "incremental_build")
               for run in r["runs"][side]):
        sys.exit("the incremental month did not publish the same tables as the full build (see above)")


if __name__ == "__main__":
    main()
