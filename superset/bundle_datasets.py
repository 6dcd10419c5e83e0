"""Database and datasets of the Superset bundle, generated from the dbt YAML of the report tables.

Every dataset is a physical table of the published file (schema ``mart``): the dbt models
``dbt_project/models/reporting/rpt_*.sql`` and the catalogue seed ``indikatoren``. Columns (type,
description), verbose names, the time column and the metrics come from the models' YAML
(``columns[].meta.superset.verbose_name``, ``meta.superset.metrics`` …), nothing is restated here.

The one exception is the ``publikation`` dataset: the publication status (``mart.publikation_status``)
is written by the publisher after dbt, so no dbt model can read it; the dataset adds the formatted
status to the rows of ``mart.rpt_publikation`` (columns documented in that model's
``meta.superset.statusspalten``).
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
CATALOGUE = REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv"
CATALOGUE_YML = REPO_ROOT / "seeds" / "catalogue" / "indikatoren.yml"
SOZIALINDEX_SEED = REPO_ROOT / "seeds" / "catalogue" / "sozialindex_indikatoren.csv"
DBT_PROJECT = REPO_ROOT / "dbt_project" / "dbt_project.yml"
REPORTING = REPO_ROOT / "dbt_project" / "models" / "reporting"
NS = uuid.UUID("6f1c3a52-3a40-4f0e-9a57-5d1f0c3e9a11")
PLACEHOLDER_URI = "__SOZIALMONITOR_SERVING_URI__"
PLACEHOLDER_TEMP = "__SOZIALMONITOR_DUCKDB_TEMP__"
CATALOGUE_METRICS_MARK = "__CATALOGUE_METRICS__"
# the same for a public dataset: only the indicators the catalogue does not mark `geheimhaltung`
CATALOGUE_METRICS_PUBLIC_MARK = "__CATALOGUE_METRICS_OEFFENTLICH__"


def uid(key: str) -> str:
    return str(uuid.uuid5(NS, key))


DB_UUID = uid("database")
DS_WERTE = uid("dataset:indikatorwerte")
DS_KATALOG = uid("dataset:indikatoren_katalog")
DS_PUBLIKATION = uid("dataset:publikation")
DS_KARTE = uid("dataset:karte")
DS_SOZIALINDEX = uid("dataset:sozialindex")
DS_SOZIALINDEX_KARTE = uid("dataset:sozialindex_karte")
DS_AUSSCHLUESSE = uid("dataset:sozialindex_ausschluesse")
DS_MONAT = uid("dataset:monatswerte")
DS_OEFFENTLICH = uid("dataset:oeffentlich")
DS_MASSNAHMEN = uid("dataset:massnahmen")  # public information: no row-level security
DS_EINRICHTUNGEN = uid("dataset:einrichtungen")  # facility map layer (bundle_einrichtungen.py)
# dbt model (table in schema mart) -> dataset UUID (fixed: every import overwrites the same dataset)
DATASET_MODELS = {
    "rpt_indikatorwerte": DS_WERTE,
    "rpt_karte": DS_KARTE,
    "indikatoren": DS_KATALOG,
    "rpt_publikation": DS_PUBLIKATION,
    "rpt_sozialindex": DS_SOZIALINDEX,
    "rpt_sozialindex_karte": DS_SOZIALINDEX_KARTE,
    "rpt_sozialindex_ausschluesse": DS_AUSSCHLUESSE,
    "rpt_monatswerte": DS_MONAT,
    "rpt_oeffentlich": DS_OEFFENTLICH,
    "rpt_massnahmen": DS_MASSNAHMEN,
    "rpt_einrichtungen": DS_EINRICHTUNGEN,
}
# Datasets with one row per area (gebiet_ebene, gebiet_id): the row-level security of the Gemeinde
# roles (superset/provision.py) covers every one of them.
AREA_DATASETS = [DS_WERTE, DS_KARTE, DS_SOZIALINDEX, DS_SOZIALINDEX_KARTE, DS_AUSSCHLUESSE, DS_MONAT]
# Datasets that hold public rows only (dbt models rpt_oeffentlich: the public indicators; rpt_massnahmen: the
# measures, public information): the only datasets of the anonymous role Public and of the public dashboard; no
# row-level security needed.
PUBLIC_DATASETS = [DS_OEFFENTLICH, DS_MASSNAHMEN]

DATABASE = {
    "database_name": "Sozialraum-Monitor (veröffentlicht)",
    "sqlalchemy_uri": PLACEHOLDER_URI,
    "cache_timeout": None,
    "expose_in_sqllab": True,
    "allow_run_async": False,
    "allow_ctas": False,
    "allow_cvas": False,
    "allow_dml": False,
    "allow_file_upload": False,
    "extra": {
        # The second line behind the statement allowlist (superset/readonly_sql.py): read-only, no
        # file/network access from SQL (read_csv('/etc/passwd') must fail), settings locked after
        # connecting (no SET/PRAGMA/RESET can loosen them), no extension installed or loaded on the
        # fly, spill files in Superset's home instead of next to the served file (read-only mount).
        "engine_params": {"connect_args": {"read_only": True, "config": {
            "enable_external_access": False,
            "lock_configuration": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": PLACEHOLDER_TEMP,
        }}},
        "allows_virtual_table_explore": True,
        "disable_data_preview": False,
        "schemas_allowed_for_file_upload": [],
        "metadata_params": {},
        "metadata_cache_timeout": {},
    },
    "uuid": DB_UUID,
    "version": "1.0.0",
}

_FAMILIE = """case familie when 'genesis' then 'GENESIS' when 'melderegister' then 'Melderegister'
                                    when 'sgb2' then 'SGB II' when 'grundsicherung' then 'Grundsicherung'
                                    when 'asylblg' then 'AsylbLG' when 'wohngeld' then 'Wohngeld'
                                    when 'jugendhilfe' then 'Kinder- und Jugendhilfe'
                                    when 'gebietsstand' then 'Gebietsstand-Schlüssel' else familie end"""

# The rows of mart.rpt_publikation with the status of the published file (mart.publikation_status,
# see docs/contracts.md "Partial publication"; files without those rows show '–').
SQL_PUBLIKATION = """\
select
    p.hinweis,
    status.veroeffentlicht_am,
    status.lieferungen,
    status.veraltete_quellen,
    status.abgelehnte_lieferungen,
    status.gebietsstand,
    p.indikator_id,
    p.quelle,
    p.erstes_jahr,
    p.letztes_jahr,
    p.demodaten
from mart.rpt_publikation as p
cross join (
    select
        (select strftime(timezone('Europe/Berlin', max(veroeffentlicht_am)), '%d.%m.%Y, %H:%M Uhr')
           from mart.publikation_status where eintrag = 'publikation') as veroeffentlicht_am,
        (select count(*) || ' Lieferungen'
                || case when count(*) filter (where ist_demodaten) > 0
                        then ' (davon ' || count(*) filter (where ist_demodaten) || ' Demodaten)' else '' end
           from mart.publikation_status where eintrag = 'lieferung') as lieferungen,
        coalesce(
            (select string_agg({familie}
                               || coalesce(', Stand ' || berichtszeitraum, '')
                               || coalesce(': ' || nullif(details, ''), ''), '; ' order by familie)
               from mart.publikation_status where eintrag = 'familie' and ergebnis = 'veraltet'),
            case when (select count(*) from mart.publikation_status where eintrag = 'familie') > 0
                 then 'keine (alle Quellen aktuell)' else '–' end) as veraltete_quellen,
        coalesce(
            (select string_agg({familie} || ': ' || coalesce(datei, '(ohne Dateiname)')
                               || coalesce(' – ' || nullif(details, ''), ''), '; ' order by familie, datei)
               from mart.publikation_status where eintrag = 'abgelehnt'),
            case when (select count(*) from mart.publikation_status where eintrag = 'familie') > 0
                 then 'keine' else '–' end) as abgelehnte_lieferungen,
        coalesce((select max(berichtszeitraum) from mart.publikation_status
                  where eintrag = 'gebietsstand' and ergebnis = 'gemeinde'), '–') as gebietsstand
) as status
""".replace("{familie}", _FAMILIE)


def read_catalogue(path: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["indikator_id"]: r for r in csv.DictReader(fh) if r.get("indikator_id")}


def dbt_models() -> dict[str, dict]:
    """The YAML of the report models (and of the catalogue seed), by model name."""
    out: dict[str, dict] = {}
    for path in sorted(REPORTING.glob("*.yml")) + [CATALOGUE_YML]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in (doc.get("models") or []) + (doc.get("seeds") or []):
            out[node["name"]] = node
    return out


def _superset_meta(node: dict) -> dict:
    return (node.get("meta") or {}).get("superset") or {}


def _data_type(node: dict, col: dict) -> str:
    typ = col.get("data_type") or ((node.get("config") or {}).get("column_types") or {}).get(col["name"])
    if not typ:
        raise ValueError(f"dbt model {node['name']}: column {col['name']} has no data_type")
    return str(typ).upper()


def _column(name, type_, is_dttm, verbose, description) -> dict:
    return {"advanced_data_type": None, "column_name": name, "description": description, "expression": None,
            "extra": None, "filterable": True, "groupby": True, "is_active": True,
            "is_dttm": is_dttm, "python_date_format": None, "type": type_, "verbose_name": verbose}


def _metric(name, expression, verbose, description=None, d3format=None) -> dict:
    return {"currency": None, "d3format": d3format, "description": description, "expression": expression,
            "extra": None, "metric_name": name, "metric_type": None, "verbose_name": verbose, "warning_text": None}


def _dataset(key, table_name, sql, columns, metrics, description, main_dttm=None) -> dict:
    return {
        "always_filter_main_dttm": False, "cache_timeout": None, "catalog": None, "columns": columns,
        "database_uuid": DB_UUID, "default_endpoint": None, "description": description, "extra": None,
        "fetch_values_predicate": None, "filter_select_enabled": True, "folders": None,
        "main_dttm_col": main_dttm, "metrics": metrics, "normalize_columns": False, "offset": 0,
        "params": None, "schema": "mart", "sql": sql, "table_name": table_name, "template_params": None,
        "uuid": key, "version": "1.0.0",
    }


def _columns_of(node: dict) -> list[dict]:
    cols = []
    for col in node.get("columns") or []:
        meta = (col.get("meta") or {}).get("superset") or {}
        if "verbose_name" not in meta:
            raise ValueError(f"dbt model {node['name']}: column {col['name']} has no meta.superset.verbose_name")
        # indicator columns list the catalogue (filled in at render time from the catalogue)
        public = (_superset_meta(node).get("katalog_metriken") == "oeffentlich")
        mark = CATALOGUE_METRICS_PUBLIC_MARK if public else CATALOGUE_METRICS_MARK
        description = mark if meta.get("katalogliste") else " ".join(col["description"].split())
        cols.append(_column(col["name"], _data_type(node, col), bool(meta.get("is_dttm")), meta["verbose_name"],
                            description))
    return cols


def dataset_of(node: dict, key: str) -> dict:
    """One Superset dataset from the YAML of a dbt model (physical table mart.<model>)."""
    meta = _superset_meta(node)
    columns = _columns_of(node)
    metrics = [_metric(m["name"], m["expression"], m["verbose_name"], m.get("description"), m.get("d3format"))
               for m in meta.get("metrics") or []]
    if meta.get("katalog_metriken"):  # one metric per catalogue indicator, added at render time
        public = meta["katalog_metriken"] == "oeffentlich"  # only the public indicators
        metrics.append(_metric(CATALOGUE_METRICS_PUBLIC_MARK if public else CATALOGUE_METRICS_MARK, "", ""))
    table_name, sql = node["name"], None
    if meta.get("statusspalten"):  # rpt_publikation: plus the status of the published file
        status = [_column(c["name"], c["data_type"].upper(), False, c["verbose_name"], " ".join(c["description"].split()))
                  for c in meta["statusspalten"]]
        columns = columns[:1] + status + columns[1:]
        table_name, sql = meta.get("dataset", node["name"]), SQL_PUBLIKATION
    return _dataset(key, table_name, sql, columns, metrics, " ".join(node["description"].split()),
                    main_dttm=meta.get("main_dttm"))


def datasets() -> dict[str, dict]:
    """Dataset YAML by table name (file name in the bundle)."""
    nodes = dbt_models()
    missing = set(DATASET_MODELS) - set(nodes)
    if missing:
        raise ValueError(f"no dbt YAML for the dataset models {sorted(missing)}")
    out = {}
    for model, key in DATASET_MODELS.items():
        ds = dataset_of(nodes[model], key)
        out[ds["table_name"]] = ds
    return out


def _fmt(einheit: str) -> str:
    return ",.0f" if (einheit or "").strip().lower() == "anzahl" else ",.1f"


def _unit_suffix(einheit: str) -> str:
    e = (einheit or "").strip()
    return "" if not e or e.lower() == "anzahl" else f" ({e})"


def is_public(row: dict[str, str] | None) -> bool:
    """A catalogue row of data class 'oeffentlich' (dbt macro datenklasse): `geheimhaltung` false; an
    indicator the catalogue does not know is confidential."""
    return bool(row) and (row.get("geheimhaltung") or "").strip().lower() == "false"


def catalogue_metrics(cat: dict[str, dict[str, str]], indicators: list[str]) -> list[dict]:
    """One metric per indicator (the dashboards' indicators first, then the catalogue's)."""
    metrics = []
    for ind in list(dict.fromkeys(indicators + list(cat))):
        row = cat.get(ind, {})
        name = row.get("name") or ind
        parts = [row.get("definition", "").strip() or "(nicht im Katalog)"]
        for label, col in (("Zähler", "zaehler"), ("Nenner", "nenner"), ("Einheit", "einheit"),
                           ("Stichtagsregel", "stichtagsregel"), ("Quelle", "quelle")):
            if row.get(col):
                parts.append(f"{label}: {row[col].strip()}")
        pol = {"1": "mehr ist besser", "+1": "mehr ist besser", "-1": "mehr ist schlechter", "0": "neutral"}
        if row.get("polaritaet", "").strip() in pol:
            parts.append(f"Polarität: {pol[row['polaritaet'].strip()]}")
        metrics.append(_metric(ind, f"MAX(CASE WHEN indikator_id = '{ind}' THEN wert END)",
                               f"{name}{_unit_suffix(row.get('einheit', ''))}", ". ".join(parts),
                               _fmt(row.get("einheit", ""))))
    return metrics


# --------------------------------------------------------------------------------------------
# Sozialindex configuration (seed and dbt vars): charts and the method text use it
# --------------------------------------------------------------------------------------------
STATUS_KLASSEN = ["hoch", "mittel", "niedrig", "sehr niedrig"]   # statusklasse_nr 1..4
DYNAMIK_KLASSEN = ["positiv", "stabil", "negativ"]                # dynamikklasse_nr 1..3


def sozialindex_config() -> dict:
    """Index indicators (seed, einbezogen = true, in their order) and the dbt vars of the method."""
    with SOZIALINDEX_SEED.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("einbezogen", "").strip().lower() == "true"]
    rows.sort(key=lambda r: int(r.get("reihenfolge") or 0))
    cat = read_catalogue()
    dbt_vars = (yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8")) or {}).get("vars") or {}
    return {
        "indikatoren": [(r["indikator_id"], cat.get(r["indikator_id"], {}).get("name") or r["indikator_id"])
                        for r in rows],
        "ebene": dbt_vars.get("sozialindex_bezugsebene", "gemeinde"),
        "min_einwohner": dbt_vars.get("sozialindex_min_einwohner", 300),
        "jahre": dbt_vars.get("sozialindex_dynamik_jahre", 2),
        "hoch": float(dbt_vars.get("sozialindex_status_grenze_hoch", -1.0)),
        "niedrig": float(dbt_vars.get("sozialindex_status_grenze_niedrig", 1.0)),
        "sehr_niedrig": float(dbt_vars.get("sozialindex_status_grenze_sehr_niedrig", 1.5)),
        "positiv": float(dbt_vars.get("sozialindex_dynamik_grenze_positiv", -1.0)),
        "negativ": float(dbt_vars.get("sozialindex_dynamik_grenze_negativ", 1.0)),
    }
