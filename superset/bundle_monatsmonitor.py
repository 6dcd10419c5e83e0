"""The dashboard „Monatsmonitor“: SGB-II-Quote and Kinderarmut per Berichtsmonat (dataset rpt_monatswerte,
dbt model dbt_project/models/reporting/rpt_monatswerte.sql, from mart.sgb2_monatswerte).

Layout only, like bundle_charts.py / bundle_dashboards.py: the dataset's columns and metrics come from the
dbt YAML. The native filters are those of the other dashboards (Jahr, Sozialraum, Gemeinde, Indikator), taken
from rpt_monatswerte; Jahr may hold several years and is empty by default (every month).
"""

from __future__ import annotations

from bundle_charts import Chart, definitions_chart, info_chart, simple_filter, timeseries
from bundle_dashboards import Dashboard
from bundle_datasets import DS_MONAT

KEY = "monatsmonitor"
TITLE = "Monatsmonitor"
INDICATORS = ["sgb2_quote", "kinderarmut"]

METHODE = """\
### Monatsmonitor SGB II

Jeder gelieferte Berichtsmonat der SGB-II-Gemeindetabellen (Statistik der BA / Jobcenter) – nicht nur der
Dezember, den die Jahreswerte der anderen Dashboards führen.

- **SGB-II-Quote:** Leistungsberechtigte insgesamt (RLB + SLB) je 100 Einwohner unter 65 Jahren.
- **Kinderarmut:** nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren je 100 Einwohner unter 15 Jahren.
- **Nenner:** die Bevölkerung am **31.12. des Vorjahres** (Januar bis November). Der Dezember ist selbst der
  Bestand zum 31.12. und wird wie der Jahreswert durch die Bevölkerung am selben 31.12. geteilt – der
  Dezemberwert ist daher gleich dem Jahreswert.
- Sozialräume und Kreis: Σ Zähler / Σ Nenner der Gemeinden; ist ein Gemeindewert in der Quelle gesperrt (`*`),
  bleibt der Wert des Gebiets im Monat leer (nie 0).
- **Ortsteile** (Tabelle): Monatszahlen des kommunalen Jobcenters je Ortsteil über die Einwohner des Ortsteils
  laut Melderegister; vertraulich (nur für die eigene Gemeinde sichtbar), kleine Werte und ihre Ergänzungen sind
  gesperrt.

Filter **Jahr**: ein oder mehrere Jahre (leer: alle Monate). Alle Monate auf einem Gebietsstand.
"""


def zeitreihe(key: str, name: str, metrics: list[str], ebenen: list[str], description: str) -> Chart:
    """Line per area (gebiet_name) over the months."""
    return timeseries(key, name, metrics, ["gebiet_name"], ebenen, description, DS_MONAT,
                      axis=("monat", "P1M", "%m/%Y"), y_axis_format=",.1f", marker_size=4)


def monatstabelle(key: str, name: str) -> Chart:
    """Values per month and area with Kreis value and the same month a year earlier, highest value first."""
    groupby = ["monat", "gebiet_ebene", "gebiet_name"]
    metrics = ["wert", "kreiswert", "abweichung_kreis", "vorjahresmonat", "veraenderung_vorjahresmonat"]
    # Ortsteile: the Jobcenter's confidential Ortsteil months (row-level security: only the own Gemeinde's roles)
    adhoc = [simple_filter("gebiet_ebene", "IN", ["kreis", "sozialraum", "gemeinde", "ortsteil"])]
    return Chart(key, name, "table", DS_MONAT, {
        "query_mode": "aggregate", "groupby": groupby, "metrics": metrics, "percent_metrics": [],
        "adhoc_filters": adhoc, "row_limit": 5000, "server_page_length": 25, "order_desc": True,
        "timeseries_limit_metric": None, "include_search": True, "show_cell_bars": False,
        "table_timestamp_format": "%m/%Y", "allow_render_html": False, "time_grain_sqla": "P1M",
        "time_range": "No filter", "conditional_formatting": [],
        "column_config": {"wert": {"d3NumberFormat": ",.1f"}, "kreiswert": {"d3NumberFormat": ",.1f"},
                          "abweichung_kreis": {"d3NumberFormat": "+,.1f"},
                          "vorjahresmonat": {"d3NumberFormat": ",.1f"},
                          "veraenderung_vorjahresmonat": {"d3NumberFormat": "+,.1f"}},
    }, {"columns": groupby, "metrics": metrics, "orderby": [["wert", False]], "row_limit": 5000},
        "Gewählter Indikator je Monat und Gebiet mit Kreiswert, Abweichung vom Kreis, Wert im Vorjahresmonat und "
        "Veränderung (Prozentpunkte); höchste Werte zuerst, jede Spalte sortierbar, Suche nach Gebiet")


def monatsmonitor() -> tuple[list[Chart], Dashboard]:
    d = Dashboard(KEY, TITLE, "")
    d.indicator_ids = INDICATORS
    d.dataset = DS_MONAT
    d.jahr_mehrfach = True
    info = info_chart(f"info:{KEY}", TITLE, INDICATORS)
    quote = zeitreihe(f"quote:{KEY}", "SGB-II-Quote je Monat: Sozialräume und Kreis", ["sgb2_quote"],
                      ["sozialraum", "kreis"], "Leistungsberechtigte SGB II je 100 Einwohner unter 65 Jahren, je "
                      "Berichtsmonat; Nenner: Bevölkerung am 31.12. des Vorjahres (Dezember: am selben 31.12.)")
    kinder = zeitreihe(f"kinderarmut:{KEY}", "Kinderarmut je Monat: Sozialräume und Kreis", ["kinderarmut"],
                       ["sozialraum", "kreis"], "NEF unter 15 Jahren je 100 Einwohner unter 15 Jahren, je "
                       "Berichtsmonat; Nenner: Bevölkerung am 31.12. des Vorjahres (Dezember: am selben 31.12.)")
    gemeinden = zeitreihe(f"gemeinden:{KEY}", "Gewählter Indikator je Monat: Gemeinden", ["wert"], ["gemeinde"],
                          "Gewählter Indikator (Filter Indikator) je Gemeinde und Berichtsmonat")
    tabelle = monatstabelle(f"tabelle:{KEY}", "Monatswerte mit Kreiswert und Vorjahresmonat")
    defs = definitions_chart(f"definitionen:{KEY}", TITLE, INDICATORS)
    d.row((info, 12, 26))
    d.row((quote, 6, 70), (kinder, 6, 70))
    d.row((gemeinden, 7, 80), (METHODE, 5, 80))
    d.row((tabelle, 12, 70))
    d.row((defs, 12, 45))
    d.exclude("jahr", info, defs)
    d.exclude("indikator", info, quote, kinder, defs)
    d.exclude("gebiet", info, defs)
    return [info, quote, kinder, gemeinden, tabelle, defs], d
