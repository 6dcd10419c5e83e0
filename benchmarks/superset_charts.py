"""p50/p95 of every Superset chart's data request (POST /api/v1/chart/data, cache bypassed).

Against a running instance (`make up` / `bash superset/manage.sh up`):

    .venv/bin/python benchmarks/superset_charts.py                     # localhost:8088, admin
    .venv/bin/python benchmarks/superset_charts.py --repeat 20 --json var/artifacts/superset_charts.json

Or it starts its own instance on a free port, with fresh metadata in a temporary folder, on the
published file of SOZIALMONITOR_OUT (default var/out), and stops it afterwards:

    .venv/bin/python benchmarks/superset_charts.py --start

The admin password comes from --password, SUPERSET_ADMIN_PASSWORD or the secrets folder
(SOZIALMONITOR_SECRETS, default var/secrets/superset_admin_password).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "superset"))

from client import SupersetClient  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def run(client: SupersetClient, repeat: int, warmup: int) -> list[dict]:
    results = []
    for chart in sorted(client.charts(), key=lambda c: c["slice_name"]):
        qc = client.query_context(chart["id"])
        for _ in range(warmup):
            client.run_chart(chart, qc)
        times, rows, errors = [], 0, set()
        for _ in range(repeat):
            res = client.run_chart(chart, qc)
            times.append(res.seconds * 1000)
            rows = res.rows
            if res.error or res.status != 200:
                errors.add(f"{res.status} {res.error}")
        results.append({"chart": chart["slice_name"], "viz_type": chart["viz_type"], "rows": rows,
                        "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1),
                        "max_ms": round(max(times), 1), "n": repeat, "errors": sorted(errors)})
    return results


def report(results: list[dict]) -> str:
    width = max(len(r["chart"]) for r in results)
    lines = [f"{'Chart':<{width}}  {'viz_type':<24} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for r in results:
        flag = "  FEHLER: " + "; ".join(r["errors"]) if r["errors"] else ""
        lines.append(f"{r['chart']:<{width}}  {r['viz_type']:<24} {r['rows']:>6} {r['p50_ms']:>8.1f} "
                     f"{r['p95_ms']:>8.1f} {r['max_ms']:>8.1f}{flag}")
    p50s = [r["p50_ms"] for r in results]
    p95s = [r["p95_ms"] for r in results]
    lines.append(f"{len(results)} Charts · Median der p50: {statistics.median(p50s):.1f} ms · "
                 f"höchstes p95: {max(p95s):.1f} ms")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('SUPERSET_PORT', '8088')}")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--start", action="store_true", help="start (and stop) an own Superset instance")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    tmp = None
    manage = ["bash", str(REPO_ROOT / "superset" / "manage.sh")]
    if args.start:
        tmp = tempfile.mkdtemp(prefix="superset-bench-")
        port = _free_port()
        env.update({"SOZIALMONITOR_SUPERSET_HOME": f"{tmp}/home", "SOZIALMONITOR_SECRETS": f"{tmp}/secrets",
                    "SUPERSET_PORT": str(port),
                    "SUPERSET_ADMIN_PASSWORD": args.password or secrets.token_urlsafe(12)})
        args.url, args.password = f"http://127.0.0.1:{port}", env["SUPERSET_ADMIN_PASSWORD"]
        t0 = time.perf_counter()
        subprocess.run(manage + ["up"], env=env, check=True)
        print(f"Superset gestartet in {time.perf_counter() - t0:.1f} s")
    try:
        password = args.password or os.environ.get("SUPERSET_ADMIN_PASSWORD")
        if not password:
            secrets_dir = Path(os.environ.get("SOZIALMONITOR_SECRETS") or REPO_ROOT / "var" / "secrets")
            password = (secrets_dir / "superset_admin_password").read_text().strip()
        client = SupersetClient(args.url, args.user, password)
        results = run(client, args.repeat, args.warmup)
        print(report(results))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
        return 1 if any(r["errors"] for r in results) else 0
    finally:
        if args.start:
            subprocess.run(manage + ["down"], env=env, check=False)
            shutil.rmtree(tmp, ignore_errors=True)  # metadata and generated passwords of this run


if __name__ == "__main__":
    sys.exit(main())
