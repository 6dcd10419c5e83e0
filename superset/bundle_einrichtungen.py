"""The facility layer of the overview dashboard (issue 13 part 5): a deck.gl scatter map of the social facilities
(dataset rpt_einrichtungen, dbt model dbt_project/models/reporting/rpt_einrichtungen.sql), coloured by type.

The dataset has one row per facility, not per area: the dashboard's native filters (Jahr, Indikator, Sozialraum,
Gemeinde) target the indicator dataset and do not apply to this chart. Layout only, like bundle_charts.py:
columns and metrics come from the dbt YAML.
"""

from __future__ import annotations

from bundle_charts import Chart
from bundle_datasets import DS_EINRICHTUNGEN

KEY = "einrichtungen:ueberblick"
FILTERS = ("jahr", "indikator", "gebiet")  # the overview's filters, none of which applies to facilities


def einrichtungen_karte() -> Chart:
    columns = ["lon", "lat", "art", "name", "traeger", "kapazitaet", "gemeinde"]
    return Chart(KEY, "Karte: Soziale Einrichtungen nach Art (Kita, Familienzentrum, Jugendzentrum, …)",
                 "deck_scatter", DS_EINRICHTUNGEN, {
                     "spatial": {"type": "latlong", "lonCol": "lon", "latCol": "lat"},
                     "row_limit": 10000, "adhoc_filters": [], "time_range": "No filter",
                     "point_radius_fixed": {"type": "fix", "value": 250}, "point_unit": "square_m",
                     "min_radius": 3, "max_radius": 12, "multiplier": 1,
                     "dimension": "art", "color_picker": {"r": 3, "g": 65, "b": 73, "a": 1},
                     "color_scheme": "supersetColors", "legend_position": "tr", "legend_format": None,
                     "js_columns": ["name", "traeger", "kapazitaet", "gemeinde"], "js_data_mutator": "",
                     "js_tooltip": "", "js_onclick_href": "", "table_filter": False,
                     "mapbox_style": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "autozoom": True,
                     "viewport": {"longitude": 8.83, "latitude": 49.86, "zoom": 9.2, "bearing": 0, "pitch": 0},
                 }, {"columns": columns, "metrics": [], "orderby": [], "row_limit": 10000},
                 "Kitas, Familienzentren, Jugendzentren, Beratungsstellen, Schulen und Jobcenter-Standorte des "
                 "aktuellen Einrichtungsregisters (Farbe: Art; Grundkarte OpenStreetMap, offline nicht verfügbar). "
                 "Demodaten sind im Namen gekennzeichnet.")


def add_to_overview(dashboard, charts: list[Chart]) -> None:
    """Append the facility map as a full-width row of the overview dashboard, outside its native filters, and the
    chart to `charts`."""
    chart = einrichtungen_karte()
    dashboard.row((chart, 12, 80))
    for filt in FILTERS:
        dashboard.exclude(filt, chart)
    charts.append(chart)
