"""The reporting layer (dbt models rpt_*, schema mart) of the demo build: published with the mart,
read by Superset as physical tables whose columns match the dbt YAML, and documented consumers
(exposures) for every dashboard, the profiles and the open-data export."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
REPORTING = REPO_ROOT / "dbt_project" / "models" / "reporting"
ASSETS = REPO_ROOT / "superset" / "assets"


def _bundle():
    spec = importlib.util.spec_from_file_location("bundle_for_reporting", REPO_ROOT / "superset" / "bundle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _models() -> dict[str, dict]:
    out = {}
    for path in REPORTING.glob("rpt_*.yml"):
        for node in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            out[node["name"]] = node
    return out


@pytest.fixture(scope="module")
def published(demo_build):
    con = duckdb.connect(str(demo_build.published), read_only=True)
    yield con
    con.close()


def _columns(con, table: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'mart' "
        "and table_name = ? order by ordinal_position", [table]).fetchall()]


def test_every_report_model_is_published_with_its_contract(published):
    """Each rpt model is a table of the published mart with exactly the columns and types of its YAML
    contract, every column documented, and it is not empty in the demo build."""
    models = _models()
    assert len(models) >= 6, sorted(models)
    sql_files = {p.stem for p in REPORTING.glob("rpt_*.sql")}
    assert sql_files == set(models), "every rpt model has its YAML (and the other way round)"
    for name, node in models.items():
        assert node["config"]["contract"]["enforced"] is True, name
        declared = [(c["name"], c["data_type"].upper()) for c in node["columns"]]
        assert all(c.get("description", "").strip() for c in node["columns"]), f"{name}: undocumented column"
        assert _columns(published, name) == declared, name
        assert published.execute(f"select count(*) from mart.{name}").fetchone()[0] > 0, name


def test_superset_datasets_are_the_published_tables(published):
    """The bundle's datasets name existing tables of the published file, with the same columns and types
    (the physical ones without SQL); the one virtual dataset runs on the published file."""
    datasets = _bundle().datasets()
    physical = {n: d for n, d in datasets.items() if not d["sql"]}
    assert {d["table_name"] for d in physical.values()} >= {
        "rpt_indikatorwerte", "rpt_karte", "rpt_sozialindex", "rpt_sozialindex_karte", "rpt_sozialindex_ausschluesse",
        "indikatoren"}
    for ds in physical.values():
        assert ds["schema"] == "mart"
        assert [(c["column_name"], c["type"]) for c in ds["columns"]] == _columns(published, ds["table_name"]), \
            ds["table_name"]
    virtual = [d for d in datasets.values() if d["sql"]]
    assert [d["table_name"] for d in virtual] == ["publikation"]
    cur = published.execute(virtual[0]["sql"])
    assert [d[0] for d in cur.description] == [c["column_name"] for c in virtual[0]["columns"]]
    assert cur.fetchall(), "the publication dataset is empty"


def test_exposures_name_every_dashboard_and_the_tables_it_reads(published):
    """One exposure per dashboard of the bundle (plus profiles and export); each lists the tables its
    charts read, and every table it lists is in the published file."""
    exposures = {e["name"]: e for e in yaml.safe_load((REPORTING / "exposures.yml").read_text())["exposures"]}
    assert {"sozialraumprofile", "open_data_export"} <= set(exposures)
    datasets = {d["uuid"]: d for d in _bundle().datasets().values()}
    tables = {r[0] for r in published.execute(
        "select table_name from information_schema.tables where table_schema = 'mart'").fetchall()}
    charts = {c["uuid"]: c for c in (yaml.safe_load(p.read_text()) for p in (ASSETS / "charts").glob("*.yaml"))}
    dashboards = [yaml.safe_load(p.read_text()) for p in (ASSETS / "dashboards").glob("*.yaml")]
    assert len(dashboards) == 7  # five yearly dashboards, the Monatsmonitor and the public dashboard
    for dash in dashboards:
        key = dash["slug"].removeprefix("sozialmonitor-")
        exp = exposures[f"superset_{key}"]
        assert exp["type"] == "dashboard" and exp["url"].endswith(f"/{dash['slug']}/"), key
        refs = {r.removeprefix("ref('").removesuffix("')") for r in exp["depends_on"]}
        read = set()
        for item in dash["position"].values():
            if isinstance(item, dict) and item.get("type") == "CHART":
                ds = datasets[charts[item["meta"]["uuid"]]["dataset_uuid"]]
                read.add("rpt_publikation" if ds["table_name"] == "publikation" else ds["table_name"])
                for layer in charts[item["meta"]["uuid"]]["params"].get("annotation_layers") or []:
                    if layer.get("sourceType") == "table":  # chart UUID until provisioning (bundle_massnahmen.py)
                        read.add(datasets[charts[layer["value"]]["dataset_uuid"]]["table_name"])
        assert read == refs, f"{key}: charts read {sorted(read)}, exposure lists {sorted(refs)}"
    for exp in exposures.values():
        for ref in exp["depends_on"]:
            assert ref.removeprefix("ref('").removesuffix("')") in tables, (exp["name"], ref)


def test_indicator_values_carry_kreis_land_and_bund(published):
    """rpt_indikatorwerte: one row per row of mart.sozialraum_indikatoren; the Kreis value is the Kreis
    row of the same indicator and year, the deviation is value minus Kreis value."""
    n_mart, n_rpt = published.execute("""select (select count(*) from mart.sozialraum_indikatoren),
                                                (select count(*) from mart.rpt_indikatorwerte)""").fetchone()
    assert n_mart == n_rpt > 0
    falsch, geprueft = published.execute("""
        select count(*) filter (where r.kreis_wert is distinct from k.wert
                                   or r.abweichung_kreis is distinct from r.wert - k.wert),
               count(*) filter (where k.wert is not null and r.wert is not null)
        from mart.rpt_indikatorwerte as r
        left join mart.sozialraum_indikatoren as k
            on k.gebiet_ebene = 'kreis' and k.gebiet_id = r.kreis_ags and k.jahr = r.jahr
           and k.indikator_id = r.indikator_id
        where r.gebiet_ebene in ('gemeinde', 'sozialraum')""").fetchone()
    assert falsch == 0 and geprueft > 0


def test_sozialindex_matrix_has_every_cell_and_every_area(published):
    """rpt_sozialindex: the areas of mart.sozialindex once each, plus 12 empty cells per year."""
    jahre, areas = published.execute(
        "select count(distinct jahr), count(*) from mart.sozialindex").fetchone()
    rows, leer, zellen = published.execute("""
        select count(*) filter (where gebiet_id is not null), count(*) filter (where gebiet_id is null),
               count(distinct (jahr, status, dynamik)) filter (where gebiet_id is null)
        from mart.rpt_sozialindex""").fetchone()
    assert rows == areas > 0 and leer == zellen == 12 * jahre
