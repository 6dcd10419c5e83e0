"""The facility map layer of the overview dashboard over HTTP with the real Superset server (conftest.py): the
deck.gl scatter chart on rpt_einrichtungen returns exactly the published demo facilities, with their type, name and
coordinates, and sits on the overview dashboard."""

from __future__ import annotations

import json

import pytest
from superset_support import published_rows

pytestmark = [pytest.mark.superset, pytest.mark.timeout(1800)]

TITLE = "Karte: Soziale Einrichtungen nach Art (Kita, Familienzentrum, Jugendzentrum, …)"


@pytest.fixture(scope="module")
def admin(superset_server):
    return superset_server.client("admin")


def test_facility_map_returns_the_published_demo_facilities(admin, superset_server):
    chart = next(c for c in admin.charts() if c["slice_name"] == TITLE)
    assert chart["viz_type"] == "deck_scatter"
    result = admin.run_chart(chart, keep_data=True)
    assert result.status == 200 and not result.error, result.error
    published = published_rows(superset_server, "select lon, lat, art, name from mart.rpt_einrichtungen")
    assert published and all(name.endswith("(Demodaten)") for *_, name in published)
    got = sorted((round(r["lon"], 5), round(r["lat"], 5), r["art"], r["name"]) for r in result.data)
    assert got == sorted((round(lon, 5), round(lat, 5), art, name) for lon, lat, art, name in published)
    assert {"Kita", "Familienzentrum"} <= {r["art"] for r in result.data}


def test_facility_map_is_on_the_overview_dashboard(admin):
    dashboard = next(d for d in admin.list_all("dashboard", ["id", "dashboard_title"])
                     if d["dashboard_title"] == "Sozialraum-Monitor – Überblick")
    detail = admin.get(f"/api/v1/dashboard/{dashboard['id']}").json()["result"]
    names = {v.get("meta", {}).get("sliceName") for v in json.loads(detail["position_json"]).values()
             if isinstance(v, dict)}
    assert TITLE in names
