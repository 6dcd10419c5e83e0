"""Issue 13, parts 1 and 2: the public dashboard without login, and access by data class.

1. An anonymous visitor (Superset role Public) sees exactly one dashboard, „Sozialraum-Monitor – öffentlich“,
   built only on the datasets rpt_oeffentlich (public indicators at the levels the catalogue allows) and
   rpt_massnahmen (the measures, public information; the annotation layer of its time series); every other
   dashboard, chart, dataset, the database, SQL Lab and every chart-data request against another dataset are
   refused. Tested over HTTP and in headless Debian chromium.
2. Logged-in Gemeinde and Träger users see the public rows of every area and the confidential rows (catalogue
   `geheimhaltung`, column `datenklasse`) only of their own areas: a Gemeinde its Gemeinde, Sozialraum and
   Kreis, a Träger its Sozialräume.

Real server and real HTTP (conftest.py), no mocks.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import time
from urllib.parse import urlparse

import pytest
import requests
import yaml
from superset_support import ARTIFACTS, REPO_ROOT, SupersetClient
from superset_support import published_rows as _published

pytestmark = [pytest.mark.superset, pytest.mark.timeout(1800)]

ASSETS = REPO_ROOT / "superset" / "assets"
PUBLIC_TITLE = "Sozialraum-Monitor – öffentlich"
PUBLIC_SLUG = "sozialmonitor-oeffentlich"
PUBLIC_TABLE = "rpt_oeffentlich"
PUBLIC_TABLES = {PUBLIC_TABLE, "rpt_massnahmen"}  # the measures: public information, no area rows
AREA_DATASETS = ["rpt_indikatorwerte", "rpt_karte", "rpt_sozialindex", "rpt_sozialindex_karte",
                 "rpt_sozialindex_ausschluesse", "rpt_monatswerte"]
# what superset/provision.py grants the anonymous role besides datasource access on rpt_oeffentlich
PUBLIC_PERMS = {("can_read", "Dashboard"), ("can_read", "Chart"), ("can_dashboard", "Superset"),
                ("can_read", "DashboardFilterStateRestApi"), ("can_write", "DashboardFilterStateRestApi"),
                ("can_time_range", "Api"), ("can_read", "CurrentUserRestApi"), ("can_read", "Theme")}


def _catalogue() -> dict[str, dict]:
    with (REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv").open(encoding="utf-8") as fh:
        return {r["indikator_id"]: r for r in csv.DictReader(fh)}


def _confidential_ids() -> set[str]:
    return {i for i, r in _catalogue().items() if r["geheimhaltung"].strip().lower() != "false"}


def _public_chart_uuids() -> set[str]:
    dash = yaml.safe_load((ASSETS / "dashboards" / "oeffentlich.yaml").read_text(encoding="utf-8"))
    return {v["meta"]["uuid"] for v in dash["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"}


def _refused(r: requests.Response) -> bool:
    """401/403/404, a redirect to the login page, or a chart-data answer that carries no data."""
    if r.status_code in (401, 403, 404):
        return True
    if r.status_code in (301, 302, 303) and "/login" in r.headers.get("Location", ""):
        return True
    return False


@pytest.fixture(scope="module")
def admin(superset_server):
    return superset_server.client("admin")


@pytest.fixture(scope="module")
def ids(admin) -> dict:
    """Dataset ids by table name, dashboard ids by title, charts by uuid (seen by admin)."""
    return {
        "datasets": {d["table_name"]: d["id"] for d in admin.list_all("dataset", ["id", "table_name"])},
        "dashboards": {d["dashboard_title"]: d["id"] for d in admin.list_all("dashboard", ["id", "dashboard_title"])},
        "charts": {c["uuid"]: c for c in admin.charts()},
    }


@pytest.fixture
def anon(superset_server) -> requests.Session:
    """A visitor without login (no cookie, no token)."""
    s = requests.Session()
    s.base = superset_server.base  # type: ignore[attr-defined]
    return s


def _count_query(dataset_id: int, columns: list[str], **extra) -> dict:
    return {"datasource": {"id": dataset_id, "type": "table"}, "force": True, "result_format": "json",
            "result_type": "full", **extra,
            "queries": [{"columns": columns, "metrics": ["count"], "filters": [], "row_limit": 100000,
                         "orderby": [["count", False]]}]}


# --------------------------------------------------------------------------------------------------------
# 1 the public dashboard, over the API
# --------------------------------------------------------------------------------------------------------
def test_anonymous_sees_exactly_the_public_dashboard_and_its_charts(superset_server, anon, ids):
    base = superset_server.base
    r = anon.get(f"{base}/api/v1/dashboard/", timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert [d["dashboard_title"] for d in r.json()["result"]] == [PUBLIC_TITLE]
    dash_id = ids["dashboards"][PUBLIC_TITLE]
    r = anon.get(f"{base}/api/v1/dashboard/{dash_id}/datasets", timeout=60)
    assert r.status_code == 200, r.text[:300]
    datasets = {d["id"]: d["table_name"] for d in r.json()["result"]}
    assert set(datasets.values()) == PUBLIC_TABLES
    # the chart list: the public dashboard's charts, nothing else
    r = anon.get(f"{base}/api/v1/chart/", params={"q": "(columns:!(id,uuid,slice_name),page:0,page_size:1000)"},
                 timeout=60)
    assert r.status_code == 200, r.text[:300]
    charts = r.json()["result"]
    assert {c["uuid"] for c in charts} == _public_chart_uuids()
    # the page itself opens without login
    r = anon.get(f"{base}/superset/dashboard/{PUBLIC_SLUG}/", allow_redirects=False, timeout=60)
    assert r.status_code == 200, (r.status_code, r.headers.get("Location"))

    # every chart's stored query runs for the visitor and returns public rows only
    confidential = _confidential_ids()
    names = {r["name"] for i, r in _catalogue().items() if i in confidential}
    for chart in charts:
        qc = json.loads(anon.get(f"{base}/api/v1/chart/{chart['id']}", timeout=60).json()["result"]["query_context"])
        table = "rpt_massnahmen" if chart["slice_name"].startswith("Maßnahmen") else PUBLIC_TABLE
        qc["datasource"] = {"id": ids["datasets"][table], "type": "table"}
        qc["form_data"] = dict(qc.get("form_data") or {}, slice_id=chart["id"], dashboardId=dash_id)
        r = anon.post(f"{base}/api/v1/chart/data", json=dict(qc, force=True), timeout=120)
        assert r.status_code == 200, f"{chart['slice_name']}: {r.status_code} {r.text[:300]}"
        result = r.json()["result"]
        assert not any(q.get("error") for q in result), chart["slice_name"]
        assert sum(len(q.get("data") or []) for q in result) > 0, f"{chart['slice_name']}: no rows"
        text = json.dumps(result, ensure_ascii=False)
        assert not [n for n in names if n in text], f"{chart['slice_name']} shows a confidential indicator"
        if chart["slice_name"].startswith("Gewählter Indikator je Jahr"):  # the time series: measures on it
            massnahmen = {t for t, in _published(superset_server, "select titel from mart.rpt_massnahmen "
                                                                  "where ist_eigenes_gebiet")}
            records = result[0]["annotation_data"]["Maßnahmen"]["records"]
            assert massnahmen and {a["titel"] for a in records} == massnahmen, chart["slice_name"]

    # the dataset holds every public indicator of the file and no confidential one
    r = anon.post(f"{base}/api/v1/chart/data", json=_count_query(ids["datasets"][PUBLIC_TABLE],
                                                                  ["indikator_id", "gebiet_ebene"]), timeout=120)
    assert r.status_code == 200, r.text[:300]
    seen = {(row["indikator_id"], row["gebiet_ebene"]) for row in r.json()["result"][0]["data"]}
    assert not {i for i, _ in seen} & confidential
    # (the row's data class: a public indicator's confidential Ortsteil cells, e.g. the Jobcenter's SGB II counts,
    # are not public either)
    public_in_file = {(i, e) for i, e in _published(
        superset_server, "select distinct indikator_id, gebiet_ebene from mart.rpt_indikatorwerte "
                         "where datenklasse = 'oeffentlich'")
        if i not in confidential}
    assert ("sgb2_quote", "ortsteil") not in public_in_file
    assert seen == public_in_file
    assert {"gemeinde", "sozialraum", "kreis", "land", "bund"} <= {e for _, e in seen}


def test_anonymous_is_refused_everything_else(superset_server, ids):
    base = superset_server.base
    public_ds = ids["datasets"][PUBLIC_TABLE]
    dash_id = ids["dashboards"][PUBLIC_TITLE]
    public_charts = _public_chart_uuids()
    other_charts = [c for u, c in ids["charts"].items() if u not in public_charts]
    other_datasets = {n: i for n, i in ids["datasets"].items() if n not in PUBLIC_TABLES}
    assert other_charts and set(AREA_DATASETS) <= set(other_datasets)
    failures = []

    def expect_refused(r: requests.Response, what: str) -> None:
        if not _refused(r):
            failures.append(f"{what}: {r.status_code} {r.text[:200]}")

    # a client without login is the anonymous visitor; it waits out the 429s of Superset's application rate
    # limit (50 per second and address) that this burst of requests runs into
    visitor = SupersetClient(base)
    get = lambda path, **kw: visitor.get(path, allow_redirects=False, **kw)  # noqa: E731
    post = lambda path, **kw: visitor.post(path, allow_redirects=False, **kw)  # noqa: E731

    # metadata APIs: datasets (also the public one: no dataset API at all), databases, RLS, roles, export
    for path in ["/api/v1/dataset/", f"/api/v1/dataset/{public_ds}", f"/api/v1/dataset/{public_ds}/samples",
                 "/api/v1/database/", "/api/v1/rowlevelsecurity/", "/api/v1/security/roles/",
                 "/api/v1/assets/export/", "/api/v1/query/", "/api/v1/saved_query/", "/api/v1/log/",
                 f"/api/v1/dashboard/export/?q=!({dash_id})", "/api/v1/sqllab/",
                 f"/datasource/get/table/{public_ds}/", f"/datasource/external_metadata/table/{public_ds}/",
                 "/api/v1/database/1/tables/?q=(schema_name:mart)"]:
        expect_refused(get(path), f"GET {path}")
    # SQL Lab, page and API
    for path in ["/sqllab/", "/sqllab/history/", "/superset/sqllab/"]:
        expect_refused(get(path), f"GET {path}")
    r = post("/api/v1/sqllab/execute/", json={"database_id": 1, "sql": "select 1", "schema": "mart",
                                              "runAsync": False, "client_id": "anon1"})
    if not (_refused(r) or (r.status_code == 400 and "CSRF" in r.text)):
        failures.append(f"POST /api/v1/sqllab/execute/: {r.status_code} {r.text[:200]}")
    # explore (also of a public chart) and the legacy chart endpoints
    pub = next(c for u, c in ids["charts"].items() if u in public_charts)
    for path in [f"/explore/?slice_id={pub['id']}", f"/superset/slice/{pub['id']}/",
                 f"/superset/explore_json/?form_data=%7B%22slice_id%22%3A{pub['id']}%7D"]:
        expect_refused(get(path), f"GET {path}")
    # every other dashboard: page redirects to the login, API refuses
    for title, did in ids["dashboards"].items():
        if title == PUBLIC_TITLE:
            continue
        expect_refused(get(f"/api/v1/dashboard/{did}"), f"GET dashboard {title}")
        expect_refused(get(f"/api/v1/dashboard/{did}/charts"), f"GET dashboard {title} charts")
        expect_refused(get(f"/superset/dashboard/{did}/"), f"page of dashboard {title}")
    for slug in ("ueberblick", "jugend", "monatsmonitor"):
        expect_refused(get(f"/superset/dashboard/sozialmonitor-{slug}/"), f"page {slug}")
    # every other chart: metadata, stored data and CSV export refused
    for chart in other_charts:
        expect_refused(get(f"/api/v1/chart/{chart['id']}"), f"GET chart {chart['slice_name']}")
        expect_refused(get(f"/api/v1/chart/{chart['id']}/data/"), f"data of {chart['slice_name']}")
        expect_refused(get(f"/api/v1/chart/{chart['id']}/data/?format=csv"), f"CSV of {chart['slice_name']}")
    # chart data against every other dataset: plain, as CSV, and pretending to come from the public dashboard
    for name, ds_id in other_datasets.items():
        qc = {"datasource": {"id": ds_id, "type": "table"}, "force": True, "result_type": "full",
              "queries": [{"columns": [], "metrics": ["count"], "row_limit": 10}]}
        for fmt in ("json", "csv"):
            expect_refused(post("/api/v1/chart/data", json=dict(qc, result_format=fmt)), f"chart data {name} {fmt}")
        forged = dict(qc, result_format="json", form_data={"dashboardId": dash_id, "slice_id": pub["id"]})
        expect_refused(post("/api/v1/chart/data", json=forged), f"chart data {name} via the public dashboard")
    # a chart of another dashboard, run through the public dashboard's id
    other = other_charts[0]
    forged = {"datasource": {"id": ids["datasets"]["rpt_indikatorwerte"], "type": "table"}, "force": True,
              "result_format": "json", "result_type": "full",
              "form_data": {"dashboardId": dash_id, "slice_id": other["id"]},
              "queries": [{"columns": [], "metrics": ["count"], "row_limit": 10}]}
    expect_refused(post("/api/v1/chart/data", json=forged), "foreign chart via the public dashboard")
    assert not failures, "\n".join(failures)

    # the public dataset cannot be used to read around it: a sub-query in a custom SQL metric is refused
    sneaky = {"datasource": {"id": public_ds, "type": "table"}, "force": True, "result_format": "json",
              "result_type": "full", "queries": [{"columns": [], "row_limit": 10, "metrics": [{
                  "expressionType": "SQL", "label": "x",
                  "sqlExpression": "(select max(wert) from mart.rpt_indikatorwerte "
                                   "where indikator_id = 'hze_eckwert' and gebiet_ebene = 'gemeinde')"}]}]}
    r = post("/api/v1/chart/data", json=sneaky)
    assert r.status_code != 200 or any(q.get("error") for q in r.json()["result"]), r.text[:300]


def test_public_role_has_exactly_the_listed_permissions(superset_server, ids):
    """The anonymous role, read from Superset's metadata database: the viewing permissions of
    provision.PUBLIC_PERMS and datasource access to rpt_oeffentlich and rpt_massnahmen - no other dataset, no
    database, schema or SQL Lab access."""
    con = sqlite3.connect(superset_server.home / "superset.db")
    try:
        rows = con.execute("""
            select p.name, v.name from ab_role r
            join ab_permission_view_role pvr on pvr.role_id = r.id
            join ab_permission_view pv on pv.id = pvr.permission_view_id
            join ab_permission p on p.id = pv.permission_id
            join ab_view_menu v on v.id = pv.view_menu_id
            where r.name = 'Public'""").fetchall()
    finally:
        con.close()
    perms = set(rows)
    data = {(p, v) for p, v in perms if p.endswith("_access")}
    assert {p for p, _ in data} == {"datasource_access"}, data
    assert sorted(v.split("](")[0] for _, v in data) == [
        "[Sozialraum-Monitor (veröffentlicht)].[rpt_massnahmen", "[Sozialraum-Monitor (veröffentlicht)].[rpt_oeffentlich"
    ], data
    assert perms - data == PUBLIC_PERMS


# --------------------------------------------------------------------------------------------------------
# 1 the public dashboard, in the browser, without login
# --------------------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_public_dashboard_renders_for_an_anonymous_visitor(superset_server):
    from playwright.sync_api import sync_playwright
    from test_superset_browser import (
        CHROMIUM_FLAGS,
        _wait_until_rendered,
        assert_charts_rendered,
        ensure_chromium,
        expected_charts,
    )

    executable = ensure_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = superset_server.base
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 2400}, locale="de-DE")
        page = context.new_page()
        page_errors: list[str] = []
        refused: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.on("response", lambda r: refused.append(f"{r.status} {r.request.method} {urlparse(r.url).path}")
                if r.status in (401, 403) else None)
        try:
            t0 = time.perf_counter()
            page.goto(f"{base}/superset/dashboard/{PUBLIC_SLUG}/")
            page.wait_for_selector(".dashboard-component-chart-holder", timeout=120_000)
            want = expected_charts("oeffentlich")
            states = _wait_until_rendered(page, want, scroll=4000)
            page.mouse.wheel(0, -20000)
            states = _wait_until_rendered(page, want, scroll=0)
            time.sleep(1.0)
            shot = ARTIFACTS / "superset_oeffentlich_anonym.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\noeffentlich (anonymous): {len(states)} charts in {time.perf_counter() - t0:.1f}s, {shot}")
            assert urlparse(page.url).path.rstrip("/").endswith(PUBLIC_SLUG), page.url
            assert_charts_rendered(page, states, want)
            body = page.inner_text("body")
            assert "DEMODATEN" in body and "Datenstand" in body and "Öffentliche Daten" in body
            confidential = [r["name"] for i, r in _catalogue().items() if i in _confidential_ids()]
            assert not [n for n in confidential if n in body], "a confidential indicator on the public dashboard"
            assert not page_errors, page_errors
            print(f"refused requests while viewing: {sorted(set(refused))}")

            # any other page sends the visitor to the login
            for path in ("/superset/dashboard/sozialmonitor-ueberblick/", "/sqllab/", "/tablemodelview/list/",
                         "/superset/welcome/"):
                try:
                    page.goto(f"{base}{path}", wait_until="commit")
                except Exception:  # noqa: BLE001 - the SPA may abort the navigation while redirecting
                    pass
                page.wait_for_url(lambda url: urlparse(url).path.startswith("/login"), timeout=60_000)
        finally:
            context.close()
            browser.close()


# --------------------------------------------------------------------------------------------------------
# 2 access by data class
# --------------------------------------------------------------------------------------------------------
def _rows_by_class(client, ds_id: int) -> dict[str, set[tuple]]:
    r, _ = client.chart_data(_count_query(ds_id, ["gebiet_ebene", "gebiet_id", "datenklasse"]))
    assert r.status_code == 200, r.text[:300]
    out: dict[str, set[tuple]] = {"oeffentlich": set(), "vertraulich": set()}
    for row in r.json()["result"][0]["data"]:
        out[row["datenklasse"]].add((row["gebiet_ebene"], row["gebiet_id"]))
    return out


def _traeger() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with (REPO_ROOT / "superset" / "traeger.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["traeger_id"], set()).add(r["sozialraum_id"])
    return out


def _check_user(superset_server, admin, ids, username: str, own: set[tuple]) -> None:
    user = superset_server.client(username)
    checked_confidential = False
    for name in AREA_DATASETS:
        ds_id = ids["datasets"][name]
        mine, everything = _rows_by_class(user, ds_id), _rows_by_class(admin, ds_id)
        # public rows: every area, exactly as admin sees them (Gemeinden compare themselves with their neighbours)
        assert mine["oeffentlich"] == everything["oeffentlich"], f"{username} {name}: public rows differ"
        # confidential rows: only its own areas, and all of them
        assert mine["vertraulich"] == everything["vertraulich"] & own, (
            f"{username} {name}: {sorted(mine['vertraulich'] - own)[:5]} / missing "
            f"{sorted((everything['vertraulich'] & own) - mine['vertraulich'])[:5]}")
        if everything["vertraulich"] - own:
            checked_confidential = True
    assert checked_confidential, "the demo build has confidential rows of other areas"
    # the public dataset is open to every logged-in role, unfiltered
    r, _ = user.chart_data(_count_query(ids["datasets"][PUBLIC_TABLE], ["gebiet_ebene", "gebiet_id"]))
    assert r.status_code == 200 and len(r.json()["result"][0]["data"]) > len(own)


def test_gemeinde_sees_public_rows_everywhere_and_confidential_rows_of_its_areas(superset_server, admin, ids):
    gemeinden = superset_server.gemeinden()
    sr = dict(_published(superset_server, """
        select gebiet_id, list(distinct sozialraum_id) from mart.rpt_indikatorwerte
        where gebiet_ebene = 'gemeinde' and sozialraum_id is not null group by gebiet_id"""))
    ortsteile = [o for o, in _published(superset_server, """
        select distinct gebiet_id from mart.rpt_indikatorwerte where gebiet_ebene = 'ortsteil'""")]
    assert any(o.startswith(gemeinden[0][0]) for o in ortsteile), "the first demo Gemeinde has Ortsteile"
    for ags, _, kreis in (gemeinden[0], gemeinden[-1]):
        own = {("gemeinde", ags), ("kreis", kreis)} | {("sozialraum", s) for s in sr[ags]}
        # its own Ortsteile (Ortsteil-ID = AGS + Ortsteilschlüssel)
        own |= {("ortsteil", o) for o in ortsteile if o.startswith(ags)}
        # Land and Bund carry official indicators only (public); allowed anyway
        own |= {("land", kreis[:2]), ("bund", "DG")}
        _check_user(superset_server, admin, ids, f"gemeinde_{ags}", own)
    # concretely: the HzE-Eckwert of a neighbour is hidden, its SGB-II-Quote visible
    ags, _, _ = gemeinden[0]
    neighbour = gemeinden[1][0]
    user = superset_server.client(f"gemeinde_{ags}")
    qc = _count_query(ids["datasets"]["rpt_indikatorwerte"], ["gebiet_id", "indikator_id"])
    qc["queries"][0]["filters"] = [{"col": "gebiet_id", "op": "IN", "val": [ags, neighbour]},
                                   {"col": "indikator_id", "op": "IN", "val": ["hze_eckwert", "sgb2_quote"]}]
    r, _ = user.chart_data(qc)
    seen = {(row["gebiet_id"], row["indikator_id"]) for row in r.json()["result"][0]["data"]}
    assert seen == {(ags, "hze_eckwert"), (ags, "sgb2_quote"), (neighbour, "sgb2_quote")}, seen


def test_traeger_sees_public_rows_and_confidential_rows_of_its_sozialraeume(superset_server, admin, ids):
    traeger = _traeger()
    assert traeger, "superset/traeger.csv lists at least the demo Träger"
    for tid, sozialraeume in traeger.items():
        own = {("sozialraum", s) for s in sozialraeume}
        _check_user(superset_server, admin, ids, f"traeger_{tid}", own)
        # it has the dashboards of a reader, not SQL Lab
        user = superset_server.client(f"traeger_{tid}")
        assert user.sql(admin.database_id(), "select 1").status_code in (401, 403)


def test_rls_filters_name_the_data_class(admin, superset_server):
    """Every Gemeinde and Träger filter covers all area datasets and starts with the public data class."""
    rls = admin.list_all("rowlevelsecurity", ["id", "name"])
    names = {r["name"] for r in rls}
    assert {f"Gemeinde {g[0]}" for g in superset_server.gemeinden()} | {f"Träger {t}" for t in _traeger()} == names
    for r in rls:
        detail = admin.get(f"/api/v1/rowlevelsecurity/{r['id']}").json()["result"]
        assert detail["clause"].startswith("datenklasse = 'oeffentlich' OR "), detail["clause"]
        assert {t["table_name"] for t in detail["tables"]} == set(AREA_DATASETS)
        assert re.fullmatch(r"[\w ,'().=-]+", detail["clause"]), detail["clause"]


def test_a_token_is_never_downgraded_to_the_public_role(superset_server, admin, ids):
    """Flask-AppBuilder skips the token check on endpoints the Public role may use; the security manager
    (superset_config.py, is_item_public) makes a request with a bearer token run as its user: admin lists every
    chart and reads every dataset through the API, and a wrong token is refused, not served as anonymous."""
    assert len(admin.charts()) == len(ids["charts"]) == len(list((ASSETS / "charts").glob("*.yaml")))
    assert {d["dashboard_title"] for d in admin.list_all("dashboard", ["dashboard_title"])} > {PUBLIC_TITLE}
    r, _ = admin.chart_data(_count_query(ids["datasets"]["rpt_indikatorwerte"], ["datenklasse"]))
    assert r.status_code == 200 and {row["datenklasse"] for row in r.json()["result"][0]["data"]} == {
        "oeffentlich", "vertraulich"}
    r = requests.get(f"{superset_server.base}/api/v1/chart/", headers={"Authorization": "Bearer kein.gueltiges.token"},
                     timeout=60)
    assert r.status_code in (401, 422), r.status_code
