"""Charts of the Superset bundle: form data and the query context the frontend would send for it.

Layout only: the datasets (columns, metrics) come from the dbt YAML (bundle_datasets.py)."""

from __future__ import annotations

import json
from typing import Any

from bundle_datasets import (
    DS_AUSSCHLUESSE,
    DS_KARTE,
    DS_KATALOG,
    DS_PUBLIKATION,
    DS_SOZIALINDEX,
    DS_SOZIALINDEX_KARTE,
    DS_WERTE,
    STATUS_KLASSEN,
    is_public,
    read_catalogue,
    sozialindex_config,
    uid,
)

# --------------------------------------------------------------------------------------------
# Indicator groups of the dashboards
# --------------------------------------------------------------------------------------------
HEADLINE = ["bevoelkerung", "sgb2_quote", "kinderarmut", "hze_eckwert", "arbeitslosenanteil"]
HEADLINE_TITLES = {"bevoelkerung": "Bevölkerung", "sgb2_quote": "SGB-II-Quote", "kinderarmut": "Kinderarmut",
                   "hze_eckwert": "HzE-Eckwert", "arbeitslosenanteil": "Arbeitslosenanteil"}
KEY_INDICATORS = ["bevoelkerung", "anteil_unter_18", "anteil_65_plus", "sgb2_quote", "kinderarmut",
                  "arbeitslosenanteil", "hze_eckwert"]
THEMES = {
    "armut": ("Armut & SGB II", ["sgb2_quote", "kinderarmut", "alleinerziehende_bg_anteil", "altersarmut",
                                 "mindestsicherungsquote", "wohngeld_je_1000_haushalte"]),
    "arbeitsmarkt": ("Arbeitsmarkt", ["arbeitslosenanteil", "juengere_arbeitslose", "aeltere_arbeitslose",
                                      "langzeitarbeitslosenanteil", "auslaendische_arbeitslose",
                                      "beschaeftigtenquote", "beschaeftigungsquote_frauen",
                                      "beschaeftigtenquote_jahresende", "pendlersaldo_je_100"]),
    "jugend": ("Kinder, Jugend & Familie", [
        "hze_eckwert", "hze_ambulant_eckwert", "hze_stationaer_eckwert", "erziehungsberatung_eckwert",
        "eingliederungshilfe_35a_eckwert", "junge_volljaehrige_eckwert", "inobhutnahmen_je_1000_u18",
        "gefaehrdungseinschaetzungen_je_1000_u18", "anteil_akute_latente_gefaehrdung",
        "hze_anteil_transferleistung", "hze_anteil_alleinerziehend", "alleinerziehende_haushalte_anteil"]),
    "demografie": ("Demografie", ["bevoelkerung", "anteil_unter_18", "anteil_65_plus", "jugendquotient",
                                  "altenquotient", "durchschnittsalter", "wanderungssaldo_je_1000",
                                  "familienwanderung", "bildungswanderung", "ruhestandswanderung",
                                  "auslaenderanteil", "anteil_minderjaehrige_auslaendisch"]),
}
ALL_INDICATORS = list(dict.fromkeys(HEADLINE + [i for _, ids in THEMES.values() for i in ids]))
DEFAULT_INDICATOR = {"ueberblick": "sgb2_quote", "armut": "sgb2_quote", "arbeitsmarkt": "arbeitslosenanteil",
                     "jugend": "hze_eckwert", "demografie": "anteil_65_plus", "monatsmonitor": "sgb2_quote",
                     "oeffentlich": "sgb2_quote"}


def simple_filter(col: str, op: str, val: Any) -> dict:
    return {"clause": "WHERE", "comparator": val, "expressionType": "SIMPLE", "operator": op,
            "subject": col, "isExtra": False, "isNew": False,
            "filterOptionName": f"filter_{col}_{op}".lower().replace(" ", "_")}


def indicator_rows(metrics: list[str]) -> list[dict]:
    """The filter `indikator_id IN (<the metrics>)` for a chart whose metrics are all catalogue indicators (each
    `MAX(CASE WHEN indikator_id = '<id>' THEN wert END)`, bundle_datasets.catalogue_metrics): the same values, but
    only the rows of those indicators are read and grouped - not an empty group (a line, a row) for every area and
    year of every other indicator. On the Germany-wide mart (10,797 Sozialräume) the chart "Wanderung nach
    Lebensphasen" returned 11 MB of such empty series (7 s) while it has no value there at all."""
    ids = set(read_catalogue()) | set(ALL_INDICATORS)
    return [simple_filter("indikator_id", "IN", list(metrics))] if metrics and set(metrics) <= ids else []


# At most this many lines per time series (Superset's series limit: the series with the highest values of the first
# metric): a Kreis has a few dozen Sozialräume; Germany-wide, without a Sozialraum or Gemeinde filter, a line per
# Sozialraum would be 10,797 lines (1-3 MB and 1-3 s per request, and an unreadable chart).
SERIES_LIMIT = 100
# At most this many rows in the pivot table of the Sozialräume (the same reason).
PIVOT_ROW_LIMIT = 1000


def _qc_filters(adhoc: list[dict]) -> list[dict]:
    return [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]} for f in adhoc]


def x_axis(col: str = "zeitpunkt", grain: str = "P1Y") -> dict:
    return {"timeGrain": grain, "columnType": "BASE_AXIS", "sqlExpression": col, "label": col,
            "expressionType": "SQL"}


class Chart:
    """One chart: its params (form data) and a matching query context."""

    registry: list[Chart] = []

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


def raw_table(key: str, name: str, dataset: str, columns: list[str], order_by: tuple[str, bool], adhoc: list[dict],
              description: str, *, timestamp_format: str = "smart_date", column_config: dict | None = None) -> Chart:
    """A searchable table of the dataset's rows as they are (query mode raw, up to 1000, 10 a page), ordered by one
    column (`order_by`: column, ascending)."""
    column, ascending = order_by
    params = {
        "query_mode": "raw", "all_columns": columns, "groupby": [], "metrics": [], "percent_metrics": [],
        "order_by_cols": [json.dumps([column, ascending])], "row_limit": 1000, "server_page_length": 10,
        "adhoc_filters": adhoc, "table_timestamp_format": timestamp_format, "show_cell_bars": False,
        "include_search": True, "allow_render_html": False, "conditional_formatting": [],
    }
    if column_config is not None:
        params["column_config"] = column_config
    return Chart(key, name, "table", dataset, params,
                 {"columns": columns, "orderby": [[column, ascending]], "row_limit": 1000}, description)


def definitions_chart(key: str, thema: str, ids: list[str] | None) -> Chart:
    cols = ["name", "definition", "zaehler", "nenner", "einheit", "stichtagsregel", "quelle"]
    adhoc = [simple_filter("indikator_id", "IN", ids)] if ids else []
    return raw_table(key, f"Indikatoren und Definitionen – {thema}", DS_KATALOG, cols, ("name", True), adhoc,
                     "Aus dem Indikatorenkatalog (mart.indikatoren)")


def headline_tile(ind: str, dataset: str = DS_WERTE, key: str | None = None) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "==", "kreis")]
    return Chart(key or f"tile:{ind}", f"{HEADLINE_TITLES[ind]} (Kreis)", "big_number", dataset, {
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
               description: str, dataset: str = DS_WERTE, *, axis: tuple[str, str, str] = ("zeitpunkt", "P1Y", "%Y"),
               y_axis_format: str | None = None, marker_size: int = 6) -> Chart:
    """A line per `groupby` value over time; `axis` = (time column, its grain, its label format); the y axis
    without decimals for the population count by default."""
    col, grain, time_format = axis
    adhoc = [simple_filter("gebiet_ebene", "IN", ebenen), *indicator_rows(metrics)]
    limit = {"limit": SERIES_LIMIT, "timeseries_limit_metric": metrics[0]} if groupby else {}
    if y_axis_format is None:
        y_axis_format = ",.0f" if metrics == ["bevoelkerung"] else ",.1f"
    return Chart(key, name, "echarts_timeseries_line", dataset, {
        "x_axis": col, "time_grain_sqla": grain, "x_axis_sort_asc": True, "metrics": metrics,
        "groupby": groupby, "adhoc_filters": adhoc, "row_limit": 10000, "truncate_metric": True,
        "show_legend": True, "legendType": "scroll", "legendOrientation": "top", "rich_tooltip": True,
        "x_axis_time_format": time_format, "y_axis_format": y_axis_format,
        "markerEnabled": True, "markerSize": marker_size,
        "order_desc": True, "time_range": "No filter", "comparison_type": "values", "annotation_layers": [], **limit,
    }, {"columns": [x_axis(col, grain), *groupby], "metrics": metrics, "orderby": [[metrics[0], False]],
        "series_columns": groupby,
        **({"series_limit": SERIES_LIMIT, "series_limit_metric": metrics[0]} if groupby else {}),
        "post_processing": [
            {"operation": "pivot", "options": {"index": [col], "columns": groupby,
                                                "aggregates": {m: {"operator": "mean"} for m in metrics},
                                                "drop_missing_columns": False}},
            {"operation": "flatten"}]}, description)


def bar_gemeinden(key: str, name: str, dataset: str = DS_WERTE) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "==", "gemeinde")]
    return Chart(key, name, "echarts_timeseries_bar", dataset, {
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


def pivot_sozialraeume(key: str, name: str, metrics: list[str], dataset: str = DS_WERTE) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "IN", ["sozialraum", "kreis", "land", "bund"]), *indicator_rows(metrics)]
    return Chart(key, name, "pivot_table_v2", dataset, {
        "groupbyRows": ["gebiet_name"], "groupbyColumns": [], "metrics": metrics, "metricsLayout": "COLUMNS",
        "adhoc_filters": adhoc, "row_limit": PIVOT_ROW_LIMIT, "aggregateFunction": "Sum", "valueFormat": ",.1f",
        "rowOrder": "key_a_to_z", "colOrder": "key_a_to_z", "rowTotals": False, "colTotals": False,
        "transposePivot": False, "combineMetric": False, "time_grain_sqla": "P1Y", "time_range": "No filter",
        "conditional_formatting": [],
    }, {"columns": ["gebiet_name"], "metrics": metrics, "orderby": [[metrics[0], False]], "row_limit": PIVOT_ROW_LIMIT},
        "Sozialräume, Kreis, Land und Bund (Vergleichszeilen) im gewählten Jahr")


def table_kreisvergleich(key: str, name: str, dataset: str = DS_WERTE) -> Chart:
    adhoc = [simple_filter("gebiet_ebene", "IN", ["sozialraum", "gemeinde"])]
    metrics = ["wert", "kreiswert", "abweichung_kreis", "landeswert", "bundeswert"]
    groupby = ["gebiet_ebene", "gebiet_name"]  # one indicator: the Indikator filter is required
    return Chart(key, name, "table", dataset, {
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
        "der Klassen): " + ", ".join(f"{farbe} = {k}" for (_, farbe), k in zip(KLASSEN_FARBEN, STATUS_KLASSEN, strict=False))
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
    return raw_table(key, name, DS_SOZIALINDEX, cols, ("statusindex", False), adhoc,
                     "Status- und Dynamikindex, Klassen, Gruppe und die z-Werte der Indexindikatoren je Gebiet im "
                     "jüngsten Jahr, am stärksten benachteiligte Gebiete zuerst",
                     column_config={c: {"d3NumberFormat": "+,.2f"} for c in ["statusindex", "dynamikindex", *z]})


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
    key = " · ".join(f"{farbe} = {k}" for (_, farbe), k in zip(KLASSEN_FARBEN, STATUS_KLASSEN, strict=False))
    # data class of the index rows (dbt macro sozialindex_datenklasse): public unless an index indicator is not
    cat = read_catalogue()
    zugang = ("Der Index beruht nur auf öffentlichen Indikatoren: Gemeinde- und Träger-Konten sehen alle Gebiete."
              if all(is_public(cat.get(i)) for i, _ in cfg["indikatoren"]) else
              "Ein Indexindikator unterliegt der Geheimhaltung: Gemeinde-Konten sehen nur die eigene Gemeinde, "
              "ihren Sozialraum und den Kreis, Träger-Konten ihre Sozialräume.")
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
einem festen Maßstab. {zugang}
"""

