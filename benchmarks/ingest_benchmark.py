"""The ingest step `raw_lieferungen` alone, as the build runs it, on a copy of a landing folder.

    .venv/bin/python benchmarks/ingest_benchmark.py --landing DIR [--region DIR] [--repeat N] [--workdir DIR]
                                                    [--profile DIR]

Each run is a child process on a fresh copy of the landing folder and a fresh working database: the
region profile is loaded first (the step `raw_region`, not timed), then every delivery family loads the
way the step does (orchestration/ingest/assets.py: one write connection, DuckDB on one thread, the
families in threads of orchestration/ingest/parallel.py, each audited by its GX raw suites). Reported per
run: wall and CPU seconds of the whole step (CPU of the process, all threads, plus its GX process:
`resource.getrusage`), and per family its wall and CPU seconds (CPU of its thread: loading and reading the audits'
datasets, not the GX validation in the GX process) and its rows. `--profile DIR` writes a cProfile file
per family (`DIR/<family>.prof`, the family's thread only). `--workdir DIR` keeps the working database of
the last run (`DIR/out/warehouse.duckdb`).

The demo landing folder comes from `sozialmonitor demo-data --landing DIR`. The pseudonymisation key
(Jugendhilfe) is a fixed file in the work folder, so two runs on the same landing produce the same rows.
`--region DIR` loads another region profile, e.g. Germany (a folder with `region.yml` `ags: ""`) with the five
full-Germany GENESIS tables of `../shared/data/genesis/germany/` in `LANDING/genesis/`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY = b"ingest-benchmark-fixed-pseudonym-key-0123456789abcdef"


def child(landing: Path, workdir: Path, profile: Path | None, region_dir: Path | None) -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    import cProfile
    import uuid

    from orchestration.ingest import lieferstatus
    from orchestration.ingest.assets import _load, landing_bytes
    from orchestration.ingest.families import DELIVERIES, REGION
    from orchestration.ingest.parallel import load_families
    from orchestration.ingest.region import Region
    from orchestration.ingest.runner import one_thread
    from orchestration.quality.checks import family_checks
    from orchestration.settings import DEFAULT_REGION, Settings
    from orchestration.warehouse import write_connection

    key = workdir / "pseudonym.key"
    key.write_bytes(KEY)
    key.chmod(0o600)
    settings = Settings(region=str(region_dir or DEFAULT_REGION), landing=str(landing), out=str(workdir / "out"), demo=True,
                        pseudonym_key_file=str(key), gx_docs="off", gx_home=str(workdir / "gx"))
    paths = settings.paths
    paths.out.mkdir(parents=True, exist_ok=True)
    with write_connection(paths.warehouse) as con:
        lieferstatus.ensure_table(con)
        REGION.load(con, Region.load(paths.region))
    import dagster as dg

    checks = {f.name: family_checks(f.name, [dg.AssetKey(["raw", t]) for t in f.tables]) for f in DELIVERIES}

    def work(con, family, checked_against_loaded):
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        try:
            return _load(con, family, checks[family.name], settings, region, run_id, checked_against_loaded)
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(profile / f"{family.name}.prof"))

    start, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    from orchestration.quality import runner

    runner.start_gx()  # as the step does: GX imports in its own process
    region = Region.load(paths.region)
    run_id = str(uuid.uuid4())
    families = {}
    with write_connection(paths.warehouse) as con, one_thread(con) as threads:  # as the step does
        for outcome in load_families(con, DELIVERIES, work, size=lambda family: landing_bytes(paths.landing, family),
                                     threads_alone=threads):
            if outcome.error is not None or outcome.skipped is not None:
                raise SystemExit(f"{outcome.family}: {outcome.error or 'skipped'}")
            result, suites = outcome.value
            if result.quarantined or any(not s.passed for s in suites):
                raise SystemExit(f"{outcome.family}: refused {result.quarantined} / failed suites")
            families[outcome.family] = {"wall": outcome.seconds, "cpu": outcome.cpu,
                                        "rows": sum(result.rows.values()), "files": len(result.loaded)}
    end, after = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    runner.gx_process().stop()  # ended and waited for: its CPU counts among this process's children
    gx = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime) + gx.ru_utime + gx.ru_stime
    return {"wall": end - start, "cpu": cpu, "families": families}


def run(landing: Path, workdir: Path, profile: Path | None, region: Path | None) -> dict:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    shutil.copytree(landing, workdir / "landing")
    command = [sys.executable, __file__, "--child", "--landing", str(workdir / "landing"), "--workdir", str(workdir)]
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
        command += ["--profile", str(profile)]
    if region:
        command += ["--region", str(region)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--region", type=Path, help="region profile folder (default: the bundled demo Kreis)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.landing.resolve(), args.workdir.resolve(),
                               args.profile.resolve() if args.profile else None,
                               args.region.resolve() if args.region else None)))
        return
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))).resolve()
    region = args.region.resolve() if args.region else None
    runs = [run(args.landing.resolve(), workdir, args.profile, region) for _ in range(args.repeat)]
    print(f"load average {os.getloadavg()[0]:.1f}; {len(runs)} run(s), medians")
    print(f"{'family':<16}{'wall s':>8}{'CPU s':>8}{'rows':>10}{'files':>7}")
    for family in runs[0]["families"]:
        values = [r["families"][family] for r in runs]
        print(f"{family:<16}{statistics.median(v['wall'] for v in values):>8.2f}"
              f"{statistics.median(v['cpu'] for v in values):>8.2f}{values[0]['rows']:>10}{values[0]['files']:>7}")
    print(f"{'whole step':<16}{statistics.median(r['wall'] for r in runs):>8.2f}"
          f"{statistics.median(r['cpu'] for r in runs):>8.2f}")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
