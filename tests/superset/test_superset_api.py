"""Superset over HTTP: provisioning, every chart's data, idempotent import, roles and security.

The server is real (gunicorn, fresh SQLite metadata in a temporary folder) and reads the demo
build's serving copy; see conftest.py. The read-only hardening (SQL allowlist, write protection,
login rate limit, Datenstand of a partial publication) is tested in test_superset_hardening.py.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests
import yaml
from superset_support import REPO_ROOT
from superset_support import published_rows as _published

pytestmark = [pytest.mark.superset, pytest.mark.timeout(1800)]

ASSETS = REPO_ROOT / "superset" / "assets"
YEARLY_TITLES = {
    "Sozialraum-Monitor – Überblick", "Armut & SGB II", "Arbeitsmarkt", "Kinder, Jugend & Familie", "Demografie",
}
PUBLIC_TITLE = "Sozialraum-Monitor – öffentlich"  # no login; tested in test_superset_public.py
DASHBOARD_TITLES = YEARLY_TITLES | {"Monatsmonitor", PUBLIC_TITLE}
FILTER_NAMES = {"Jahr", "Sozialraum", "Gemeinde", "Indikator"}


def _counts(client) -> dict:
    return {
        "charts": sorted(c["uuid"] for c in client.charts()),
        "dashboards": sorted(d["uuid"] for d in client.list_all("dashboard", ["uuid"])),
        "datasets": sorted(d["uuid"] for d in client.list_all("dataset", ["uuid"])),
        "databases": sorted(d["uuid"] for d in client.list_all("database", ["uuid"])),
        "rls": sorted(r["name"] for r in client.list_all("rowlevelsecurity", ["name"])),
    }


@pytest.fixture(scope="module")
def admin(superset_server):
    return superset_server.client("admin")


def test_bundle_is_provisioned(admin):
    dashboards = admin.list_all("dashboard", ["id", "dashboard_title", "published"])
    assert {d["dashboard_title"] for d in dashboards} == DASHBOARD_TITLES
    n_charts = len(list((ASSETS / "charts").glob("*.yaml")))
    assert len(admin.charts()) == n_charts
    for d in dashboards:
        detail = admin.get(f"/api/v1/dashboard/{d['id']}").json()["result"]
        meta = json.loads(detail["json_metadata"])
        names = {f["name"] for f in meta["native_filter_configuration"]}
        assert names == FILTER_NAMES, d["dashboard_title"]
        assert d["published"]


def test_database_is_the_serving_copy_read_only(admin, superset_server):
    dbs = admin.list_all("database", ["id", "database_name"])
    assert len(dbs) == 1, "only the serving copy is connected"
    r = admin.get(f"/api/v1/database/{dbs[0]['id']}/connection")
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    assert result["sqlalchemy_uri"] == f"duckdb:///{superset_server.serving}"
    assert "/published/" not in result["sqlalchemy_uri"]
    extra = json.loads(result["extra"])
    connect_args = extra["engine_params"]["connect_args"]
    assert connect_args["read_only"] is True
    config = connect_args["config"]
    assert config["enable_external_access"] is False
    assert config["lock_configuration"] is True
    assert config["autoinstall_known_extensions"] is False and config["autoload_known_extensions"] is False
    assert config["temp_directory"] == str(superset_server.home / "duckdb_tmp")
    assert result["allow_dml"] is False and result["allow_file_upload"] is False


def test_every_chart_returns_rows(admin):
    failures = []
    for chart in admin.charts():
        res = admin.run_chart(chart)
        if res.status != 200 or res.error or res.rows == 0:
            failures.append(f"{res.name} ({res.viz_type}): status {res.status}, rows {res.rows}, {res.error}")
    assert not failures, "\n".join(failures)


def test_dataset_descriptions_come_from_the_catalogue(admin):
    import csv

    with (REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv").open(encoding="utf-8") as fh:
        catalogue = {r["indikator_id"]: r for r in csv.DictReader(fh)}
    ds = next(d for d in admin.list_all("dataset", ["id", "table_name"]) if d["table_name"] == "rpt_indikatorwerte")
    detail = admin.get(f"/api/v1/dataset/{ds['id']}").json()["result"]
    metrics = {m["metric_name"]: m for m in detail["metrics"]}
    for ind, row in catalogue.items():
        assert ind in metrics, f"no metric for catalogue indicator {ind}"
        assert row["definition"].strip() in (metrics[ind]["description"] or "")
        assert metrics[ind]["verbose_name"].startswith(row["name"])
    columns = {c["column_name"]: c for c in detail["columns"]}
    assert all(c["description"] for c in columns.values())


def test_demodaten_and_datenstand_are_shown(admin, superset_server):
    import duckdb

    con = duckdb.connect(str(superset_server.serving), read_only=True)
    try:
        demo = con.execute("select bool_or(ist_demodaten) from mart.sozialraum_indikatoren").fetchone()[0]
    finally:
        con.close()
    infos = [c for c in admin.charts() if c["slice_name"].startswith("Datenstand und Quellen")]
    assert len(infos) == len(DASHBOARD_TITLES - {PUBLIC_TITLE})  # the public one: test_superset_public.py
    for chart in infos:
        res = admin.run_chart(chart, keep_data=True)
        row = res.data[0]
        assert row["veroeffentlicht_am"], "Datenstand from mart.publikation_status"
        assert row["quellen"]
        assert ("DEMODATEN" in row["hinweis"]) == bool(demo)
        assert row["veraltete_quellen"] and row["abgelehnte_lieferungen"]  # '–'/'keine' without refusals
        assert row["gebietsstand"] == "Gebietsstand 31.12.2020"  # mart.publikation_status (from mart.gebietsstand)


def test_time_series_show_land_and_bund_as_reference_lines(admin, superset_server):
    """Every time series of Sozialräume and Kreis carries the Land (Hessen) and Bund series from their
    official rows; the comparison table has their values beside the Kreis value."""
    charts = [c for c in admin.charts() if "Zeitreihe Sozialräume und Kreis, Land und Bund" in c["slice_name"]
              or c["slice_name"] == "Zeitreihe: Sozialräume und Kreis, Land und Bund"]
    assert len(charts) == len(YEARLY_TITLES)  # the Monatsmonitor has no Land or Bund (SGB II tables have none)
    for chart in charts:
        res = admin.run_chart(chart, keep_data=True)
        assert res.status == 200 and not res.error, res.error
        series = {key for row in res.data for key in row}
        assert any("Hessen" in k for k in series) and any("Deutschland" in k for k in series), series
    table = next(c for c in admin.charts() if c["slice_name"] == "Sozialräume und Gemeinden: Abweichung vom Kreis")
    res = admin.run_chart(table, keep_data=True)
    assert res.status == 200 and res.data and {"landeswert", "bundeswert"} <= set(res.data[0])
    hessen = _published(superset_server, "select max(wert) from mart.sozialraum_indikatoren where gebiet_ebene = 'land'")
    assert hessen[0][0] is not None
    # the age shares of the Demografie dashboard: Kreis, Land and Bund for both indicators, values as in the mart
    alter = next(c for c in admin.charts() if c["slice_name"].startswith("Unter 18-Jährige und 65-Jährige"))
    res = admin.run_chart(alter, keep_data=True)
    assert res.status == 200 and not res.error, res.error
    kreis_name = _published(superset_server, "select any_value(gebiet_name) from mart.dim_gebiet where gebiet_ebene = 'kreis'")[0][0]
    series = {key for row in res.data for key in row if key != "zeitpunkt"}
    for metric in ("anteil_unter_18", "anteil_65_plus"):
        for gebiet in (kreis_name, "Hessen", "Deutschland"):
            assert any(metric in k and gebiet in k for k in series), (metric, gebiet, series)
    assert len(series) == 6, series  # no Sozialraum or Gemeinde line
    jahr, land_wert, bund_wert = _published(superset_server, """
        select l.jahr, l.wert, b.wert from mart.sozialraum_indikatoren l join mart.sozialraum_indikatoren b
          on b.gebiet_ebene = 'bund' and b.jahr = l.jahr and b.indikator_id = l.indikator_id
        where l.gebiet_ebene = 'land' and l.indikator_id = 'anteil_65_plus' order by l.jahr desc limit 1""")[0]
    row = next(r for r in res.data if dt.datetime.fromtimestamp(r["zeitpunkt"] / 1000, dt.UTC).year == jahr)
    key = {g: next(k for k in series if "anteil_65_plus" in k and g in k) for g in ("Hessen", "Deutschland")}
    assert row[key["Hessen"]] == pytest.approx(land_wert) and row[key["Deutschland"]] == pytest.approx(bund_wert)


def test_reimport_is_idempotent(admin, superset_server):
    before = _counts(admin)
    n_traeger = len({line.split(",")[0] for line in (REPO_ROOT / "superset" / "traeger.csv").read_text(
        encoding="utf-8").splitlines()[1:] if line.strip()})
    assert len(before["rls"]) == len(superset_server.gemeinden()) + n_traeger
    # 1) provisioning again (what every `manage.sh up` does)
    superset_server.manage("provision")
    # 2) the same bundle through the REST endpoint
    zip_path = superset_server.home / "bundle" / "sozialmonitor.zip"
    with zip_path.open("rb") as fh:
        r = admin.post("/api/v1/assets/import/", files={"bundle": ("sozialmonitor.zip", fh, "application/zip")})
    assert r.status_code == 200, r.text
    after = _counts(admin)
    assert after == before
    # and the database is still the read-only serving copy after the import
    test_database_is_the_serving_copy_read_only(admin, superset_server)


def test_anonymous_requests_are_refused(superset_server):
    """Without login only the public dashboard opens (test_superset_public.py has the whole list)."""
    base = superset_server.base
    for method, path in [("get", "/api/v1/dataset/"), ("get", "/api/v1/database/"),
                         ("post", "/api/v1/sqllab/execute/")]:
        r = getattr(requests, method)(base + path, json={} if method == "post" else None, timeout=30)
        # 400 only as the CSRF refusal of a session-less POST
        assert r.status_code in (401, 403) or (r.status_code == 400 and "CSRF" in r.text), \
            f"{method} {path}: {r.status_code} {r.text[:200]}"
    r = requests.get(base + "/superset/dashboard/sozialmonitor-ueberblick/", allow_redirects=False, timeout=30)
    assert r.status_code in (301, 302) and "login" in r.headers.get("Location", "")


def test_gemeinde_user_runs_every_chart_but_not_sql_lab(superset_server, admin):
    """A Gemeinde role reads every dashboard chart without error (its rows: test_superset_public.py, access by
    data class), has no SQL Lab, and a sub-query in a custom SQL metric cannot read around its filter."""
    ags, _, _ = superset_server.gemeinden()[0]
    user = superset_server.client(f"gemeinde_{ags}")
    for chart in user.charts():
        res = user.run_chart(chart)
        assert res.status == 200 and not res.error, f"{res.name}: {res.error}"
    assert user.sql(admin.database_id(), "select 1").status_code in (401, 403)
    ds = next(d for d in user.list_all("dataset", ["id", "table_name"]) if d["table_name"] == "rpt_indikatorwerte")
    sneaky = {"datasource": {"id": ds["id"], "type": "table"}, "force": True, "result_format": "json",
              "result_type": "full", "queries": [{"columns": ["gebiet_id"], "filters": [], "row_limit": 10, "metrics": [{
                  "expressionType": "SQL", "label": "x",
                  "sqlExpression": "(select max(wert) from mart.sozialraum_indikatoren where gebiet_ebene = 'gemeinde')"}]}]}
    r, _ = user.chart_data(sneaky)
    assert r.status_code != 200 or any(q.get("error") for q in r.json()["result"]), r.text[:300]


AREA_DATASETS = ["rpt_indikatorwerte", "rpt_karte", "rpt_sozialindex", "rpt_sozialindex_karte",
                 "rpt_sozialindex_ausschluesse", "rpt_monatswerte"]


def test_row_level_security_covers_every_area_dataset(superset_server, admin):
    """Every dataset with area rows (values, maps, Sozialindex, exclusions) is filtered for a Gemeinde role, and
    carries the data class the filter reads."""
    ags, _, _ = superset_server.gemeinden()[0]
    ds_ids = {d["table_name"]: d["id"] for d in admin.list_all("dataset", ["id", "table_name"])}
    assert set(AREA_DATASETS) <= set(ds_ids), ds_ids
    rls = next(r for r in admin.list_all("rowlevelsecurity", ["id", "name"]) if r["name"] == f"Gemeinde {ags}")
    detail = admin.get(f"/api/v1/rowlevelsecurity/{rls['id']}").json()["result"]
    assert {t["id"] for t in detail["tables"]} == {ds_ids[n] for n in AREA_DATASETS}
    for name in AREA_DATASETS:
        columns = {c["column_name"] for c in admin.get(f"/api/v1/dataset/{ds_ids[name]}").json()["result"]["columns"]}
        assert {"gebiet_ebene", "gebiet_id", "datenklasse"} <= columns, name


def test_sozialindex_charts_match_the_published_tables(superset_server, admin):
    """Map, status × dynamics matrix, table and exclusions of the Überblick show mart.sozialindex(_ausschluesse)."""
    charts = {c["slice_name"]: c for c in admin.charts()}
    by_prefix = {p: next(c for n, c in charts.items() if n.startswith(p)) for p in (
        "Sozialindex: Statusklasse der Gebiete", "Sozialindex: Status × Dynamik", "Sozialindex je Gebiet",
        "Sozialindex: ausgeschlossene Gebiete")}
    latest = _published(superset_server, "select max(jahr) from mart.sozialindex")[0][0]
    areas = {r[0]: r[1:] for r in _published(superset_server, f"""
        select gebiet_name, statusklasse_nr || ' ' || statusklasse,
               coalesce(dynamikklasse_nr || ' ' || dynamikklasse, 'ohne Dynamik'), statusindex
        from mart.sozialindex where jahr = {latest}""")}
    assert areas, "mart.sozialindex is empty"

    # the matrix: all 4 × 3 cells, counts and names as in the mart (latest year)
    res = admin.run_chart(by_prefix["Sozialindex: Status × Dynamik"], keep_data=True)
    assert res.status == 200 and not res.error, res.error
    cells = {(row["status"], row["dynamik"]): row for row in res.data}
    for n, st in enumerate(["hoch", "mittel", "niedrig", "sehr niedrig"], 1):
        for m, dy in enumerate(["positiv", "stabil", "negativ"], 1):
            assert (f"{n} {st}", f"{m} {dy}") in cells, f"cell {n} {st} × {m} {dy} missing"
    assert sum(row["anzahl_gebiete"] for row in cells.values()) == len(areas)
    for (st, dy), row in cells.items():
        want = sorted(a for a, (s, d, _) in areas.items() if (s, d) == (st, dy))
        assert row["anzahl_gebiete"] == len(want), (st, dy)
        assert row["gebiete"] == ("; ".join(want) or "–"), (st, dy)

    # the map: one row per polygon of the areas of the latest year, coloured by the Statusindex
    res = admin.run_chart(by_prefix["Sozialindex: Statusklasse der Gebiete"], keep_data=True)
    assert res.status == 200 and not res.error, res.error
    polygons = _published(superset_server, f"""
        select count(*) from mart.sozialindex s join mart.dim_gebiet g
          on g.gebiet_ebene = s.gebiet_ebene and g.gebiet_id = s.gebiet_id
        where s.jahr = {latest} and g.geojson is not null""")[0][0]
    assert len(res.data) == polygons > 0
    for row in res.data:
        assert row["jahr"] == latest and json.loads(row["geojson"])["type"] in ("Polygon", "MultiPolygon")
        assert abs(row["statusindex"] - areas[row["gebiet_name"]][2]) < 1e-9
    # the colour breakpoints are the class cut-offs: every area's index falls in its class's range
    params = json.loads(admin.get(f"/api/v1/chart/{by_prefix['Sozialindex: Statusklasse der Gebiete']['id']}")
                        .json()["result"]["params"])
    bps = params["color_breakpoints"]
    for gebiet, (status, _, index) in areas.items():
        first = next(i for i, b in enumerate(bps) if b["minValue"] <= index <= b["maxValue"])
        assert first + 1 == int(status.split()[0]), (gebiet, status, index)

    # the table: every area of the latest year with its z-values
    res = admin.run_chart(by_prefix["Sozialindex je Gebiet"], keep_data=True)
    assert {row["gebiet_name"] for row in res.data} == set(areas)
    assert all(any(k.startswith("z_status_") and row[k] is not None for k in row) for row in res.data)

    # exclusions: one row per year, area and kind of exclusion, newest year first
    res = admin.run_chart(by_prefix["Sozialindex: ausgeschlossene Gebiete"], keep_data=True)
    assert res.status == 200 and not res.error, res.error
    n = _published(superset_server, "select count(*) from (select distinct jahr, gebiet_id, bereich "
                                    "from mart.sozialindex_ausschluesse)")[0][0]
    assert len(res.data) == n > 0
    years = [row["jahr"] for row in res.data]
    assert years == sorted(years, reverse=True)
    assert all(row["gruende"] for row in res.data)


def test_monatsmonitor_shows_every_month_with_the_filters_of_the_other_dashboards(superset_server, admin):
    """The Monatsmonitor: its time series hold every published month of SGB-II-Quote and Kinderarmut with the
    values of mart.sgb2_monatswerte (December = the annual value of mart.sozialraum_indikatoren), every one of
    its charts returns data, and its native filters (Jahr, Sozialraum, Gemeinde, Indikator) take their values
    from the monthly dataset, Jahr with several years allowed and empty by default."""
    dash = next(d for d in admin.list_all("dashboard", ["id", "dashboard_title"]) if d["dashboard_title"] == "Monatsmonitor")
    ds_id = next(d["id"] for d in admin.list_all("dataset", ["id", "table_name"]) if d["table_name"] == "rpt_monatswerte")
    meta = json.loads(admin.get(f"/api/v1/dashboard/{dash['id']}").json()["result"]["json_metadata"])
    filters = {f["name"]: f for f in meta["native_filter_configuration"]}
    assert set(filters) == FILTER_NAMES
    assert all(f["targets"][0]["datasetId"] == ds_id for f in filters.values()), [f["targets"] for f in filters.values()]
    assert filters["Jahr"]["controlValues"]["multiSelect"] is True  # several years; empty: every month
    assert filters["Jahr"]["controlValues"]["enableEmptyFilter"] is False
    layout = yaml.safe_load((ASSETS / "dashboards" / "monatsmonitor.yaml").read_text(encoding="utf-8"))
    uuids = {v["meta"]["uuid"] for v in layout["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"}
    charts = [c for c in admin.charts() if c["uuid"] in uuids]
    assert len(charts) == len(uuids) >= 5
    for chart in charts:
        res = admin.run_chart(chart)
        assert res.status == 200 and not res.error and res.rows > 0, f"{res.name}: {res.status} {res.error} {res.rows}"
    kreis = _published(superset_server, "select any_value(gebiet_name) from mart.sgb2_monatswerte where gebiet_ebene = 'kreis'")[0][0]
    by_name = {c["slice_name"]: c for c in admin.charts()}
    for indikator, title in (("sgb2_quote", "SGB-II-Quote je Monat: Sozialräume und Kreis"),
                             ("kinderarmut", "Kinderarmut je Monat: Sozialräume und Kreis")):
        res = admin.run_chart(by_name[title], keep_data=True)
        assert res.status == 200 and not res.error, res.error
        key = next(k for k in res.data[0] if k == kreis or k.endswith(f", {kreis}"))
        shown = {dt.datetime.fromtimestamp(r["monat"] / 1000, dt.UTC).date(): r[key] for r in res.data}
        published = dict(_published(superset_server, f"""
            select monat, wert from mart.sgb2_monatswerte where gebiet_ebene = 'kreis' and indikator_id = '{indikator}'"""))
        months = _published(superset_server, "select count(distinct monat) from mart.sgb2_monatswerte")[0][0]
        assert len(shown) == months > 12, (indikator, len(shown), months)
        assert set(published) <= set(shown)
        for monat, wert in published.items():
            assert shown[monat] == (pytest.approx(wert) if wert is not None else None), (indikator, monat)
        # December is the annual value
        annual = dict(_published(superset_server, f"""
            select jahr, wert from mart.sozialraum_indikatoren where gebiet_ebene = 'kreis' and indikator_id = '{indikator}'"""))
        decembers = {m.year: v for m, v in shown.items() if m.month == 12 and v is not None}
        assert decembers and all(v == pytest.approx(annual[y]) for y, v in decembers.items())


def test_roles_leitung_and_analyse(superset_server, admin):
    db_id = admin.database_id()
    leitung = superset_server.client("leitung")
    assert {d["dashboard_title"] for d in leitung.list_all("dashboard", ["dashboard_title"])} == DASHBOARD_TITLES
    assert leitung.sql(db_id, "select 1").status_code in (401, 403)
    # Leitung cannot change a chart
    chart = leitung.charts()[0]
    r = leitung.s.put(f"{superset_server.base}/api/v1/chart/{chart['id']}", json={"slice_name": "x"}, timeout=30)
    assert r.status_code in (401, 403), r.status_code
    analyse = superset_server.client("analyse")
    r = analyse.sql(db_id, "select count(*) as n from mart.sozialraum_indikatoren")
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["n"] > 0


def test_sql_lab_cannot_read_host_files(superset_server, admin):
    db_id = admin.database_id()
    for user in (admin, superset_server.client("analyse")):
        r = user.sql(db_id, "select * from read_csv('/etc/passwd')")
        assert r.status_code != 200, r.text
        assert "root:" not in r.text
        assert "file system operations are disabled" in r.text or "Permission" in r.text


def test_second_up_is_fast(superset_server):
    """`up` again (running, then stopped) skips db upgrade/init and only re-imports the bundle."""
    proc = superset_server.manage("up")
    assert "db upgrade" not in proc.stdout
    superset_server.manage("down")
    proc = superset_server.manage("up")
    assert "db upgrade" not in proc.stdout, proc.stdout
    assert superset_server.timings["up"][-1] < 180, superset_server.timings
    assert superset_server.client("admin").charts()


def test_committed_bundle_matches_generator(tmp_path):
    """superset/assets is what superset/bundle.py generates (no hand edits drifting away)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sm_bundle", REPO_ROOT / "superset" / "bundle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.generate(tmp_path / "assets")
    committed = {p.relative_to(ASSETS): yaml.safe_load(p.read_text()) for p in ASSETS.rglob("*.yaml")}
    fresh = {p.relative_to(tmp_path / "assets"): yaml.safe_load(p.read_text())
             for p in (tmp_path / "assets").rglob("*.yaml")}
    committed.pop(Path("metadata.yaml"), None)
    fresh.pop(Path("metadata.yaml"), None)
    assert committed == fresh
