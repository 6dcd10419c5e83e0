"""The public dashboard „Sozialraum-Monitor – öffentlich“, seen without login (Superset role Public).

Every indicator chart and native filter reads the dataset rpt_oeffentlich (dbt model
dbt_project/models/reporting/rpt_oeffentlich.sql): the indicators of data class 'oeffentlich' (catalogue
`geheimhaltung` = false) at the levels the catalogue allows, with their definitions. The measures table (dataset
rpt_massnahmen: the Kreis' measures, public information without personal data) is shown on the dashboard and is
the source of the time series' annotation layer "Maßnahmen", as on the logged-in dashboards. The anonymous role
gets datasource access to these two datasets only (superset/provision.py), so whatever query a visitor sends,
it can only return what these tables hold. Layout only, like bundle_charts.py: columns and metrics come from the
dbt YAML; which indicators are public comes from the catalogue.
"""

from __future__ import annotations

from bundle_charts import (
    HEADLINE,
    KEY_INDICATORS,
    Chart,
    bar_gemeinden,
    headline_tile,
    pivot_sozialraeume,
    table_kreisvergleich,
    timeseries,
)
from bundle_dashboards import Dashboard
from bundle_datasets import DS_OEFFENTLICH, is_public, read_catalogue
from bundle_massnahmen import mit_massnahmen

KEY = "oeffentlich"
TITLE = "Sozialraum-Monitor – öffentlich"

HINWEIS = """\
### Öffentliche Daten

Dieses Dashboard ist **ohne Anmeldung** sichtbar. Es zeigt nur Indikatoren, die der Indikatorenkatalog keiner
Geheimhaltung unterstellt: amtliche Statistik (GENESIS/Regionalstatistik, Statistik der BA) und die Zählungen
von Jobcenter, Sozialamt und Wohngeldstelle, deren kleine Werte schon die Quelle sperrt – jeweils nur auf den
Gebietsebenen, die der Katalog freigibt (Gemeinde, Sozialraum, Kreis; Land und Bund als Vergleich).

Fallzahlen der Kinder- und Jugendhilfe (Hilfen zur Erziehung, § 8a, § 42) unterliegen der Geheimhaltung und
fehlen hier; angemeldete Gemeinden und Träger sehen sie für ihr eigenes Gebiet.

Gesperrte Werte bleiben leer (nie 0). Alle Jahre auf einem Gebietsstand. Die gestrichelten Linien der
Zeitreihe markieren den Beginn von Maßnahmen des Kreises und seiner Träger (Tabelle „Maßnahmen“ unten).
"""


def public_ids(ids: list[str]) -> list[str]:
    """The indicators of `ids` the catalogue marks public (data class 'oeffentlich')."""
    cat = read_catalogue()
    return [i for i in ids if is_public(cat.get(i))]


def info_chart() -> Chart:
    metrics = ["hinweis", "anzahl_indikatoren", "erstes_jahr", "juengstes_jahr"]
    return Chart(f"info:{KEY}", "Datenstand und Umfang – öffentlich", "table", DS_OEFFENTLICH, {
        "query_mode": "aggregate", "groupby": [], "metrics": metrics, "percent_metrics": [],
        "adhoc_filters": [], "row_limit": 10, "server_page_length": 0, "order_desc": True,
        "include_search": False, "show_cell_bars": False, "allow_render_html": False,
        "table_timestamp_format": "smart_date", "conditional_formatting": [],
        "column_config": {"erstes_jahr": {"d3NumberFormat": "d"}, "juengstes_jahr": {"d3NumberFormat": "d"}},
    }, {"columns": [], "metrics": metrics, "orderby": [], "row_limit": 10},
        "Hinweis auf Demodaten (solange synthetische Lieferungen im Mart sind), Zahl der öffentlichen Indikatoren, "
        "erstes und jüngstes Berichtsjahr (Datenstand)")


def definitions_chart() -> Chart:
    groupby = ["indikator", "definition", "zaehler_definition", "nenner_definition", "einheit", "stichtagsregel"]
    metrics = ["quellen", "erstes_jahr", "juengstes_jahr"]
    return Chart(f"definitionen:{KEY}", "Öffentliche Indikatoren: Definitionen und Quellen", "table",
                 DS_OEFFENTLICH, {
                     "query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "percent_metrics": [],
                     "adhoc_filters": [], "row_limit": 1000, "server_page_length": 10, "order_desc": False,
                     "include_search": True, "show_cell_bars": False, "allow_render_html": False,
                     "table_timestamp_format": "smart_date", "conditional_formatting": [],
                     "column_config": {"erstes_jahr": {"d3NumberFormat": "d"},
                                       "juengstes_jahr": {"d3NumberFormat": "d"}},
                 }, {"columns": groupby, "metrics": metrics, "orderby": [["indikator", True]], "row_limit": 1000},
                 "Definition, Zähler, Nenner, Einheit, Stichtagsregel (aus dem Indikatorenkatalog), Quellen und "
                 "Berichtsjahre jedes öffentlichen Indikators")


def oeffentlich(massnahmen: Chart) -> tuple[list[Chart], Dashboard]:
    """The public dashboard; `massnahmen` is the measures table chart (bundle_massnahmen.massnahmen_chart), placed
    on it and the source of its time series' annotation layer."""
    d = Dashboard(KEY, TITLE, "")
    d.dataset = DS_OEFFENTLICH
    info = info_chart()
    tiles = [headline_tile(i, DS_OEFFENTLICH, key=f"tile:{KEY}:{i}") for i in public_ids(HEADLINE)]
    ts = mit_massnahmen(timeseries(f"zeitreihe:{KEY}", "Gewählter Indikator je Jahr: Sozialräume, Kreis, Land und Bund",
                    ["wert"], ["gebiet_name"], ["sozialraum", "kreis", "land", "bund"],
                    "Gewählter öffentlicher Indikator über die Jahre je Sozialraum und für den Kreis, mit Land und "
                    "Bund als Referenzlinien (amtliche Zeilen; nur wo die Tabellen sie enthalten)", DS_OEFFENTLICH),
                        massnahmen)
    bar = bar_gemeinden(f"gemeinden:{KEY}", "Gewählter Indikator: Gemeinden im Vergleich", DS_OEFFENTLICH)
    pv = pivot_sozialraeume(f"sozialraeume:{KEY}", "Öffentliche Schlüsselindikatoren: Sozialräume, Kreis, Land, Bund",
                            public_ids(KEY_INDICATORS), DS_OEFFENTLICH)
    kv = table_kreisvergleich(f"kreisvergleich:{KEY}", "Gewählter Indikator: Gemeinden und Sozialräume gegenüber dem "
                              "Kreis", DS_OEFFENTLICH)
    defs = definitions_chart()
    width = 12 // max(len(tiles), 1)
    d.row((info, 12, 26))
    d.row(*[(t, width, 38) for t in tiles])
    d.row((ts, 6, 70), (bar, 6, 70))
    d.row((pv, 7, 70), (kv, 5, 70))
    d.row((HINWEIS, 4, 60), (defs, 8, 60))
    d.row((massnahmen, 12, 50))
    d.exclude("jahr", info, *tiles, ts, defs, massnahmen)
    d.exclude("indikator", info, *tiles, pv, defs, massnahmen)
    d.exclude("gebiet", info, *tiles, defs, massnahmen)
    return [info, *tiles, ts, bar, pv, kv, defs, massnahmen], d
