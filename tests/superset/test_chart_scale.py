"""Charts stay bounded on a mart of all of Germany (10,797 Sozialräume, 401 Kreise), and the chart benchmark
requests them as the dashboards do (benchmarks/superset_charts.py, benchmarks/README.md "superset_charts.py").

- A chart whose metrics are catalogue indicators (`MAX(CASE WHEN indikator_id = … THEN wert END)`) reads only
  those indicators' rows: Germany-wide, "Wanderung nach Lebensphasen" otherwise returned 11 MB of empty series.
- A time series with a line per area has Superset's series limit; the pivot table of the Sozialräume a row
  limit of 1,000 (a Kreis has a few dozen Sozialräume, so the demo dashboards show the same).
"""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
import yaml
from superset_support import REPO_ROOT
from superset_support import published_rows as _published

pytestmark = [pytest.mark.superset, pytest.mark.timeout(1800)]

ASSETS = REPO_ROOT / "superset" / "assets"
SERIES_LIMIT = 100


def _charts() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ASSETS / "charts").glob("*.yaml"))]


def _indicator_ids() -> set[str]:
    import csv

    with (REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv").open(encoding="utf-8", newline="") as fh:
        return {r["indikator_id"] for r in csv.DictReader(fh)}


def _metrics(params: dict) -> list[str]:
    return list(params.get("metrics") or ([params["metric"]] if params.get("metric") else []))


def test_indicator_charts_read_only_their_indicators():
    ids = _indicator_ids()
    checked = []
    for chart in _charts():
        params, metrics = chart["params"], _metrics(chart["params"])
        if chart["viz_type"] not in ("echarts_timeseries_line", "pivot_table_v2") or not metrics \
                or not set(metrics) <= ids:
            continue
        want = {"col": "indikator_id", "op": "IN", "val": metrics}
        adhoc = [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]} for f in params["adhoc_filters"]]
        assert want in adhoc, chart["slice_name"]
        for query in json.loads(chart["query_context"])["queries"]:
            assert want in query["filters"], chart["slice_name"]
        checked.append(chart["slice_name"])
    assert "Wanderung nach Lebensphasen: Sozialräume und Kreis" in checked
    assert "Durchschnittsalter: Sozialräume, Kreis, Land und Bund" in checked
    assert sum(1 for c in checked if "Sozialräume und Kreis" in c) >= 4  # the pivot tables of the themes


def test_area_time_series_and_pivot_tables_are_bounded():
    series, pivots = [], []
    for chart in _charts():
        params = chart["params"]
        queries = json.loads(chart["query_context"])["queries"]
        if chart["viz_type"] == "echarts_timeseries_line" and params.get("groupby"):
            assert params.get("limit") == SERIES_LIMIT, chart["slice_name"]
            assert params.get("timeseries_limit_metric") == params["metrics"][0], chart["slice_name"]
            assert all(q.get("series_limit") == SERIES_LIMIT for q in queries), chart["slice_name"]
            series.append(chart["slice_name"])
        if chart["viz_type"] == "pivot_table_v2" and params.get("groupbyRows") == ["gebiet_name"]:
            assert params["row_limit"] <= 1000 and all(q["row_limit"] <= 1000 for q in queries), chart["slice_name"]
            pivots.append(chart["slice_name"])
    assert "Bevölkerung je Sozialraum" in series and "Zeitreihe: Sozialräume und Kreis, Land und Bund" in series
    assert len(pivots) >= 6, pivots


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("superset_charts_bench", REPO_ROOT / "benchmarks" / "superset_charts.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_sends_the_dashboard_defaults(superset_server, bench):
    """Each chart is measured with the native filter values its dashboard applies when it opens: Indikator = the
    dashboard's default, Jahr = the latest year of that indicator; charts outside a filter's scope get none."""
    admin = superset_server.client("admin")
    contexts = bench.dashboard_filters(admin)
    by_name = {c["slice_name"]: c["id"] for c in admin.charts()}
    name, latest = _published(superset_server, """
        select i.indikator, max(i.jahr) from mart.rpt_indikatorwerte i
        where i.indikator_id = 'anteil_65_plus' group by i.indikator""")[0]
    [(dashboard, extra)] = contexts[by_name["Demografie: Gemeinden im Vergleich"]]
    assert dashboard == "Demografie"
    assert {"col": "indikator", "op": "IN", "val": [name]} in extra
    assert {"col": "jahr", "op": "IN", "val": [latest]} in extra
    # the time series of Wanderung is outside the Jahr and Indikator filters
    [(_, extra)] = contexts[by_name["Wanderung nach Lebensphasen: Sozialräume und Kreis"]]
    assert extra == []
    # and the request with these filters returns the year's values only
    chart = next(c for c in admin.charts() if c["slice_name"] == "Demografie: Gemeinden im Vergleich")
    qc = bench.with_filters(admin.query_context(chart["id"]), contexts[chart["id"]][0][1])
    r, _ = admin.chart_data(qc)
    assert r.status_code == 200, r.text
    n = _published(superset_server, f"""
        select count(distinct gebiet_name) from mart.rpt_indikatorwerte
        where gebiet_ebene = 'gemeinde' and indikator_id = 'anteil_65_plus' and jahr = {int(latest)}""")[0][0]
    assert len(r.json()["result"][0]["data"]) == n > 0
