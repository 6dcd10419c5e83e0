"""The Superset asset bundle of the Sozialraum-Monitor: written, rendered, imported.

The bundle holds layout only: the datasets are the physical report tables of the published file
(dbt models ``dbt_project/models/reporting/rpt_*``, schema ``mart``) whose columns, descriptions,
verbose names and metrics are read from the models' dbt YAML (``bundle_datasets.py``); the charts
(``bundle_charts.py``) and dashboards (``bundle_dashboards.py``) are defined here in Python.

Two steps, both plain Python (runs in either virtual environment, needs only PyYAML):

``python superset/bundle.py generate``
    Writes the committed bundle ``superset/assets/`` (metadata.yaml, databases/, datasets/, charts/,
    dashboards/). Run it after changing a chart, a dashboard or the YAML of a report model and commit
    the bundle; the YAML is what gets imported, reviewed and diffed.

``python superset/bundle.py render OUT_DIR``   (done by ``manage.sh up`` / ``provision``)
    Copies ``superset/assets/`` to ``OUT_DIR/sozialmonitor/`` and fills in what is only known
    on the machine at provisioning time:
      * the database URI of the serving copy ``OUT/serving/sozialmonitor.duckdb`` (``SOZIALMONITOR_OUT``,
        default ``var/out``) and DuckDB's temp directory inside Superset's home,
      * from the indicator catalogue (``seeds/catalogue/indikatoren.csv``): one metric per
        indicator (name, definition, Zähler, Nenner, Einheit, Quelle as description, number
        format from the unit) and the descriptions of the indicator columns,
      * the default of each dashboard's ``Indikator`` filter (the catalogue name).

Objects are linked by fixed UUIDs (uuid5 of a readable key), so every import overwrites the
same objects instead of adding new ones.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid  # noqa: F401 - provision.py uses bundle.uuid
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the parts below live beside this file (also when loaded by path)
    sys.path.insert(0, str(HERE))

from bundle_charts import ALL_INDICATORS, Chart  # noqa: E402,F401
from bundle_dashboards import Dashboard, build, dashboard_export  # noqa: E402,F401
from bundle_datasets import (  # noqa: E402,F401
    AREA_DATASETS,
    CATALOGUE,
    CATALOGUE_METRICS_MARK,
    CATALOGUE_METRICS_PUBLIC_MARK,
    DATABASE,
    DB_UUID,
    PLACEHOLDER_TEMP,
    PUBLIC_DATASETS,
    REPO_ROOT,
    SQL_PUBLIKATION,
    catalogue_metrics,
    datasets,
    is_public,
    read_catalogue,
    sozialindex_config,
    uid,
)

ASSETS = HERE / "assets"
BUNDLE_NAME = "sozialmonitor"


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None  # multi-line SQL/markdown stays readable
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def _dump(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(obj, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110),
                    encoding="utf-8")


def _filename(name: str) -> str:
    keep = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in name)
    return "_".join(p for p in keep.split("_") if p)


def generate(out: Path = ASSETS) -> None:
    """Write the committed bundle (superset/assets) from the dbt YAML and the layout of the charts and dashboards."""
    charts, dashboards = build()
    if out.exists():
        shutil.rmtree(out)
    _dump(out / "metadata.yaml", {"version": "1.0.0", "type": "assets", "timestamp": "2026-11-27T00:00:00+00:00"})
    _dump(out / "databases" / "Sozialraum_Monitor.yaml", DATABASE)
    for name, ds in datasets().items():
        _dump(out / "datasets" / "Sozialraum_Monitor" / f"{name}.yaml", ds)
    chart_ids = {c.key: 1000 + n for n, c in enumerate(charts)}
    for c in charts:
        _dump(out / "charts" / f"{_filename(c.key)}.yaml", c.export())
    for d in dashboards:
        _dump(out / "dashboards" / f"{_filename(d.key)}.yaml", dashboard_export(d, chart_ids))


# --------------------------------------------------------------------------------------------
# Rendering at provisioning time
# --------------------------------------------------------------------------------------------
def out_dir() -> Path:
    return Path(os.environ.get("SOZIALMONITOR_OUT") or REPO_ROOT / "var" / "out").resolve()


def serving_path() -> Path:
    """The copy Superset serves (``Paths.serving`` of orchestration/settings.py): same bytes as
    ``OUT/published/sozialmonitor.duckdb``, written by the publisher, read-only for Superset."""
    return out_dir() / "serving" / "sozialmonitor.duckdb"


def duckdb_temp_dir(superset_home: Path) -> Path:
    return superset_home / "duckdb_tmp"


def published_names(published: Path) -> dict[str, str]:
    """Indicator names as the published file has them (the values the Indikator filter offers)."""
    if not published.exists():
        return {}
    try:
        import duckdb

        con = duckdb.connect(str(published), read_only=True, config={"enable_external_access": False})
        try:
            return dict(con.execute("select indikator_id, name from mart.indikatoren").fetchall())
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - a missing/locked file only costs the filter default
        return {}




def render(target_root: Path, catalogue: Path = CATALOGUE, published: Path | None = None,
           temp_dir: Path | None = None) -> Path:
    """Copy the committed bundle to target_root/sozialmonitor and fill in machine/catalogue parts.

    published: the file Superset connects to (default: the serving copy); temp_dir: DuckDB's
    temp directory for Superset's connections (default: SUPERSET_HOME/duckdb_tmp, i.e. next to
    SOZIALMONITOR_SUPERSET_HOME)."""
    published = published or serving_path()
    temp_dir = temp_dir or duckdb_temp_dir(Path(
        os.environ.get("SOZIALMONITOR_SUPERSET_HOME") or REPO_ROOT / "var" / "superset").resolve())
    cat = read_catalogue(catalogue)
    target = target_root / BUNDLE_NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ASSETS, target)

    db_file = next((target / "databases").glob("*.yaml"))
    db = yaml.safe_load(db_file.read_text(encoding="utf-8"))
    db["sqlalchemy_uri"] = f"duckdb:///{published}"
    config = db["extra"]["engine_params"]["connect_args"]["config"]
    if config.get("temp_directory") == PLACEHOLDER_TEMP:
        config["temp_directory"] = str(temp_dir)
    _dump(db_file, db)

    cat_metrics = catalogue_metrics(cat, ALL_INDICATORS)
    public_cat = {i: row for i, row in cat.items() if is_public(row)}
    public_metrics = catalogue_metrics(public_cat, [i for i in ALL_INDICATORS if i in public_cat])
    names = {i: (cat.get(i, {}).get("name") or i) for i in set(ALL_INDICATORS) | set(cat)}
    names.update({k: v for k, v in published_names(published).items() if v})
    listing = "; ".join(f"{i} = {names[i]}" for i in sorted(names))
    public_listing = "; ".join(f"{i} = {names[i]}" for i in sorted(names) if i in public_cat)
    for ds_file in (target / "datasets").rglob("*.yaml"):
        ds = yaml.safe_load(ds_file.read_text(encoding="utf-8"))
        out_metrics = []
        for m in ds.get("metrics") or []:
            marks = {CATALOGUE_METRICS_MARK: cat_metrics, CATALOGUE_METRICS_PUBLIC_MARK: public_metrics}
            out_metrics.extend(marks.get(m["metric_name"], [m]))
        ds["metrics"] = out_metrics
        for col in ds.get("columns") or []:
            if col.get("description") == CATALOGUE_METRICS_MARK:
                col["description"] = f"Indikatoren laut Katalog: {listing}"
            elif col.get("description") == CATALOGUE_METRICS_PUBLIC_MARK:
                col["description"] = f"Öffentliche Indikatoren laut Katalog: {public_listing}"
        _dump(ds_file, ds)

    for dash_file in (target / "dashboards").glob("*.yaml"):
        text = dash_file.read_text(encoding="utf-8")
        dash = yaml.safe_load(text)
        for f in dash["metadata"]["native_filter_configuration"]:
            mask = f.get("defaultDataMask", {})
            vals = mask.get("filterState", {}).get("value") or []
            if vals and isinstance(vals[0], str) and vals[0].startswith("__INDICATOR_NAME__:"):
                name = names.get(vals[0].split(":", 1)[1], vals[0].split(":", 1)[1])
                mask["filterState"] = {"value": [name], "label": name}
                mask["extraFormData"] = {"filters": [{"col": "indikator", "op": "IN", "val": [name]}]}
        _dump(dash_file, dash)
    return target


def zip_bundle(bundle_dir: Path, zip_path: Path) -> Path:
    """The zip layout Superset's assets import expects: one top-level folder."""
    import zipfile

    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(bundle_dir.rglob("*.yaml")):
            zf.write(p, f"{bundle_dir.name}/{p.relative_to(bundle_dir)}")
    return zip_path


def main(argv: list[str]) -> int:
    if argv[:1] == ["generate"]:
        generate()
        print(f"bundle written to {ASSETS}")
        return 0
    if argv[:1] == ["render"] and len(argv) == 2:
        print(render(Path(argv[1])))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
