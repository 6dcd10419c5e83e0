"""Measures on the timeline (superset/bundle_massnahmen.py) on a real Superset server: after provisioning, every
time series (logged-in dashboards and the public one) carries the annotation layer "Maßnahmen" that names the
imported measures table chart by id, and its chart-data response brings the demo measures of mart.rpt_massnahmen as
annotation data (for the admin, a Gemeinde role and the anonymous visitor: test_superset_public.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from superset_support import published_rows as _published

pytestmark = [pytest.mark.superset, pytest.mark.timeout(1800)]

LAYER = "Maßnahmen"
SOURCE = "Maßnahmen (aktuelle Maßnahmenliste)"


@pytest.fixture(scope="module")
def admin(superset_server):
    return superset_server.client("admin")


def _layers(qc: dict) -> list[dict]:
    return [layer for q in qc["queries"] for layer in q.get("annotation_layers") or []]


def _annotations(client, chart: dict) -> list[dict]:
    r, _ = client.chart_data(client.query_context(chart["id"]))
    assert r.status_code == 200, r.text[:500]
    result, = r.json()["result"]
    assert not result.get("error"), result["error"]
    return result["annotation_data"][LAYER]["records"]


def _day(value) -> dt.date:
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()
    return dt.date.fromisoformat(str(value)[:10])


def test_every_time_series_names_the_imported_measures_chart(admin):
    charts = admin.charts()
    source = next(c for c in charts if c["slice_name"] == SOURCE)
    lines = [c for c in charts if c["viz_type"] == "echarts_timeseries_line"]
    with_layer = [c for c in lines if _layers(admin.query_context(c["id"]))]
    assert len(with_layer) >= 16 and with_layer == lines
    for chart in with_layer:
        layer, = _layers(admin.query_context(chart["id"]))
        assert layer["name"] == LAYER and layer["sourceType"] == "table" and layer["value"] == source["id"], chart


def test_time_series_chart_data_carries_the_demo_measures(superset_server, admin):
    expected = {(t, b) for t, b in _published(superset_server, "select titel, beginn from mart.rpt_massnahmen "
                                                               "where ist_eigenes_gebiet")}
    assert expected and all(t.startswith("Demodaten: ") for t, _ in expected)
    chart = next(c for c in admin.charts() if c["slice_name"] == "Zeitreihe: Sozialräume und Kreis, Land und Bund")
    records = _annotations(admin, chart)
    assert {(r["titel"], _day(r["beginn"])) for r in records} == expected
    assert all({"art", "traeger", "massnahme_gebiet_name"} <= set(r) for r in records)
    # the monthly series of the Monatsmonitor too
    monat = next(c for c in admin.charts() if c["slice_name"].startswith("SGB-II-Quote je Monat"))
    assert {r["titel"] for r in _annotations(admin, monat)} == {t for t, _ in expected}


def test_a_gemeinde_role_sees_the_measures_on_its_time_series(superset_server, admin):
    ags, _, _ = superset_server.gemeinden()[0]
    user = superset_server.client(f"gemeinde_{ags}")
    chart = next(c for c in user.charts() if c["slice_name"] == "Zeitreihe: Sozialräume und Kreis, Land und Bund")
    assert len(_annotations(user, chart)) == len(_published(
        superset_server, "select 1 from mart.rpt_massnahmen where ist_eigenes_gebiet"))
