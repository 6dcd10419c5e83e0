"""p50/p95 of every Superset chart's data request (POST /api/v1/chart/data, cache bypassed).

Each chart is requested as its dashboard requests it when it opens: the stored query context plus the defaults of
the dashboard's native filters whose scope holds the chart (Indikator: the stored default; Jahr: the first value,
i.e. the latest year of that indicator, queried like the filter component does). A chart on two dashboards is
measured on each. `--stored-only` sends the stored query context alone (all areas, all years).

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


def _first_value(client: SupersetClient, f: dict, parent_filters: list[dict]) -> list | None:
    """What a select filter with "select first filter value by default" selects on load: the first value of its
    column in its sort order, among the rows its own pre-filter and its parents' values leave (the query the
    filter component sends)."""
    target = f["targets"][0]
    column = target["column"]["name"]
    prefilter = [{"col": a["subject"], "op": a["operator"], "val": a.get("comparator")}
                 for a in f.get("adhoc_filters") or []]
    query = {"columns": [column], "metrics": [], "filters": prefilter + parent_filters,
             "orderby": [[column, bool(f["controlValues"].get("sortAscending", True))]], "row_limit": 1}
    body = {"datasource": {"id": target["datasetId"], "type": "table"}, "queries": [query],
            "result_format": "json", "result_type": "full", "force": False}
    r = client.post("/api/v1/chart/data", json=body)
    if r.status_code != 200:
        raise RuntimeError(f"default of filter {f['name']}: {r.status_code} {r.text[:300]}")
    data = r.json()["result"][0]["data"]
    return [data[0][column]] if data else None


def dashboard_filters(client: SupersetClient) -> dict[int, list[tuple[str, list[dict]]]]:
    """chart id -> [(dashboard title, the native filter values the dashboard applies to it when it opens)]: the
    filters' defaults (a stored value, or the first value of the column where the filter selects it), for every
    chart in a filter's scope, as the dashboard's frontend adds them to the chart's query."""
    out: dict[int, list[tuple[str, list[dict]]]] = {}
    for dash in client.list_all("dashboard", ["id", "dashboard_title"]):
        r = client.get(f"/api/v1/dashboard/{dash['id']}")
        if r.status_code != 200:
            raise RuntimeError(f"dashboard {dash['id']}: {r.status_code} {r.text[:300]}")
        res = r.json()["result"]
        meta = json.loads(res.get("json_metadata") or "{}")
        position = json.loads(res.get("position_json") or "{}")
        chart_ids = [v["meta"]["chartId"] for v in position.values()
                     if isinstance(v, dict) and v.get("type") == "CHART"]
        pending = [f for f in meta.get("native_filter_configuration", []) if f.get("type") == "NATIVE_FILTER"]
        values: dict[str, list[dict]] = {}  # filter id -> its extraFormData filters ([] without a value)
        while pending:  # parents (cascadeParentIds) first
            ready = [f for f in pending if all(p in values for p in f.get("cascadeParentIds") or [])]
            if not ready:
                raise RuntimeError(f"dashboard {dash['dashboard_title']}: cyclic filter cascade")
            for f in ready:
                pending.remove(f)
                mask = f.get("defaultDataMask") or {}
                stored = (mask.get("extraFormData") or {}).get("filters") or []
                if stored:
                    values[f["id"]] = stored
                elif f.get("controlValues", {}).get("defaultToFirstItem"):
                    parents = [x for p in f.get("cascadeParentIds") or [] for x in values[p]]
                    first = _first_value(client, f, parents)
                    col = f["targets"][0]["column"]["name"]
                    values[f["id"]] = [{"col": col, "op": "IN", "val": first}] if first else []
                else:
                    values[f["id"]] = []
        filters = {f["id"]: f for f in meta.get("native_filter_configuration", [])}
        for cid in chart_ids:
            extra = [x for fid, vals in values.items() if cid not in filters[fid]["scope"].get("excluded", [])
                     for x in vals]
            out.setdefault(cid, []).append((dash["dashboard_title"], extra))
    return out


def with_filters(qc: dict, extra: list[dict]) -> dict:
    qc = json.loads(json.dumps(qc))
    for q in qc["queries"]:
        q["filters"] = list(q.get("filters") or []) + extra
    return qc


def run(client: SupersetClient, repeat: int, warmup: int, dashboard_defaults: bool = True) -> list[dict]:
    results = []
    contexts = dashboard_filters(client) if dashboard_defaults else {}
    for chart in sorted(client.charts(), key=lambda c: c["slice_name"]):
        stored = client.query_context(chart["id"])
        for dashboard, extra in contexts.get(chart["id"], [(None, [])]):
            results.append(_measure(client, chart, with_filters(stored, extra), repeat, warmup, dashboard, extra))
    return results


def _measure(client: SupersetClient, chart: dict, qc: dict, repeat: int, warmup: int, dashboard: str | None,
             extra: list[dict]) -> dict:
    for _ in range(warmup):
        client.run_chart(chart, qc)
    times, rows, errors = [], 0, set()
    for _ in range(repeat):
        res = client.run_chart(chart, qc)
        times.append(res.seconds * 1000)
        rows = res.rows
        if res.error or res.status != 200:
            errors.add(f"{res.status} {res.error}")
    return {"chart": chart["slice_name"], "viz_type": chart["viz_type"], "rows": rows,
            "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1), "n": repeat, "errors": sorted(errors), "dashboard": dashboard,
            "filters": extra}


def _label(r: dict, results: list[dict]) -> str:
    same = sum(1 for x in results if x["chart"] == r["chart"] and x["viz_type"] == r["viz_type"])
    return f"{r['chart']} [{r['dashboard']}]" if same > 1 and r.get("dashboard") else r["chart"]


def report(results: list[dict]) -> str:
    width = max(len(_label(r, results)) for r in results)
    lines = [f"{'Chart':<{width}}  {'viz_type':<24} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for r in results:
        flag = "  FEHLER: " + "; ".join(r["errors"]) if r["errors"] else ""
        lines.append(f"{_label(r, results):<{width}}  {r['viz_type']:<24} {r['rows']:>6} {r['p50_ms']:>8.1f} "
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
    ap.add_argument("--stored-only", action="store_true",
                    help="each chart's stored query context alone, without the defaults of its dashboard's native "
                         "filters (what this benchmark measured before 2026-12-05)")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    tmp = None
    manage = ["bash", str(REPO_ROOT / "superset" / "manage.sh")]
    if args.start:
        tmp = tempfile.mkdtemp(prefix="superset-bench-")
        port = _free_port()
        # one password for the demo users of this throw-away instance: hashed once, not once per Gemeinde
        env.update({"SOZIALMONITOR_SUPERSET_HOME": f"{tmp}/home", "SOZIALMONITOR_SECRETS": f"{tmp}/secrets",
                    "SUPERSET_PORT": str(port), "SOZIALMONITOR_DEMO_PASSWORD": secrets.token_urlsafe(12),
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
        results = run(client, args.repeat, args.warmup, not args.stored_only)
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
