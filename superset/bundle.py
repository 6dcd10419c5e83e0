"""The Superset asset bundle of the Sozialraum-Monitor: written, rendered, imported.

Two steps, both plain Python (runs in either virtual environment, needs only PyYAML):

``python superset/bundle.py generate``
    Writes the committed bundle ``superset/assets/`` (metadata.yaml, databases/, datasets/, charts/,
    dashboards/) from the definitions in this file. Run it after changing a chart or a dashboard
    and commit the YAML; the YAML is what gets imported, reviewed and diffed.

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

import csv
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
ASSETS = HERE / "assets"
CATALOGUE = REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv"
SOZIALINDEX_SEED = REPO_ROOT / "seeds" / "catalogue" / "sozialindex_indikatoren.csv"
DBT_PROJECT = REPO_ROOT / "dbt_project" / "dbt_project.yml"
BUNDLE_NAME = "sozialmonitor"
NS = uuid.UUID("6f1c3a52-3a40-4f0e-9a57-5d1f0c3e9a11")
PLACEHOLDER_URI = "__SOZIALMONITOR_SERVING_URI__"
PLACEHOLDER_TEMP = "__SOZIALMONITOR_DUCKDB_TEMP__"
CATALOGUE_METRICS_MARK = "__CATALOGUE_METRICS__"


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
# Datasets with one row per area (gebiet_ebene, gebiet_id): the row-level security of the Gemeinde
# roles (superset/provision.py) covers every one of them.
AREA_DATASETS = [DS_WERTE, DS_KARTE, DS_SOZIALINDEX, DS_SOZIALINDEX_KARTE, DS_AUSSCHLUESSE]

# --------------------------------------------------------------------------------------------
# Indicator groups of the dashboards
# --------------------------------------------------------------------------------------------
HEADLINE = ["bevoelkerung", "sgb2_quote", "kinderarmut", "hze_eckwert", "arbeitslosenanteil"]
HEADLINE_TITLES = {"bevoelkerung": "Bevölkerung", "sgb2_quote": "SGB-II-Quote", "kinderarmut": "Kinderarmut",
                   "hze_eckwert": "HzE-Eckwert", "arbeitslosenanteil": "Arbeitslosenanteil"}
KEY_INDICATORS = ["bevoelkerung", "anteil_unter_18", "anteil_65_plus", "sgb2_quote", "kinderarmut",
                  "arbeitslosenanteil", "hze_eckwert"]
THEMES = {
    "armut": ("Armut & SGB II", ["sgb2_quote", "kinderarmut", "alleinerziehende_bg_anteil", "altersarmut"]),
    "arbeitsmarkt": ("Arbeitsmarkt", ["arbeitslosenanteil", "juengere_arbeitslose", "aeltere_arbeitslose",
                                      "langzeitarbeitslosenanteil", "beschaeftigtenquote"]),
    "jugend": ("Kinder, Jugend & Familie", [
        "hze_eckwert", "hze_ambulant_eckwert", "hze_stationaer_eckwert", "erziehungsberatung_eckwert",
        "eingliederungshilfe_35a_eckwert", "junge_volljaehrige_eckwert", "inobhutnahmen_je_1000_u18",
        "gefaehrdungseinschaetzungen_je_1000_u18", "anteil_akute_latente_gefaehrdung"]),
    "demografie": ("Demografie", ["bevoelkerung", "anteil_unter_18", "anteil_65_plus", "jugendquotient",
                                  "altenquotient", "wanderungssaldo_je_1000"]),
}
ALL_INDICATORS = list(dict.fromkeys(HEADLINE + [i for _, ids in THEMES.values() for i in ids]))
DEFAULT_INDICATOR = {"ueberblick": "sgb2_quote", "armut": "sgb2_quote", "arbeitsmarkt": "arbeitslosenanteil",
                     "jugend": "hze_eckwert", "demografie": "anteil_65_plus"}

# --------------------------------------------------------------------------------------------
# Database and datasets
# --------------------------------------------------------------------------------------------
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

# dim_gebiet may hold several polygons per area (exploded MultiPolygons): the sub-select keeps one
# row per area, so no value is counted twice.
SQL_WERTE = """\
select
    w.gebiet_ebene,
    w.gebiet_id,
    w.gebiet_name,
    w.kreis_ags,
    w.sozialraum_id,
    coalesce(g.sozialraum_name, case when w.gebiet_ebene = 'sozialraum' then w.gebiet_name end)
        as sozialraum_name,
    case when w.gebiet_ebene = 'gemeinde' then w.gebiet_name end as gemeinde,
    w.jahr,
    make_date(w.jahr, 12, 31) as zeitpunkt,
    w.indikator_id,
    coalesce(i.name, w.indikator_id) as indikator,
    i.thema,
    w.einheit,
    w.wert,
    w.zaehler,
    w.nenner,
    w.ist_unterdrueckt,
    w.quelle,
    w.nenner_quelle,
    w.ist_demodaten,
    k.wert as kreis_wert,
    w.wert - k.wert as abweichung_kreis,
    l.wert as land_wert,
    b.wert as bund_wert,
    w.ist_umgeschluesselt
from mart.sozialraum_indikatoren as w
left join (
    select gebiet_ebene, gebiet_id, max(sozialraum_name) as sozialraum_name
    from mart.dim_gebiet group by gebiet_ebene, gebiet_id
) as g
    on g.gebiet_ebene = w.gebiet_ebene and g.gebiet_id = w.gebiet_id
left join mart.indikatoren as i
    on i.indikator_id = w.indikator_id
left join mart.sozialraum_indikatoren as k
    on k.gebiet_ebene = 'kreis' and k.gebiet_id = w.kreis_ags
   and k.jahr = w.jahr and k.indikator_id = w.indikator_id
-- comparison rows (official rows of the region's Land and of Germany, same indicator and year)
left join mart.sozialraum_indikatoren as l
    on l.gebiet_ebene = 'land' and l.gebiet_id = left(coalesce(w.kreis_ags, w.gebiet_id), 2)
   and l.jahr = w.jahr and l.indikator_id = w.indikator_id
left join mart.sozialraum_indikatoren as b
    on b.gebiet_ebene = 'bund' and b.jahr = w.jahr and b.indikator_id = w.indikator_id
"""

# One row per polygon of an area (WGS84 GeoJSON, single polygons) with the area's values.
SQL_KARTE = """\
select v.*, g.geojson
from (
{werte}
) as v
join mart.dim_gebiet as g
    on g.gebiet_ebene = v.gebiet_ebene and g.gebiet_id = v.gebiet_id
where g.geojson is not null
"""

# One row per indicator in the mart: its catalogue source and years, plus the publication status
# (Datenstand, deliveries, stale families and refused deliveries from mart.publikation_status, see
# docs/contracts.md "Partial publication"; files without those rows show '–') and the global demo
# flag. The info chart of each dashboard aggregates the rows of its indicators (sources, years).
SQL_PUBLIKATION = """\
select
    case when demo.demodaten
         then '⚠ DEMODATEN – synthetische Lieferungen, keine amtlichen Werte'
         else 'Amtliche Lieferungen' end as hinweis,
    status.veroeffentlicht_am,
    status.lieferungen,
    status.veraltete_quellen,
    status.abgelehnte_lieferungen,
    status.gebietsstand,
    s.indikator_id,
    coalesce(i.quelle, s.indikator_id) as quelle,
    s.erstes_jahr,
    s.letztes_jahr,
    demo.demodaten
from (
    select indikator_id, min(jahr) as erstes_jahr, max(jahr) as letztes_jahr
    from mart.sozialraum_indikatoren group by indikator_id
) as s
left join mart.indikatoren as i on i.indikator_id = s.indikator_id
cross join (
    select coalesce(bool_or(ist_demodaten), false) as demodaten from mart.sozialraum_indikatoren
) as demo
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
""".replace("{familie}", """case familie when 'genesis' then 'GENESIS' when 'melderegister' then 'Melderegister'
                                    when 'sgb2' then 'SGB II' when 'grundsicherung' then 'Grundsicherung'
                                    when 'jugendhilfe' then 'Kinder- und Jugendhilfe'
                                    when 'gebietsstand' then 'Gebietsstand-Schlüssel' else familie end""")

COLUMNS_WERTE = [
    # name, type, is_dttm, verbose name, description
    ("gebiet_ebene", "VARCHAR", False, "Gebietsebene",
     "gemeinde, sozialraum, kreis; land und bund als Vergleich (amtliche Zeilen)"),
    ("gebiet_id", "VARCHAR", False, "Gebiets-ID",
     "AGS der Gemeinde (8-stellig), Sozialraum-ID oder AGS des Kreises (5-stellig)"),
    ("gebiet_name", "VARCHAR", False, "Gebiet", "Name der Gemeinde, des Sozialraums oder des Kreises"),
    ("kreis_ags", "VARCHAR", False, "Kreis-AGS", "Amtlicher Gemeindeschlüssel des Kreises"),
    ("sozialraum_id", "VARCHAR", False, "Sozialraum-ID", "leer bei Kreiszeilen"),
    ("sozialraum_name", "VARCHAR", False, "Sozialraum",
     "Sozialraum der Gemeinde bzw. Name des Sozialraums; leer bei Kreiszeilen"),
    ("gemeinde", "VARCHAR", False, "Gemeinde", "Name der Gemeinde (nur Gemeindezeilen)"),
    ("jahr", "INTEGER", False, "Jahr", "Berichtsjahr"),
    ("zeitpunkt", "DATE", True, "Zeitpunkt", "31.12. des Berichtsjahres (Zeitachse)"),
    ("indikator_id", "VARCHAR", False, "Indikator-ID", CATALOGUE_METRICS_MARK),
    ("indikator", "VARCHAR", False, "Indikator", CATALOGUE_METRICS_MARK),
    ("thema", "VARCHAR", False, "Thema", "Thema des Indikators laut Katalog"),
    ("einheit", "VARCHAR", False, "Einheit", "% | je 100 | je 1.000 | Anzahl"),
    ("wert", "DOUBLE", False, "Wert",
     "Indikatorwert = Zähler / Nenner × Faktor; Aggregate: Σ Zähler / Σ Nenner × Faktor; "
     "leer, wenn geheimhaltungsbedingt unterdrückt"),
    ("zaehler", "DOUBLE", False, "Zähler", "Zähler des Indikators"),
    ("nenner", "DOUBLE", False, "Nenner", "Nenner des Indikators"),
    ("ist_unterdrueckt", "BOOLEAN", False, "unterdrückt",
     "Wert aus Geheimhaltungsgründen unterdrückt (nie als 0 dargestellt)"),
    ("quelle", "VARCHAR", False, "Quelle", "Tabelle/Lieferung des Zählers; enthält 'Demodaten' bei synthetischen Daten"),
    ("nenner_quelle", "VARCHAR", False, "Quelle des Nenners", "Tabelle/Lieferung und Stichtag des Nenners"),
    ("ist_demodaten", "BOOLEAN", False, "Demodaten", "Zeile beruht auf synthetischen Demolieferungen"),
    ("kreis_wert", "DOUBLE", False, "Kreiswert", "Wert desselben Indikators im Kreis im selben Jahr"),
    ("abweichung_kreis", "DOUBLE", False, "Abweichung vom Kreis", "Wert minus Kreiswert (Prozentpunkte bzw. Einheiten)"),
    ("land_wert", "DOUBLE", False, "Landeswert",
     "Wert desselben Indikators im Bundesland im selben Jahr (amtliche Landeszeile, nicht Summe der Gemeinden)"),
    ("bund_wert", "DOUBLE", False, "Bundeswert", "Wert desselben Indikators in Deutschland im selben Jahr (amtlich)"),
    ("ist_umgeschluesselt", "BOOLEAN", False, "umgeschlüsselt",
     "Wert auf den Gebietsstand der Veröffentlichung umgerechnet (Gebiet bestand damals nicht in heutiger Form)"),
]
COLUMNS_KARTE = COLUMNS_WERTE + [
    ("geojson", "VARCHAR", False, "Geometrie",
     "Polygon des Gebiets als GeoJSON (WGS84; MultiPolygone in Einzelpolygone zerlegt, je Polygon eine Zeile)"),
]
COLUMNS_KATALOG = [
    ("indikator_id", "VARCHAR", "Indikator-ID", "Schlüssel des Indikators"),
    ("name", "VARCHAR", "Indikator", "Name des Indikators"),
    ("definition", "VARCHAR", "Definition", "Fachliche Definition"),
    ("zaehler", "VARCHAR", "Zähler", "Zählergröße"),
    ("nenner", "VARCHAR", "Nenner", "Nennergröße (Bezugsbevölkerung)"),
    ("einheit", "VARCHAR", "Einheit", "% | je 100 | je 1.000 | Anzahl"),
    ("faktor", "INTEGER", "Faktor", "100 | 1000 | 1"),
    ("stichtagsregel", "VARCHAR", "Stichtagsregel", "Welcher Stichtag des Nenners zum Zähler gehört"),
    ("polaritaet", "INTEGER", "Polarität", "+1 mehr ist besser, -1 mehr ist schlechter, 0 neutral"),
    ("quelle", "VARCHAR", "Quelle", "Datenquelle"),
    ("thema", "VARCHAR", "Thema", "Themenbereich"),
]
COLUMNS_PUBLIKATION = [
    ("hinweis", "VARCHAR", "Hinweis", "Demodaten-Hinweis, solange synthetische Lieferungen im Mart sind"),
    ("veroeffentlicht_am", "VARCHAR", "Datenstand (veröffentlicht am)",
     "Zeitpunkt der Veröffentlichung (mart.publikation_status)"),
    ("lieferungen", "VARCHAR", "Lieferungen", "Veröffentlichte Lieferungen laut mart.publikation_status"),
    ("veraltete_quellen", "VARCHAR", "Veraltete Quellen",
     "Quellfamilien auf altem Stand, weil eine neuere Lieferung abgelehnt wurde (mart.publikation_status, "
     "eintrag = 'familie', ergebnis = 'veraltet'): Familie, jüngster angenommener Berichtszeitraum, Details; "
     "'–', wenn die Datei noch keine Familienzeilen führt"),
    ("abgelehnte_lieferungen", "VARCHAR", "Abgelehnte Lieferungen",
     "Abgelehnte Lieferungen, die ihre Familie veralten lassen (mart.publikation_status, eintrag = 'abgelehnt'): "
     "Familie, Datei, Grund"),
    ("gebietsstand", "VARCHAR", "Gebietsstand",
     "Gebietsstand, auf den alle Jahre umgerechnet sind (mart.gebietsstand / publikation_status, z. B. "
     "„Gebietsstand 31.12.2020“)"),
    ("indikator_id", "VARCHAR", "Indikator-ID", "Indikator im Mart"),
    ("quelle", "VARCHAR", "Quelle", "Quelle des Indikators laut Katalog"),
    ("erstes_jahr", "INTEGER", "erstes Jahr", "Erstes Berichtsjahr des Indikators im Mart"),
    ("letztes_jahr", "INTEGER", "letztes Jahr", "Jüngstes Berichtsjahr des Indikators im Mart"),
    ("demodaten", "BOOLEAN", "Demodaten", "Wahr, solange synthetische Lieferungen im Mart sind"),
]


def _column(name, type_, is_dttm, verbose, description) -> dict:
    return {"advanced_data_type": None, "column_name": name, "description": description, "expression": None,
            "extra": None, "filterable": True, "groupby": True, "is_active": True,
            "is_dttm": is_dttm, "python_date_format": None, "type": type_, "verbose_name": verbose}


def _metric(name, expression, verbose, description=None, d3format=None) -> dict:
    return {"currency": None, "d3format": d3format, "description": description, "expression": expression,
            "extra": None, "metric_name": name, "metric_type": None, "verbose_name": verbose, "warning_text": None}


def _dataset(key, table_name, sql, schema, columns, metrics, description, main_dttm=None) -> dict:
    return {
        "always_filter_main_dttm": False, "cache_timeout": None, "catalog": None, "columns": columns,
        "database_uuid": DB_UUID, "default_endpoint": None, "description": description, "extra": None,
        "fetch_values_predicate": None, "filter_select_enabled": True, "folders": None,
        "main_dttm_col": main_dttm, "metrics": metrics, "normalize_columns": False, "offset": 0,
        "params": None, "schema": schema, "sql": sql, "table_name": table_name, "template_params": None,
        "uuid": key, "version": "1.0.0",
    }


def datasets() -> dict[str, dict]:
    werte = _dataset(
        DS_WERTE, "indikatorwerte", SQL_WERTE, "mart",
        [_column(*c) for c in COLUMNS_WERTE],
        [_metric("wert", "MAX(wert)", "Wert", "Indikatorwert (je Gebiet, Jahr und Indikator genau eine Zeile)", ",.1f"),
         _metric("kreiswert", "MAX(kreis_wert)", "Kreiswert", "Wert des Kreises im selben Jahr", ",.1f"),
         _metric("abweichung_kreis", "MAX(abweichung_kreis)", "Abweichung vom Kreis",
                 "Wert minus Kreiswert", "+,.1f"),
         _metric("landeswert", "MAX(land_wert)", "Land", "Wert des Bundeslandes im selben Jahr (amtlich)", ",.1f"),
         _metric("bundeswert", "MAX(bund_wert)", "Bund", "Wert Deutschlands im selben Jahr (amtlich)", ",.1f"),
         _metric("zaehler", "SUM(zaehler)", "Σ Zähler", "Summe der Zähler", ",.0f"),
         _metric("nenner", "SUM(nenner)", "Σ Nenner", "Summe der Nenner", ",.0f"),
         _metric("count", "COUNT(*)", "Anzahl Zeilen", None, ",d"),
         _metric(CATALOGUE_METRICS_MARK, "", "")],
        "Indikatorwerte je Gebiet (Gemeinde, Sozialraum, Kreis), Jahr und Indikator aus "
        "mart.sozialraum_indikatoren mit Katalognamen, Sozialraum, Kreisvergleich und Geometrie.",
        main_dttm="zeitpunkt")
    karte = _dataset(
        DS_KARTE, "karte", SQL_KARTE.replace("{werte}", SQL_WERTE.rstrip()), "mart",
        [_column(*c) for c in COLUMNS_KARTE],
        [_metric("wert", "MAX(wert)", "Wert", "Indikatorwert des Gebiets", ",.1f"),
         _metric("count", "COUNT(*)", "Anzahl Polygone", None, ",d")],
        "Indikatorwerte je Gebiet mit Geometrie aus mart.dim_gebiet (eine Zeile je Polygon) für die Karte.",
        main_dttm="zeitpunkt")
    katalog = _dataset(
        DS_KATALOG, "indikatoren", None, "mart",
        [_column(n, t, False, v, d) for n, t, v, d in COLUMNS_KATALOG],
        [_metric("count", "COUNT(*)", "Anzahl Indikatoren", None, ",d")],
        "Indikatorenkatalog (seeds/catalogue/indikatoren.csv → mart.indikatoren)")
    publikation = _dataset(
        DS_PUBLIKATION, "publikation", SQL_PUBLIKATION, "mart",
        [_column(n, t, False, v, d) for n, t, v, d in COLUMNS_PUBLIKATION],
        [_metric("count", "COUNT(*)", "Anzahl", None, ",d"),
         _metric("berichtsjahre", "CAST(MIN(erstes_jahr) AS VARCHAR) || '–' || CAST(MAX(letztes_jahr) AS VARCHAR)",
                 "Berichtsjahre", "Erstes bis jüngstes Berichtsjahr der Indikatoren"),
         _metric("quellen", "STRING_AGG(DISTINCT quelle, ' · ')", "Quellen",
                 "Quellen der Indikatoren laut Katalog")],
        "Datenstand, Quellen und Demodaten-Kennzeichen der veröffentlichten Datei")
    return {"indikatorwerte": werte, "karte": karte, "indikatoren": katalog, "publikation": publikation,
            **sozialindex_datasets()}


# --------------------------------------------------------------------------------------------
# Sozialindex (mart.sozialindex, mart.sozialindex_ausschluesse; method as Berlin MSS)
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


def _sozialindex_columns(cfg: dict) -> list[tuple]:
    z_cols = []
    for art, text in (("status", "Status"), ("dynamik", "Dynamik")):
        for ind, name in cfg["indikatoren"]:
            z_cols.append((f"z_{art}_{ind}", "DOUBLE", False, f"z {text}: {name}",
                           f"Orientierter z-Wert ({text}) von „{name}“: positiv = mehr Benachteiligung als der "
                           f"Durchschnitt der Gebiete im Jahr"))
    return [
        ("gebiet_ebene", "VARCHAR", False, "Gebietsebene", "Bezugsebene des Sozialindex (gemeinde oder sozialraum)"),
        ("gebiet_id", "VARCHAR", False, "Gebiets-ID", "AGS der Gemeinde bzw. Sozialraum-ID; leer in den "
                                                      "Platzhalterzeilen der Matrix"),
        ("gebiet_name", "VARCHAR", False, "Gebiet", "Name der Gemeinde bzw. des Sozialraums"),
        ("sozialraum_id", "VARCHAR", False, "Sozialraum-ID", "Sozialraum des Gebiets"),
        ("sozialraum_name", "VARCHAR", False, "Sozialraum", "Sozialraum des Gebiets"),
        ("gemeinde", "VARCHAR", False, "Gemeinde", "Name der Gemeinde (nur Gemeindezeilen)"),
        ("kreis_ags", "VARCHAR", False, "Kreis-AGS", "Amtlicher Gemeindeschlüssel des Kreises"),
        ("jahr", "INTEGER", False, "Jahr", "Berichtsjahr"),
        ("ist_juengstes_jahr", "BOOLEAN", False, "jüngstes Jahr", "Jahr = jüngstes Jahr in mart.sozialindex"),
        ("einwohner", "DOUBLE", False, "Einwohner", "Einwohner des Gebiets im Jahr"),
        ("statussumme", "DOUBLE", False, "Statussumme", "Summe der orientierten Status-z-Werte"),
        ("statusindex", "DOUBLE", False, "Statusindex",
         "Statussumme geteilt durch die Standardabweichung der Statussummen aller gültigen Gebiete im Jahr"),
        ("statusklasse", "VARCHAR", False, "Statusklasse", "hoch | mittel | niedrig | sehr niedrig"),
        ("statusklasse_nr", "INTEGER", False, "Statusklasse Nr.", "1 hoch, 2 mittel, 3 niedrig, 4 sehr niedrig"),
        ("status", "VARCHAR", False, "Status", "Nummer und Statusklasse („1 hoch“ … „4 sehr niedrig“)"),
        ("dynamik_jahre", "INTEGER", False, "Dynamik-Zeitraum (Jahre)", "Länge des Dynamikzeitraums"),
        ("dynamiksumme", "DOUBLE", False, "Dynamiksumme", "Summe der orientierten Dynamik-z-Werte"),
        ("dynamikindex", "DOUBLE", False, "Dynamikindex",
         "Dynamiksumme geteilt durch ihre Standardabweichung über die Gebiete des Jahres"),
        ("dynamikklasse", "VARCHAR", False, "Dynamikklasse", "positiv | stabil | negativ; leer ohne Vergleichswerte"),
        ("dynamikklasse_nr", "INTEGER", False, "Dynamikklasse Nr.", "1 positiv, 2 stabil, 3 negativ"),
        ("dynamik", "VARCHAR", False, "Dynamik", "Nummer und Dynamikklasse („1 positiv“ … „3 negativ“) "
                                                 "bzw. „ohne Dynamik“"),
        ("gruppe", "VARCHAR", False, "Gruppe", "Status-/Dynamik-Gruppe „<Status-Nr.>.<Dynamik-Nr.>“ (12 Gruppen)"),
        ("gruppe_bezeichnung", "VARCHAR", False, "Gruppe (Bezeichnung)", "Status und Dynamik in Worten"),
        ("ist_demodaten", "BOOLEAN", False, "Demodaten", "Eingangswerte beruhen auf synthetischen Demolieferungen"),
        *z_cols,
    ]


def sql_sozialindex_gebiete(cfg: dict) -> str:
    """One row per area and year of mart.sozialindex with Sozialraum and matrix labels."""
    z = "".join(f"    s.z_{art}_{ind},\n" for art in ("status", "dynamik") for ind, _ in cfg["indikatoren"])
    return f"""\
select
    s.gebiet_ebene,
    s.gebiet_id,
    s.gebiet_name,
    s.sozialraum_id,
    coalesce(g.sozialraum_name, case when s.gebiet_ebene = 'sozialraum' then s.gebiet_name end)
        as sozialraum_name,
    case when s.gebiet_ebene = 'gemeinde' then s.gebiet_name end as gemeinde,
    s.kreis_ags,
    s.jahr,
    s.jahr = j.juengstes_jahr as ist_juengstes_jahr,
    s.einwohner,
    s.statussumme,
    s.statusindex,
    s.statusklasse,
    s.statusklasse_nr,
    s.statusklasse_nr || ' ' || s.statusklasse as status,
    s.dynamik_jahre,
    s.dynamiksumme,
    s.dynamikindex,
    s.dynamikklasse,
    s.dynamikklasse_nr,
    coalesce(s.dynamikklasse_nr || ' ' || s.dynamikklasse, 'ohne Dynamik') as dynamik,
    s.gruppe,
    s.gruppe_bezeichnung,
    s.ist_demodaten,
{z.rstrip().rstrip(',')}
from mart.sozialindex as s
cross join (select max(jahr) as juengstes_jahr from mart.sozialindex) as j
left join (
    select gebiet_ebene, gebiet_id, max(sozialraum_name) as sozialraum_name
    from mart.dim_gebiet group by gebiet_ebene, gebiet_id
) as g
    on g.gebiet_ebene = s.gebiet_ebene and g.gebiet_id = s.gebiet_id
"""


def sql_sozialindex(cfg: dict) -> str:
    """The areas plus one empty row per year and cell of the 4 × 3 matrix (all 12 cells always shown)."""
    cols = [c[0] for c in _sozialindex_columns(cfg)]
    fill = {"jahr": "k.jahr", "ist_juengstes_jahr": "k.jahr = j.juengstes_jahr", "status": "st.status",
            "dynamik": "dy.dynamik"}
    placeholder = ",\n".join(f"    {fill.get(c, 'null')} as {c}" for c in cols)
    status = ", ".join(f"('{n} {k}')" for n, k in enumerate(STATUS_KLASSEN, 1))
    dynamik = ", ".join(f"('{n} {k}')" for n, k in enumerate(DYNAMIK_KLASSEN, 1))
    return f"""\
{sql_sozialindex_gebiete(cfg)}
union all

-- empty cells of the status × dynamics matrix (no area: gebiet_id is null, counted as 0)
select
{placeholder}
from (select distinct jahr from mart.sozialindex) as k
cross join (select max(jahr) as juengstes_jahr from mart.sozialindex) as j
cross join (values {status}) as st(status)
cross join (values {dynamik}) as dy(dynamik)
"""


def sql_sozialindex_karte(cfg: dict) -> str:
    return f"""\
select v.*, g.geojson
from (
{sql_sozialindex_gebiete(cfg).rstrip()}
) as v
join mart.dim_gebiet as g
    on g.gebiet_ebene = v.gebiet_ebene and g.gebiet_id = v.gebiet_id
where g.geojson is not null
"""


SQL_AUSSCHLUESSE = """\
select
    a.gebiet_ebene,
    a.gebiet_id,
    a.gebiet_name,
    a.sozialraum_id,
    coalesce(g.sozialraum_name, case when a.gebiet_ebene = 'sozialraum' then a.gebiet_name end)
        as sozialraum_name,
    case when a.gebiet_ebene = 'gemeinde' then a.gebiet_name end as gemeinde,
    a.kreis_ags,
    a.jahr,
    a.jahr = j.juengstes_jahr as ist_juengstes_jahr,
    a.einwohner,
    a.bereich,
    case a.bereich
        when 'status_und_dynamik' then 'kein Sozialindex'
        when 'nur_dynamik' then 'ohne Dynamikindex'
        else a.bereich end as ausschluss,
    a.indikator_id,
    coalesce(i.name, a.indikator_id) as indikator,
    case when a.indikator_id is null then a.grund
         else replace(a.grund, 'Indikator ' || a.indikator_id, 'Indikator „' || coalesce(i.name, a.indikator_id) || '“')
    end as grund
from mart.sozialindex_ausschluesse as a
cross join (select max(jahr) as juengstes_jahr from mart.sozialindex) as j
left join (
    select gebiet_ebene, gebiet_id, max(sozialraum_name) as sozialraum_name
    from mart.dim_gebiet group by gebiet_ebene, gebiet_id
) as g
    on g.gebiet_ebene = a.gebiet_ebene and g.gebiet_id = a.gebiet_id
left join mart.indikatoren as i
    on i.indikator_id = a.indikator_id
"""

COLUMNS_AUSSCHLUESSE = [
    ("gebiet_ebene", "VARCHAR", False, "Gebietsebene", "Bezugsebene des Sozialindex"),
    ("gebiet_id", "VARCHAR", False, "Gebiets-ID", "AGS der Gemeinde bzw. Sozialraum-ID"),
    ("gebiet_name", "VARCHAR", False, "Gebiet", "Name des Gebiets"),
    ("sozialraum_id", "VARCHAR", False, "Sozialraum-ID", "Sozialraum des Gebiets"),
    ("sozialraum_name", "VARCHAR", False, "Sozialraum", "Sozialraum des Gebiets"),
    ("gemeinde", "VARCHAR", False, "Gemeinde", "Name der Gemeinde (nur Gemeindezeilen)"),
    ("kreis_ags", "VARCHAR", False, "Kreis-AGS", "Amtlicher Gemeindeschlüssel des Kreises"),
    ("jahr", "INTEGER", False, "Jahr", "Berichtsjahr"),
    ("ist_juengstes_jahr", "BOOLEAN", False, "jüngstes Jahr", "Jahr = jüngstes Jahr in mart.sozialindex"),
    ("einwohner", "DOUBLE", False, "Einwohner", "Einwohner des Gebiets im Jahr (leer, wenn unbekannt)"),
    ("bereich", "VARCHAR", False, "Bereich (Schlüssel)", "status_und_dynamik | nur_dynamik"),
    ("ausschluss", "VARCHAR", False, "Ausschluss",
     "kein Sozialindex (Status und Dynamik fehlen) | ohne Dynamikindex (nur die Dynamik fehlt)"),
    ("indikator_id", "VARCHAR", False, "Indikator-ID", "betroffener Indexindikator (leer bei Einwohnergründen)"),
    ("indikator", "VARCHAR", False, "Indikator", "betroffener Indexindikator laut Katalog"),
    ("grund", "VARCHAR", False, "Grund", "Grund des Ausschlusses in Worten"),
]


def sozialindex_datasets() -> dict[str, dict]:
    cfg = sozialindex_config()
    cols = _sozialindex_columns(cfg)
    si = _dataset(
        DS_SOZIALINDEX, "sozialindex", sql_sozialindex(cfg), "mart", [_column(*c) for c in cols],
        [_metric("anzahl_gebiete", "COUNT(gebiet_id)", "Anzahl Gebiete", "Anzahl der Gebiete (Platzhalter zählen 0)",
                 ",d"),
         _metric("gebiete", "COALESCE(STRING_AGG(gebiet_name, '; ' ORDER BY gebiet_name), '–')", "Gebiete",
                 "Namen der Gebiete, alphabetisch, durch Semikolon getrennt"),
         _metric("statusindex", "MAX(statusindex)", "Statusindex", "Statusindex des Gebiets", ",.2f"),
         _metric("dynamikindex", "MAX(dynamikindex)", "Dynamikindex", "Dynamikindex des Gebiets", ",.2f"),
         _metric("count", "COUNT(*)", "Anzahl Zeilen", None, ",d")],
        "Sozialindex (Methode Monitoring Soziale Stadtentwicklung Berlin) je Gebiet und Jahr aus mart.sozialindex: "
        "z-Werte, Status- und Dynamikindex, Klassen und Gruppe; dazu je Jahr eine leere Zeile je Zelle der "
        "Status-/Dynamik-Matrix (gebiet_id leer).")
    karte_cols = [c for c in cols] + [
        ("geojson", "VARCHAR", False, "Geometrie", "Polygon des Gebiets als GeoJSON (WGS84, je Polygon eine Zeile)")]
    si_karte = _dataset(
        DS_SOZIALINDEX_KARTE, "sozialindex_karte", sql_sozialindex_karte(cfg), "mart",
        [_column(*c) for c in karte_cols],
        [_metric("statusindex", "MAX(statusindex)", "Statusindex", "Statusindex des Gebiets", ",.2f"),
         _metric("count", "COUNT(*)", "Anzahl Polygone", None, ",d")],
        "Sozialindex je Gebiet und Jahr mit Geometrie aus mart.dim_gebiet (eine Zeile je Polygon) für die Karte.")
    aus = _dataset(
        DS_AUSSCHLUESSE, "sozialindex_ausschluesse", SQL_AUSSCHLUESSE, "mart",
        [_column(*c) for c in COLUMNS_AUSSCHLUESSE],
        [_metric("gruende", "STRING_AGG(DISTINCT grund, '; ')", "Gründe", "Ausschlussgründe des Gebiets im Jahr"),
         _metric("juengstes_jahr", "MAX(jahr)", "Jahr", "Berichtsjahr (Sortierung)", "d"),
         _metric("count", "COUNT(*)", "Anzahl Gründe", None, ",d")],
        "Gebiete ohne (vollständigen) Sozialindex mit Grund aus mart.sozialindex_ausschluesse "
        "(Einwohner unter der Mindestzahl, Indexindikator fehlt oder ist geheimhaltungsbedingt unterdrückt).")
    return {"sozialindex": si, "sozialindex_karte": si_karte, "sozialindex_ausschluesse": aus}


# --------------------------------------------------------------------------------------------
# Charts: form data and the query context the frontend would send for it
# --------------------------------------------------------------------------------------------
def simple_filter(col: str, op: str, val: Any) -> dict:
    return {"clause": "WHERE", "comparator": val, "expressionType": "SIMPLE", "operator": op,
            "subject": col, "isExtra": False, "isNew": False,
            "filterOptionName": f"filter_{col}_{op}".lower().replace(" ", "_")}


def _qc_filters(adhoc: list[dict]) -> list[dict]:
    return [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]} for f in adhoc]


def x_axis(col: str = "zeitpunkt") -> dict:
    return {"timeGrain": "P1Y", "columnType": "BASE_AXIS", "sqlExpression": col, "label": col,
            "expressionType": "SQL"}


class Chart:
    """One chart: its params (form data) and a matching query context."""

    registry: list["Chart"] = []

    def __init__(self, key: str, name: str, viz: str, dataset: str, params: dict, query: dict,
                 description: str | None = None):
        self.key, self.name, self.viz, self.dataset = key, name, viz, dataset
        self.uuid = uid(f"chart:{key}")
        self.description = description
        self.params = {"viz_type": viz, "datasource": "__placeholder__", **params}
        self.query = query

    def query_context(self) -> dict:
        q = {"filters": [], "extras": {"having": "", "where": ""}, "applied_time_extras": {},
             "columns": [], "metrics": [], "orderby": [], "annotation_layers": [], "row_limit": 10000,
             "series_limit": 0, "order_desc": True, "url_params": {}, "custom_params": {},
             "custom_form_data": {}, "time_range": "No filter"}
        q.update(self.query)
        q["filters"] = _qc_filters(self.params.get("adhoc_filters", [])) + q["filters"]
        return {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [q],
                "form_data": self.params, "result_format": "json", "result_type": "full"}

    def export(self) -> dict:
        return {"cache_timeout": None, "certification_details": None, "certified_by": None,
                "dataset_uuid": self.dataset, "description": self.description, "params": self.params,
                "query_context": json.dumps(self.query_context(), ensure_ascii=False),
                "slice_name": self.name, "uuid": self.uuid, "version": "1.0.0", "viz_type": self.viz}


def info_chart(key: str, thema: str, ids: list[str] | None) -> Chart:
    # A plain table (no Handlebars: its template compiler needs 'unsafe-eval', which the CSP forbids).
    groupby = ["hinweis", "veroeffentlicht_am", "gebietsstand", "lieferungen", "veraltete_quellen",
               "abgelehnte_lieferungen"]
    metrics = ["berichtsjahre", "quellen"]
    adhoc = [simple_filter("indikator_id", "IN", ids)] if ids else []
    return Chart(key, f"Datenstand und Quellen – {thema}", "table", DS_PUBLIKATION, {
        "query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "percent_metrics": [],
        "adhoc_filters": adhoc, "row_limit": 10, "server_page_length": 0, "order_desc": True,
        "include_search": False, "show_cell_bars": False, "allow_render_html": False,
        "table_timestamp_format": "smart_date", "conditional_formatting": [],
    }, {"columns": groupby, "metrics": metrics, "orderby": [], "row_limit": 10},
        "Hinweis auf Demodaten (solange synthetische Lieferungen im Mart sind), Datenstand, Lieferungen, "
        "veraltete Quellen und abgelehnte Lieferungen aus mart.publikation_status, Berichtsjahre und Quellen "
        "der Indikatoren dieses Dashboards")


def definitions_chart(key: str, thema: str, ids: list[str] | None) -> Chart:
    cols = ["name", "definition", "zaehler", "nenner", "einheit", "stichtagsregel", "quelle"]
    adhoc = [simple_filter("indikator_id", "IN", ids)] if ids else []
    return Chart(key, f"Indikatoren und Definitionen – {thema}", "table", DS_KATALOG, {
        "query_mode": "raw", "all_columns": cols, "groupby": [], "metrics": [], "percent_metrics": [],
        "order_by_cols": [json.dumps(["name", True])], "row_limit": 1000, "server_page_length": 10,
        "adhoc_filters": adhoc, "table_timestamp_format": "smart_date", "show_cell_bars": False,
        "include_search": True, "allow_render_html": False, "conditional_formatting": [],
    }, {"columns": cols, "orderby": [["name", True]], "row_limit": 1000},
        "Aus dem Indikatorenkatalog (mart.indikatoren)")


def headline_tile(ind: str) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "==", "kreis")]
    return Chart(f"tile:{ind}", f"{HEADLINE_TITLES[ind]} (Kreis)", "big_number", DS_WERTE, {
        "x_axis": "zeitpunkt", "time_grain_sqla": "P1Y", "metric": ind, "adhoc_filters": adhoc,
        "compare_lag": 1, "compare_suffix": "zum Vorjahr", "show_timestamp": True, "show_trend_line": True,
        "start_y_axis_at_zero": False, "rolling_type": "None", "header_font_size": 0.3,
        "subheader_font_size": 0.125, "y_axis_format": ",.1f" if ind != "bevoelkerung" else ",.0f",
        "time_format": "%Y", "time_range": "No filter",
    }, {"columns": [x_axis()], "metrics": [ind], "orderby": [], "row_limit": 10000,
        "post_processing": [
            {"operation": "pivot", "options": {"index": ["zeitpunkt"], "columns": [],
                                                "aggregates": {ind: {"operator": "mean"}}, "drop_missing_columns": True}},
            {"operation": "flatten"}]},
        "Kreiswert im jüngsten Jahr und Veränderung gegenüber dem Vorjahr")


ZEITREIHE_TEXT = ("Gewählter Indikator über die Jahre je Sozialraum und für den Kreis, mit Land und Bund als "
                  "Referenzlinien (amtliche Zeilen; nur wo die Tabellen sie enthalten). Alle Jahre auf einem Gebietsstand.")


def timeseries(key: str, name: str, metrics: list[str], groupby: list[str], ebenen: list[str],
               description: str) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "IN", ebenen)]
    return Chart(key, name, "echarts_timeseries_line", DS_WERTE, {
        "x_axis": "zeitpunkt", "time_grain_sqla": "P1Y", "x_axis_sort_asc": True, "metrics": metrics,
        "groupby": groupby, "adhoc_filters": adhoc, "row_limit": 10000, "truncate_metric": True,
        "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "rich_tooltip": True,
        "x_axis_time_format": "%Y", "y_axis_format": ",.0f" if metrics == ["bevoelkerung"] else ",.1f",
        "markerEnabled": True, "markerSize": 6,
        "order_desc": True, "time_range": "No filter", "comparison_type": "values", "annotation_layers": [],
    }, {"columns": [x_axis(), *groupby], "metrics": metrics, "orderby": [[metrics[0], False]],
        "series_columns": groupby, "post_processing": [
            {"operation": "pivot", "options": {"index": ["zeitpunkt"], "columns": groupby,
                                                "aggregates": {m: {"operator": "mean"} for m in metrics},
                                                "drop_missing_columns": False}},
            {"operation": "flatten"}]}, description)


def bar_gemeinden(key: str, name: str) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "==", "gemeinde")]
    return Chart(key, name, "echarts_timeseries_bar", DS_WERTE, {
        "x_axis": "gebiet_name", "x_axis_sort": "wert", "x_axis_sort_asc": False, "metrics": ["wert"],
        "groupby": [], "adhoc_filters": adhoc, "row_limit": 1000, "orientation": "vertical",
        "show_legend": False, "y_axis_format": ",.1f", "xAxisLabelRotation": 45, "show_value": False,
        "time_range": "No filter", "order_desc": True,
    }, {"columns": [{"columnType": "BASE_AXIS", "sqlExpression": "gebiet_name", "label": "gebiet_name",
                     "expressionType": "SQL"}],
        "metrics": ["wert"], "orderby": [["wert", False]], "row_limit": 1000,
        "post_processing": [
            {"operation": "pivot", "options": {"index": ["gebiet_name"], "columns": [],
                                                "aggregates": {"wert": {"operator": "mean"}},
                                                "drop_missing_columns": False}},
            {"operation": "sort", "options": {"by": "wert", "ascending": False}},
            {"operation": "flatten"}]},
        "Gewählter Indikator je Gemeinde im gewählten Jahr (Filter Jahr und Indikator)")


def pivot_sozialraeume(key: str, name: str, metrics: list[str]) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "IN", ["sozialraum", "kreis", "land", "bund"])]
    return Chart(key, name, "pivot_table_v2", DS_WERTE, {
        "groupbyRows": ["gebiet_name"], "groupbyColumns": [], "metrics": metrics, "metricsLayout": "COLUMNS",
        "adhoc_filters": adhoc, "row_limit": 10000, "aggregateFunction": "Sum", "valueFormat": ",.1f",
        "rowOrder": "key_a_to_z", "colOrder": "key_a_to_z", "rowTotals": False, "colTotals": False,
        "transposePivot": False, "combineMetric": False, "time_grain_sqla": "P1Y", "time_range": "No filter",
        "conditional_formatting": [],
    }, {"columns": ["gebiet_name"], "metrics": metrics, "orderby": [[metrics[0], False]], "row_limit": 10000},
        "Sozialräume, Kreis, Land und Bund (Vergleichszeilen) im gewählten Jahr")


def table_kreisvergleich(key: str, name: str) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "IN", ["sozialraum", "gemeinde"])]
    metrics = ["wert", "kreiswert", "abweichung_kreis", "landeswert", "bundeswert"]
    groupby = ["gebiet_ebene", "gebiet_name"]  # one indicator: the Indikator filter is required
    return Chart(key, name, "table", DS_WERTE, {
        "query_mode": "aggregate", "groupby": groupby, "metrics": metrics,
        "percent_metrics": [], "adhoc_filters": adhoc, "row_limit": 1000, "server_page_length": 25,
        "order_desc": True, "timeseries_limit_metric": None, "include_search": False, "show_cell_bars": True,
        "table_timestamp_format": "smart_date", "allow_render_html": False, "time_range": "No filter",
        "conditional_formatting": [],
        "column_config": {"wert": {"d3NumberFormat": ",.1f"}, "kreiswert": {"d3NumberFormat": ",.1f"},
                          "abweichung_kreis": {"d3NumberFormat": "+,.1f"}, "landeswert": {"d3NumberFormat": ",.1f"},
                          "bundeswert": {"d3NumberFormat": ",.1f"}},
    }, {"columns": groupby, "metrics": metrics, "orderby": [["wert", False]],
        "row_limit": 1000}, "Gewählter Indikator je Sozialraum und Gemeinde mit Kreiswert, Abweichung, Land und Bund")


def karte(key: str, name: str) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "==", "gemeinde")]
    return Chart(key, name, "deck_polygon", DS_KARTE, {
        "line_column": "geojson", "line_type": "json", "metric": "wert", "adhoc_filters": adhoc,
        "row_limit": 10000, "reverse_long_lat": False, "filled": True, "stroked": True, "extruded": False,
        "line_width": 1, "line_width_unit": "pixels", "multiplier": 1, "opacity": 80,
        "linear_color_scheme": "oranges", "num_buckets": 5, "break_points": [], "legend_position": "tr",
        "legend_format": ",.1f", "table_filter": False, "toggle_polygons": True,
        "fill_color_picker": {"r": 3, "g": 65, "b": 73, "a": 1},
        "stroke_color_picker": {"r": 80, "g": 80, "b": 80, "a": 1},
        "tooltip_contents": [{"item_type": "column", "column_name": "gebiet_name", "label": "Gemeinde"}],
        "js_columns": [], "js_data_mutator": "", "js_tooltip": "", "js_onclick_href": "",
        "mapbox_style": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "autozoom": True,
        "viewport": {"longitude": 8.83, "latitude": 49.86, "zoom": 9.2, "bearing": 0, "pitch": 0},
        "time_range": "No filter",
    }, {"columns": ["geojson", "gebiet_name"], "metrics": ["wert"], "orderby": [["wert", False]],
        "row_limit": 10000}, "Gemeinden eingefärbt nach dem gewählten Indikator im gewählten Jahr "
                             "(Grundkarte OpenStreetMap, offline nicht verfügbar)")


def _latest_year_filter() -> dict:
    return simple_filter("ist_juengstes_jahr", "IS TRUE", None)


# Colours of the Statusklassen (map and the key in the method block)
KLASSEN_FARBEN = [("#4575b4", "blau"), ("#fee08b", "gelb"), ("#fc8d59", "orange"), ("#d73027", "rot")]


def sozialindex_karte(key: str, name: str) -> Chart:
    # Colour breakpoints (deck.gl: the first range that holds the value gives the colour, ends inclusive) on
    # the Statusindex with the MSS cut-offs of dbt_project.yml: hoch <= -1.0 < mittel <= 1.0 < niedrig <= 1.5
    # < sehr niedrig, i.e. exactly the classes of mart.sozialindex. |Statusindex| <= sqrt(n - 1) stays below
    # 10 for up to 100 areas; a value outside would be drawn grey (default_breakpoint_color).
    cfg = sozialindex_config()
    cuts = [-10.0, cfg["hoch"], cfg["niedrig"], cfg["sehr_niedrig"], 10.0]
    breakpoints = []
    for i, (farbe, _) in enumerate(KLASSEN_FARBEN):
        r, g, b = (int(farbe[j:j + 2], 16) for j in (1, 3, 5))
        breakpoints.append({"id": i, "minValue": cuts[i], "maxValue": cuts[i + 1],
                            "color": {"r": r, "g": g, "b": b, "a": 1}})
    adhoc = [_latest_year_filter()]
    tooltip = [{"item_type": "column", "column_name": c, "label": label}
               for c, label in (("gebiet_name", "Gebiet"), ("jahr", "Jahr"), ("statusklasse", "Statusklasse"),
                                ("dynamikklasse", "Dynamikklasse"), ("gruppe_bezeichnung", "Gruppe"))]
    return Chart(key, name, "deck_polygon", DS_SOZIALINDEX_KARTE, {
        "line_column": "geojson", "line_type": "json", "metric": "statusindex", "adhoc_filters": adhoc,
        "row_limit": 10000, "reverse_long_lat": False, "filled": True, "stroked": True, "extruded": False,
        "line_width": 1, "line_width_unit": "pixels", "multiplier": 1, "opacity": 85,
        "color_scheme_type": "color_breakpoints", "color_breakpoints": breakpoints,
        "default_breakpoint_color": {"r": 170, "g": 170, "b": 170, "a": 1},
        "legend_position": "tr", "legend_format": ",.1f", "table_filter": False, "toggle_polygons": True,
        "fill_color_picker": {"r": 3, "g": 65, "b": 73, "a": 1},
        "stroke_color_picker": {"r": 80, "g": 80, "b": 80, "a": 1},
        "tooltip_contents": tooltip,
        "js_columns": [], "js_data_mutator": "", "js_tooltip": "", "js_onclick_href": "",
        "mapbox_style": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "autozoom": True,
        "viewport": {"longitude": 8.83, "latitude": 49.86, "zoom": 9.2, "bearing": 0, "pitch": 0},
        "time_range": "No filter",
    }, {"columns": ["geojson", "gebiet_name", "jahr", "statusklasse", "dynamikklasse", "gruppe_bezeichnung"],
        "metrics": ["statusindex"], "orderby": [["statusindex", False]], "row_limit": 10000},
        "Gebiete im jüngsten Jahr des Sozialindex, eingefärbt nach Statusklasse (Legende: Statusindex-Bereiche "
        "der Klassen): " + ", ".join(f"{farbe} = {k}" for (_, farbe), k in zip(KLASSEN_FARBEN, STATUS_KLASSEN))
        + ". Grundkarte OpenStreetMap, offline nicht verfügbar.")


def sozialindex_matrix(key: str, name: str) -> Chart:
    adhoc = [_latest_year_filter()]
    metrics = ["anzahl_gebiete", "gebiete"]
    return Chart(key, name, "pivot_table_v2", DS_SOZIALINDEX, {
        "groupbyRows": ["status"], "groupbyColumns": ["dynamik"], "metrics": metrics, "metricsLayout": "ROWS",
        "adhoc_filters": adhoc, "row_limit": 10000,
        # one query row per cell: "List Unique Values" shows the count and the names as they are
        "aggregateFunction": "List Unique Values", "valueFormat": ",d",
        "rowOrder": "key_a_to_z", "colOrder": "key_a_to_z", "rowTotals": False, "colTotals": False,
        "rowSubTotals": False, "colSubTotals": False, "transposePivot": False, "combineMetric": False,
        "time_grain_sqla": "P1Y", "time_range": "No filter", "conditional_formatting": [],
    }, {"columns": ["status", "dynamik"], "metrics": metrics, "orderby": [["anzahl_gebiete", False]],
        "row_limit": 10000},
        "Gebiete im jüngsten Jahr nach Statusklasse (Zeilen: 1 hoch … 4 sehr niedrig) und Dynamikklasse "
        "(Spalten: 1 positiv, 2 stabil, 3 negativ; „ohne Dynamik“ = keine Vergleichswerte): Anzahl und Namen")


def sozialindex_tabelle(key: str, name: str) -> Chart:
    cfg = sozialindex_config()
    z = [f"z_status_{i}" for i, _ in cfg["indikatoren"]]
    cols = ["gebiet_name", "sozialraum_name", "jahr", "statusindex", "statusklasse", "dynamikindex",
            "dynamikklasse", "gruppe", *z]
    adhoc = [_latest_year_filter(), simple_filter("gebiet_id", "IS NOT NULL", None)]
    return Chart(key, name, "table", DS_SOZIALINDEX, {
        "query_mode": "raw", "all_columns": cols, "groupby": [], "metrics": [], "percent_metrics": [],
        "order_by_cols": [json.dumps(["statusindex", False])], "row_limit": 1000, "server_page_length": 10,
        "adhoc_filters": adhoc, "table_timestamp_format": "smart_date", "show_cell_bars": False,
        "include_search": True, "allow_render_html": False, "conditional_formatting": [],
        "column_config": {c: {"d3NumberFormat": "+,.2f"} for c in ["statusindex", "dynamikindex", *z]},
    }, {"columns": cols, "orderby": [["statusindex", False]], "row_limit": 1000},
        "Status- und Dynamikindex, Klassen, Gruppe und die z-Werte der Indexindikatoren je Gebiet im jüngsten "
        "Jahr, am stärksten benachteiligte Gebiete zuerst")


def sozialindex_ausschluesse(key: str, name: str) -> Chart:
    groupby = ["jahr", "gebiet_name", "ausschluss"]
    metrics = ["gruende"]
    return Chart(key, name, "table", DS_AUSSCHLUESSE, {
        "query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "percent_metrics": [],
        "timeseries_limit_metric": "juengstes_jahr", "order_desc": True,
        "adhoc_filters": [], "row_limit": 1000, "server_page_length": 10, "include_search": True,
        "show_cell_bars": False, "table_timestamp_format": "smart_date", "allow_render_html": False,
        "time_range": "No filter", "conditional_formatting": [],
        "column_config": {"jahr": {"d3NumberFormat": "d"}},
    }, {"columns": groupby, "metrics": metrics, "orderby": [["juengstes_jahr", False]], "row_limit": 1000},
        "Gebiete ohne Sozialindex oder ohne Dynamikindex mit Grund (mart.sozialindex_ausschluesse), "
        "jüngstes Jahr zuerst")


def sozialindex_methode() -> str:
    """Markdown block explaining the method (numbers from dbt_project.yml and the seed)."""
    cfg = sozialindex_config()
    num = lambda x: f"{x:.1f}".replace(".", ",").replace("-", "−")  # noqa: E731
    ebene = {"gemeinde": "Gemeinden", "sozialraum": "Sozialräume"}.get(cfg["ebene"], cfg["ebene"])
    inds = ", ".join(name for _, name in cfg["indikatoren"])
    key = " · ".join(f"{farbe} = {k}" for (_, farbe), k in zip(KLASSEN_FARBEN, STATUS_KLASSEN))
    return f"""\
### Sozialindex – Methode

Verfahren wie das *Monitoring Soziale Stadtentwicklung* (MSS) Berlin. Verglichen werden die {ebene} des
Kreises untereinander, je Berichtsjahr; Karte, Matrix und Tabelle zeigen das jüngste Jahr.
Indexindikatoren: **{inds}** (jeweils: mehr bedeutet mehr Benachteiligung).

1. **z-Standardisierung:** Jeder Indikator wird über alle gültigen {ebene} des Jahres standardisiert,
   z = (Wert − Mittelwert) / Standardabweichung (ungewichteter Mittelwert, Populations-Standardabweichung).
   Positive z-Werte bedeuten mehr Benachteiligung als im Durchschnitt.
2. **Status:** Statussumme = Summe der z-Werte; **Statusindex** = Statussumme / Standardabweichung der
   Statussummen. Klassen: **hoch** ≤ {num(cfg['hoch'])} < **mittel** ≤ {num(cfg['niedrig'])} < **niedrig**
   ≤ {num(cfg['sehr_niedrig'])} < **sehr niedrig** („hoch“ = hoher sozialer Status, wenig Benachteiligung).
3. **Dynamik:** Veränderung jedes Indikators über {cfg['jahre']} Jahre (Prozentpunkte), ebenso standardisiert,
   summiert und durch die Standardabweichung geteilt = **Dynamikindex**. Klassen: **positiv** ≤ {num(cfg['positiv'])}
   < **stabil** < {num(cfg['negativ'])} ≤ **negativ**.
4. **Matrix:** Statusklasse × Dynamikklasse ergibt 12 Gruppen (1.1 = hoch/positiv … 4.3 = sehr niedrig/negativ).

**Karte:** {key} (Legende: Statusindex-Bereiche der Klassen).

**Ausschlüsse:** Gebiete unter {cfg['min_einwohner']} Einwohnern oder mit fehlendem bzw. aus Geheimhaltungsgründen
unterdrücktem Indexindikator erhalten im Jahr keinen Index; fehlt nur ein Vergleichswert, fehlt nur die Dynamik
(Tabelle „Ausgeschlossene Gebiete“). Die Klassen sind relativ: Sie ordnen die Gebiete zueinander ein, nicht an
einem festen Maßstab. Gemeinde-Konten sehen nur die eigene Gemeinde.
"""


# --------------------------------------------------------------------------------------------
# Dashboards
# --------------------------------------------------------------------------------------------
class Dashboard:
    def __init__(self, key: str, title: str, intro: str):
        self.key, self.title, self.intro = key, title, intro
        self.uuid = uid(f"dashboard:{key}")
        self.rows: list[list[tuple[Chart | str, int, int]]] = []  # (chart or markdown, width, height)
        self.scope_excluded: dict[str, list[Chart]] = {"jahr": [], "indikator": [], "gebiet": []}
        self.indicator_ids: list[str] | None = None

    def row(self, *items: tuple[Chart | str, int, int]) -> None:
        self.rows.append(list(items))

    def exclude(self, filt: str, *charts: Chart) -> None:
        self.scope_excluded[filt].extend(charts)

    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c, _, _ in row if isinstance(c, Chart)]


def _native_filter(fid: str, name: str, column: str, excluded: list[int], *, multi: bool, required: bool,
                   first: bool, ascending: bool, description: str, prefilter: list[dict] | None = None,
                   default: list | None = None, parents: list[str] | None = None) -> dict:
    mask: dict[str, Any] = {"extraFormData": {}, "filterState": {}, "ownState": {}}
    if default:
        mask = {"extraFormData": {"filters": [{"col": column, "op": "IN", "val": default}]},
                "filterState": {"value": default, "label": ", ".join(map(str, default))}, "ownState": {}}
    f = {
        "id": fid, "name": name, "filterType": "filter_select", "type": "NATIVE_FILTER",
        "targets": [{"datasetUuid": DS_WERTE, "column": {"name": column}}],
        "controlValues": {"enableEmptyFilter": required, "defaultToFirstItem": first, "multiSelect": multi,
                          "searchAllOptions": False, "inverseSelection": False, "sortAscending": ascending},
        "defaultDataMask": mask, "cascadeParentIds": parents or [], "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
        "description": description, "tabsInScope": [],
    }
    if prefilter:
        f["adhoc_filters"] = prefilter
        f["time_range"] = "No filter"
    return f


def dashboard_export(d: Dashboard, chart_ids: dict[str, int]) -> dict:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": d.title}, "type": "HEADER"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
    }
    for r, items in enumerate(d.rows):
        row_id = f"ROW-{d.key}-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"children": [], "id": row_id, "meta": {"background": "BACKGROUND_TRANSPARENT"},
                            "parents": ["ROOT_ID", "GRID_ID"], "type": "ROW"}
        for c, (item, width, height) in enumerate(items):
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if isinstance(item, Chart):
                cid = f"CHART-{d.key}-{r}-{c}"
                position[cid] = {"children": [], "id": cid, "parents": parents, "type": "CHART",
                                 "meta": {"chartId": chart_ids[item.key], "height": height, "width": width,
                                          "sliceName": item.name, "uuid": item.uuid}}
            else:
                cid = f"MARKDOWN-{d.key}-{r}-{c}"
                position[cid] = {"children": [], "id": cid, "parents": parents, "type": "MARKDOWN",
                                 "meta": {"code": item, "height": height, "width": width}}
            position[row_id]["children"].append(cid)

    def ids(filt: str) -> list[int]:
        return [chart_ids[c.key] for c in d.scope_excluded[filt]]

    pre = [simple_filter("indikator_id", "IN", d.indicator_ids)] if d.indicator_ids else None
    not_null = {c: [dict(simple_filter(c, "IS NOT NULL", None))] for c in ("sozialraum_name", "gemeinde")}
    filters = [
        # Jahr depends on Indikator: its default is the latest year the selected indicator has data for
        _native_filter(f"NATIVE_FILTER-{d.key}-jahr", "Jahr", "jahr", ids("jahr"), multi=False, required=True,
                       first=True, ascending=False, parents=[f"NATIVE_FILTER-{d.key}-indikator"],
                       description="Berichtsjahr (Standard: jüngstes Jahr des gewählten Indikators)"),
        _native_filter(f"NATIVE_FILTER-{d.key}-sozialraum", "Sozialraum", "sozialraum_name", ids("gebiet"),
                       multi=True, required=False, first=False, ascending=True,
                       description="Sozialräume (Gemeinden und Sozialraumwerte)", prefilter=not_null["sozialraum_name"]),
        _native_filter(f"NATIVE_FILTER-{d.key}-gemeinde", "Gemeinde", "gemeinde", ids("gebiet"), multi=True,
                       required=False, first=False, ascending=True, description="Gemeinden",
                       prefilter=not_null["gemeinde"]),
        _native_filter(f"NATIVE_FILTER-{d.key}-indikator", "Indikator", "indikator", ids("indikator"),
                       multi=False, required=True, first=False, ascending=True,
                       description="Indikator für Karte, Zeitreihe und Gemeindevergleich", prefilter=pre,
                       default=[f"__INDICATOR_NAME__:{DEFAULT_INDICATOR[d.key]}"]),
    ]
    return {
        "certification_details": None, "certified_by": None, "css": "", "dashboard_title": d.title,
        "description": None, "published": True, "slug": f"sozialmonitor-{d.key}", "uuid": d.uuid,
        "version": "1.0.0", "position": position,
        "metadata": {
            "chart_configuration": {}, "color_scheme": "supersetColors", "color_scheme_domain": [],
            "cross_filters_enabled": False, "default_filters": "{}", "expanded_slices": {},
            "global_chart_configuration": {}, "label_colors": {}, "map_label_colors": {},
            "native_filter_configuration": filters, "refresh_frequency": 0, "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
        },
    }


def build() -> tuple[list[Chart], list[Dashboard]]:
    charts: list[Chart] = []
    dashboards: list[Dashboard] = []

    # 1 Überblick
    d = Dashboard("ueberblick", "Sozialraum-Monitor – Überblick", "")
    info = info_chart("info:ueberblick", "Überblick", None)
    tiles = [headline_tile(i) for i in HEADLINE]
    k = karte("karte:ueberblick", "Karte: Gemeinden nach gewähltem Indikator")
    ts = timeseries("zeitreihe:ueberblick", "Zeitreihe: Sozialräume und Kreis, Land und Bund", ["wert"], ["gebiet_name"],
                    ["sozialraum", "kreis", "land", "bund"], ZEITREIHE_TEXT)
    pv = pivot_sozialraeume("sozialraeume:ueberblick", "Sozialräume: Schlüsselindikatoren mit Kreisvergleich",
                            KEY_INDICATORS)
    kv = table_kreisvergleich("kreisvergleich:ueberblick", "Sozialräume und Gemeinden: Abweichung vom Kreis")
    defs = definitions_chart("definitionen:ueberblick", "Überblick", None)
    # Sozialindex (jüngstes Jahr des Index; Jahr- und Indikatorfilter gelten hier nicht)
    si_k = sozialindex_karte("sozialindex_karte:ueberblick", "Sozialindex: Statusklasse der Gebiete (jüngstes Jahr; "
                             "blau hoch · gelb mittel · orange niedrig · rot sehr niedrig)")
    si_m = sozialindex_matrix("sozialindex_matrix:ueberblick", "Sozialindex: Status × Dynamik (jüngstes Jahr)")
    si_t = sozialindex_tabelle("sozialindex_tabelle:ueberblick", "Sozialindex je Gebiet mit z-Werten (jüngstes Jahr)")
    si_a = sozialindex_ausschluesse("sozialindex_ausschluesse:ueberblick", "Sozialindex: ausgeschlossene Gebiete")
    si = [si_k, si_m, si_t, si_a]
    d.row((info, 12, 26))
    d.row(*[(t, w, 38) for t, w in zip(tiles, [3, 3, 2, 2, 2])])
    d.row((k, 7, 90), (ts, 5, 90))
    d.row((pv, 7, 70), (kv, 5, 70))
    d.row((si_k, 6, 90), (sozialindex_methode(), 6, 90))
    d.row((si_m, 6, 70), (si_a, 6, 70))
    d.row((si_t, 12, 60))
    d.row((defs, 12, 60))
    d.exclude("jahr", info, *tiles, ts, defs, *si)
    d.exclude("indikator", info, *tiles, pv, defs, *si)
    d.exclude("gebiet", info, *tiles, defs)
    charts += [info, *tiles, k, ts, pv, kv, *si, defs]
    dashboards.append(d)

    # 2–5 thematic dashboards
    for key, (title, ids) in THEMES.items():
        d = Dashboard(key, title, "")
        d.indicator_ids = ids
        info = info_chart(f"info:{key}", title, ids)
        ts = timeseries(f"zeitreihe:{key}", f"{title}: Zeitreihe Sozialräume und Kreis, Land und Bund", ["wert"],
                        ["gebiet_name"], ["sozialraum", "kreis", "land", "bund"], ZEITREIHE_TEXT)
        bar = bar_gemeinden(f"gemeinden:{key}", f"{title}: Gemeinden im Vergleich")
        pv = pivot_sozialraeume(f"sozialraeume:{key}", f"{title}: Sozialräume und Kreis", ids)
        kv = table_kreisvergleich(f"kreisvergleich:{key}", f"{title}: Abweichung vom Kreis")
        defs = definitions_chart(f"definitionen:{key}", title, ids)
        d.row((info, 12, 26))
        d.row((ts, 6, 70), (bar, 6, 70))
        extra: list[Chart] = []
        if key == "jugend":
            ks = timeseries("kinderschutz:jugend", "Kinderschutz: § 8a-Gefährdungseinschätzungen und "
                            "§ 42-Inobhutnahmen (Kreis)",
                            ["gefaehrdungseinschaetzungen_je_1000_u18", "inobhutnahmen_je_1000_u18"], [], ["kreis"],
                            "Gefährdungseinschätzungen nach § 8a SGB VIII und Inobhutnahmen nach § 42 SGB VIII "
                            "je 1.000 unter 18-Jährige im Kreis")
            hze = timeseries("hze:jugend", "Hilfen zur Erziehung: ambulant und stationär (Kreis)",
                             ["hze_ambulant_eckwert", "hze_stationaer_eckwert", "erziehungsberatung_eckwert"], [],
                             ["kreis"], "Eckwerte je 1.000 unter 21-Jährige im Kreis")
            extra = [ks, hze]
            d.row((ks, 6, 60), (hze, 6, 60))
        if key == "demografie":
            bev = timeseries("bevoelkerung:demografie", "Bevölkerung je Sozialraum", ["bevoelkerung"],
                             ["gebiet_name"], ["sozialraum"], "Einwohner am 31.12. je Sozialraum")
            alt = timeseries("alter:demografie", "Unter 18-Jährige und 65-Jährige und Ältere: Kreis, Land und Bund",
                             ["anteil_unter_18", "anteil_65_plus"], ["gebiet_name"], ["kreis", "land", "bund"],
                             "Anteile im Kreis, mit Land und Bund als Referenzlinien (amtliche Zeilen)")
            extra = [bev, alt]
            d.row((bev, 6, 60), (alt, 6, 60))
        d.row((pv, 7, 70), (kv, 5, 70))
        d.row((defs, 12, 55))
        d.exclude("jahr", info, ts, *extra, defs)
        d.exclude("indikator", info, pv, *extra, defs)
        d.exclude("gebiet", info, defs, *[e for e in extra if e.key != "bevoelkerung:demografie"])
        charts += [info, ts, bar, *extra, pv, kv, defs]
        dashboards.append(d)
    return charts, dashboards


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
    """Write the committed bundle (superset/assets) from the definitions above."""
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


def read_catalogue(path: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["indikator_id"]: r for r in csv.DictReader(fh) if r.get("indikator_id")}


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


def _fmt(einheit: str) -> str:
    return ",.0f" if (einheit or "").strip().lower() == "anzahl" else ",.1f"


def _unit_suffix(einheit: str) -> str:
    e = (einheit or "").strip()
    return "" if not e or e.lower() == "anzahl" else f" ({e})"


def catalogue_metrics(cat: dict[str, dict[str, str]]) -> list[dict]:
    metrics = []
    for ind in list(dict.fromkeys(ALL_INDICATORS + list(cat))):
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

    cat_metrics = catalogue_metrics(cat)
    names = {i: (cat.get(i, {}).get("name") or i) for i in set(ALL_INDICATORS) | set(cat)}
    names.update({k: v for k, v in published_names(published).items() if v})
    listing = "; ".join(f"{i} = {names[i]}" for i in sorted(names))
    for ds_file in (target / "datasets").rglob("*.yaml"):
        ds = yaml.safe_load(ds_file.read_text(encoding="utf-8"))
        out_metrics = []
        for m in ds.get("metrics") or []:
            out_metrics.extend(cat_metrics if m["metric_name"] == CATALOGUE_METRICS_MARK else [m])
        ds["metrics"] = out_metrics
        for col in ds.get("columns") or []:
            if col.get("description") == CATALOGUE_METRICS_MARK:
                col["description"] = f"Indikatoren laut Katalog: {listing}"
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
