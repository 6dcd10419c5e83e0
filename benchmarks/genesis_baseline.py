"""GENESIS ingest vs. a plain DuckDB read_csv of the same files: wall time and peak memory.

    .venv/bin/python benchmarks/genesis_baseline.py [--data DIR] [--repeat N]

(a) `load_genesis` with the all-Germany profile (benchmarks/regions/deutschland, `ags: ""`) into a fresh
    DuckDB file: header analysis, unpivot to long format, markers, region levels, lineage.
(b) baseline: `CREATE TABLE ... AS SELECT * FROM read_csv(...)` of the same files (all VARCHAR, wide, no
    interpretation) into a fresh DuckDB file.
Each run is its own child process; its peak memory is the child's `ru_maxrss` (os.wait4). The data default
is ../shared/data/genesis/germany (the five unfiltered full-Germany tables).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "genesis" / "germany"
REGION = REPO_ROOT / "benchmarks" / "regions" / "deutschland"


def child_loader(landing: Path, database: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    import duckdb

    from orchestration.ingest.genesis import load_genesis
    from orchestration.ingest.region import Region
    from orchestration.settings import Paths

    region = Region.load(REGION)
    paths = Paths(region=region.path, landing=landing, out=database.parent)
    con = duckdb.connect(str(database))
    result = load_genesis(con, paths, region)
    con.close()
    if result.quarantined:
        raise SystemExit(result.failure_message())
    print(result.rows["raw.genesis__werte"], len(result.loaded))


def child_baseline(landing: Path, database: Path) -> None:
    import duckdb

    con = duckdb.connect(str(database))
    rows = 0
    files = sorted((landing / "genesis").glob("*.csv"))
    for number, path in enumerate(files):
        con.execute(f"""
            CREATE TABLE t{number} AS SELECT * FROM read_csv('{path}', delim=';', quote='"', escape='"',
                header=false, all_varchar=true, null_padding=true, ignore_errors=true, auto_detect=true)
        """)
        rows += con.execute(f"SELECT count(*) FROM t{number}").fetchone()[0]
    con.close()
    print(rows, len(files))


def run_child(mode: str, landing: Path, workdir: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, child's stdout) of one child process on a fresh database."""
    database = workdir / f"{mode}.duckdb"
    for leftover in workdir.glob(f"{mode}.duckdb*"):
        leftover.unlink()
    out = workdir / f"{mode}.out"
    with open(out, "w") as handle:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", mode, "--landing", str(landing),
                                 "--database", str(database)], stdout=handle)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} child failed ({proc.returncode}): {out.read_text()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read_text().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("loader", "baseline"))
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--database", type=Path)
    args = parser.parse_args()
    if args.child == "loader":
        return child_loader(args.landing, args.database)
    if args.child == "baseline":
        return child_baseline(args.landing, args.database)

    files = sorted(args.data.glob("*.csv"))
    if not files:
        raise SystemExit(f"no GENESIS CSV files in {args.data}")
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"{len(files)} files, {size:.1f} MiB: {', '.join(f.name for f in files)}")
    with tempfile.TemporaryDirectory(prefix="genesis_bench_") as tmp:
        work = Path(tmp)
        landing = work / "landing"
        (landing / "genesis").mkdir(parents=True)
        for source in files:
            shutil.copyfile(source, landing / "genesis" / source.name)
        runs: dict[str, list[tuple[float, float, float]]] = {"loader": [], "baseline": []}
        outputs = {}
        for _ in range(args.repeat):  # alternate, so that machine load hits both alike
            for mode in ("baseline", "loader"):
                wall, cpu, rss, output = run_child(mode, landing, work)
                runs[mode].append((wall, cpu, rss))
                outputs[mode] = output
    rows = {mode: int(out.split()[0]) for mode, out in outputs.items()}
    med = {mode: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), max(r[2] for r in v))
           for mode, v in runs.items()}
    a, b = med["loader"], med["baseline"]
    print(f"runs per side: {args.repeat} (median wall and CPU time, max peak RSS); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: on a busy machine CPU time is the steadier figure")
    print(f"{'':30}{'wall s':>9}{'CPU s':>9}{'peak RSS MiB':>14}{'rows':>12}")
    label_a = '(a) load_genesis, ags ""'
    print(f"{label_a:30}{a[0]:>9.2f}{a[1]:>9.2f}{a[2]:>14.0f}{rows['loader']:>12,}  long")
    print(f"{'(b) plain read_csv':30}{b[0]:>9.2f}{b[1]:>9.2f}{b[2]:>14.0f}{rows['baseline']:>12,}  wide VARCHAR")
    print(f"{'ratio a / b':30}{a[0] / b[0]:>8.1f}x{a[1] / b[1]:>8.1f}x{a[2] / b[2]:>13.1f}x")
    print("all runs (wall s, CPU s, RSS MiB):",
          {m: [(round(w, 2), round(c, 2), round(r)) for w, c, r in v] for m, v in runs.items()})


if __name__ == "__main__":
    main()
