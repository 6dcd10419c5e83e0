"""Benchmark: ingest of large Jugendamt exports (`load_jugendhilfe`) against a plain DuckDB read_csv.

    .venv/bin/python benchmarks/jugendhilfe_scale.py                    # full scale: ≥ 5 million records
    .venv/bin/python benchmarks/jugendhilfe_scale.py --records 1000000  # a smaller run
    .venv/bin/python benchmarks/jugendhilfe_scale.py --landing DIR      # reuse an already generated landing

The exports come from the demo generator's scale mode (`generate_demo_deliveries(scale=N)`, ≈ 71,000
youth-welfare records per Kreis and 10 years; N is chosen to reach `--records`). Every phase runs in its own
process (fresh DuckDB file on disk, peak RSS of that process):

- `baseline`: `CREATE TABLE … AS SELECT * FROM read_csv(<file>)` per export file (auto-detected dialect,
  all columns incl. names) — what a plain load costs;
- `hmac`: the HMAC-SHA-256 pseudonymisation in SQL alone over all fall_ids (read_csv + hash);
- `precheck`: SHA-256 of every file + the encoding/control-byte check (Python, 8 MB chunks);
- `ingest`: `load_jugendhilfe` end to end (pre-check, projection without names, pseudonyms, typing,
  row checks, duplicate checks, inserts, deliveries table), all new files read and checked together and
  written in one transaction.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS_PER_KREIS = 71_000  # measured: scale=1 writes 71,286 records for 2015–2024
BENCH_KEY = "benchmark-key-0123456789abcdef"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _region_of(landing: Path) -> Path:
    """The region profile of a generated landing folder: a scale run writes its own (`_region/`), scale 1 is the
    bundled region."""
    from orchestration.settings import DEFAULT_REGION

    return landing / "_region" if (landing / "_region" / "region.yml").is_file() else DEFAULT_REGION


def _files(landing: Path) -> list[Path]:
    return sorted((landing / "jugendhilfe").glob("*.csv"))


def phase_baseline(landing: Path, db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db))
    rows = 0
    start = time.perf_counter()
    for i, f in enumerate(_files(landing)):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, delim=';', header=true, skip=1, all_varchar=true)",
                    [str(f)])
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def phase_hmac(landing: Path, db: Path) -> dict:
    import duckdb

    from orchestration.ingest.pseudonym import PseudonymKey, hmac_sql

    con = duckdb.connect(str(db))
    key = PseudonymKey(BENCH_KEY.encode(), "benchmark")
    files = [str(f) for f in _files(landing)]
    src = "read_csv($files, delim=';', header=true, skip=1, all_varchar=true, union_by_name=true)"
    start = time.perf_counter()
    plain_rows, = con.execute(f"SELECT count(DISTINCT fall_id) FROM {src}", {"files": files}).fetchone()
    plain = time.perf_counter() - start
    start = time.perf_counter()
    rows, distinct = con.execute(f"SELECT count(*), count(DISTINCT {hmac_sql('fall_id')}) FROM {src}",
                                 {"files": files, **key.sql_params()}).fetchone()
    seconds = time.perf_counter() - start
    assert distinct == plain_rows
    return {"seconds": seconds, "rows": rows, "read_and_count_distinct_seconds": plain}


def phase_precheck(landing: Path, db: Path) -> dict:
    from orchestration.ingest._confidential import check_encoding
    from orchestration.ingest.delivery import sha256_of

    start = time.perf_counter()
    size = 0
    for f in _files(landing):
        sha256_of(f)
        check_encoding(f)
        size += f.stat().st_size
    return {"seconds": time.perf_counter() - start, "rows": 0, "bytes": size}


def phase_ingest(landing: Path, db: Path) -> dict:
    import duckdb

    from orchestration.ingest.families import REGION
    from orchestration.ingest.jugendhilfe import load_jugendhilfe
    from orchestration.ingest.pseudonym import KeySource
    from orchestration.ingest.region import Region
    from orchestration.ingest.runner import Options
    from orchestration.settings import Paths

    work = db.parent / "landing"  # a copy: quarantine would move bad files out of the generated folder
    if work.exists():
        shutil.rmtree(work)
    (work / "jugendhilfe").mkdir(parents=True)
    for f in _files(landing):
        try:
            os.link(f, work / "jugendhilfe" / f.name)  # same content, no copy
        except OSError:
            shutil.copy(f, work / "jugendhilfe" / f.name)
    con = duckdb.connect(str(db))
    # the region profile the scale run wrote (its Kreise, Gemeinden and the bundled region's Ortsteile), loaded
    # as the build's step raw_region does: the exports' Ortsteil keys are checked against it (not timed)
    region_dir = _region_of(landing)
    region = Region.load(region_dir)
    REGION.load(con, region)
    start = time.perf_counter()
    result = load_jugendhilfe(con, Paths(region=region_dir, landing=work, out=db.parent), region,
                              options=Options(key=KeySource(secret=BENCH_KEY)))
    seconds = time.perf_counter() - start
    con.close()
    if result.failed:
        raise SystemExit(result.failure_message())
    rows = sum(v for k, v in result.rows.items() if not k.endswith("__rejects"))
    return {"seconds": seconds, "rows": rows + result.rejected, "loaded_rows": rows, "rejected": result.rejected,
            "files": len(result.loaded)}


PHASES = {"baseline": phase_baseline, "hmac": phase_hmac, "precheck": phase_precheck, "ingest": phase_ingest}


def run_phase(name: str, landing: Path, workdir: Path) -> dict:
    """Run one phase in a fresh process; returns its measurements."""
    folder = workdir / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--landing", str(landing), "--workdir", str(folder)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    db = folder / "bench.duckdb"
    result["db_mb"] = db.stat().st_size / 2**20 if db.exists() else 0
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5_000_000, help="youth-welfare records to generate (≈)")
    parser.add_argument("--scale", type=int, help="generator scale (Kreise); overrides --records")
    parser.add_argument("--landing", type=Path, help="use this landing folder (generated earlier) instead")
    parser.add_argument("--workdir", type=Path, help="folder for generated data and databases (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated landing folder")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # child process
        result = PHASES[args.phase](args.landing, args.workdir / "bench.duckdb")
        result["peak_rss_mb"] = _peak_mb()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # incl. interpreter start and imports
        print(json.dumps(result))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jh_bench_", dir=os.environ.get("TMPDIR")))
    workdir.mkdir(parents=True, exist_ok=True)
    landing = args.landing
    generated = None
    if landing is None:
        from orchestration.demo import generate_demo_deliveries

        scale = args.scale or max(1, math.ceil(args.records / RECORDS_PER_KREIS))
        landing = workdir / "landing"
        print(f"generating demo deliveries, scale={scale} …", flush=True)
        start = time.perf_counter()
        generated = generate_demo_deliveries(landing, scale=scale, progress=False)
        print(f"  {generated['datensaetze']['jugendhilfe']:,} youth-welfare records in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    files = _files(landing)
    size = sum(f.stat().st_size for f in files)
    print(f"input: {len(files)} files, {size / 2**20:,.0f} MiB in {landing / 'jugendhilfe'}")
    print(f"machine: {os.cpu_count()} cores, DuckDB threads default, load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name in ("baseline", "hmac", "precheck", "ingest"):
        results[name] = r = run_phase(name, landing, workdir)
        rate = f"{r['rows'] / r['seconds']:>12,.0f} rows/s" if r["rows"] else f"{r['bytes'] / 2**20 / r['seconds']:>9,.0f} MiB/s"
        print(f"{name:<9} {r['seconds']:>8.2f} s wall  {r['cpu_seconds']:>7.2f} s CPU  {rate}  "
              f"peak RSS {r['peak_rss_mb']:>7,.0f} MiB"
              + (f"  db {r['db_mb']:,.0f} MiB" if r["db_mb"] else ""), flush=True)
    base, ing = results["baseline"], results["ingest"]
    assert base["rows"] == ing["rows"], (base["rows"], ing["rows"])
    print(f"records {ing['rows']:,} (loaded {ing['loaded_rows']:,}, rejected {ing['rejected']:,}); "
          f"ingest / baseline wall time = {ing['seconds'] / base['seconds']:.2f}×; "
          f"HMAC alone {results['hmac']['seconds']:.2f} s (plain read+count distinct "
          f"{results['hmac']['read_and_count_distinct_seconds']:.2f} s)")
    if generated is not None and not args.keep:
        shutil.rmtree(landing, ignore_errors=True)
    if args.workdir is None and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
