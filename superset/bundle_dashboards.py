"""Dashboards of the Superset bundle: which charts in which rows, native filters and their scope."""

from __future__ import annotations

from typing import Any

from bundle_charts import (
    DEFAULT_INDICATOR,
    HEADLINE,
    KEY_INDICATORS,
    THEMES,
    ZEITREIHE_TEXT,
    Chart,
    bar_gemeinden,
    definitions_chart,
    headline_tile,
    info_chart,
    karte,
    pivot_sozialraeume,
    simple_filter,
    sozialindex_ausschluesse,
    sozialindex_karte,
    sozialindex_matrix,
    sozialindex_methode,
    sozialindex_tabelle,
    table_kreisvergleich,
    timeseries,
)
from bundle_datasets import DS_WERTE, uid
from bundle_einrichtungen import add_to_overview as add_einrichtungen


class Dashboard:
    def __init__(self, key: str, title: str, intro: str):
        self.key, self.title, self.intro = key, title, intro
        self.uuid = uid(f"dashboard:{key}")
        self.rows: list[list[tuple[Chart | str, int, int]]] = []  # (chart or markdown, width, height)
        self.scope_excluded: dict[str, list[Chart]] = {"jahr": [], "indikator": [], "gebiet": []}
        self.indicator_ids: list[str] | None = None
        self.dataset = DS_WERTE  # the dataset the native filters take their values from
        self.jahr_mehrfach = False  # Jahr filter: any number of years, empty = all (Monatsmonitor)

    def row(self, *items: tuple[Chart | str, int, int]) -> None:
        self.rows.append(list(items))

    def exclude(self, filt: str, *charts: Chart) -> None:
        self.scope_excluded[filt].extend(charts)

    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c, _, _ in row if isinstance(c, Chart)]


def _native_filter(fid: str, name: str, column: str, excluded: list[int], *, multi: bool, required: bool,
                   first: bool, ascending: bool, description: str, prefilter: list[dict] | None = None,
                   default: list | None = None, parents: list[str] | None = None, dataset: str = DS_WERTE) -> dict:
    mask: dict[str, Any] = {"extraFormData": {}, "filterState": {}, "ownState": {}}
    if default:
        mask = {"extraFormData": {"filters": [{"col": column, "op": "IN", "val": default}]},
                "filterState": {"value": default, "label": ", ".join(map(str, default))}, "ownState": {}}
    f = {
        "id": fid, "name": name, "filterType": "filter_select", "type": "NATIVE_FILTER",
        "targets": [{"datasetUuid": dataset, "column": {"name": column}}],
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
    jahr_text = ("Berichtsjahr(e) der Monate (leer: alle Monate)" if d.jahr_mehrfach
                 else "Berichtsjahr (Standard: jüngstes Jahr des gewählten Indikators)")
    filters = [
        # Jahr depends on Indikator: its default is the latest year the selected indicator has data for
        # (on the Monatsmonitor: no default, every month, any number of years)
        _native_filter(f"NATIVE_FILTER-{d.key}-jahr", "Jahr", "jahr", ids("jahr"), multi=d.jahr_mehrfach,
                       required=not d.jahr_mehrfach, first=not d.jahr_mehrfach, ascending=False,
                       parents=[f"NATIVE_FILTER-{d.key}-indikator"], description=jahr_text, dataset=d.dataset),
        _native_filter(f"NATIVE_FILTER-{d.key}-sozialraum", "Sozialraum", "sozialraum_name", ids("gebiet"),
                       multi=True, required=False, first=False, ascending=True,
                       description="Sozialräume (Gemeinden und Sozialraumwerte)", prefilter=not_null["sozialraum_name"],
                       dataset=d.dataset),
        _native_filter(f"NATIVE_FILTER-{d.key}-gemeinde", "Gemeinde", "gemeinde", ids("gebiet"), multi=True,
                       required=False, first=False, ascending=True, description="Gemeinden",
                       prefilter=not_null["gemeinde"], dataset=d.dataset),
        _native_filter(f"NATIVE_FILTER-{d.key}-indikator", "Indikator", "indikator", ids("indikator"),
                       multi=False, required=True, first=False, ascending=True,
                       description="Indikator für Karte, Zeitreihe und Gemeindevergleich", prefilter=pre,
                       default=[f"__INDICATOR_NAME__:{DEFAULT_INDICATOR[d.key]}"], dataset=d.dataset),
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
    d.row(*[(t, w, 38) for t, w in zip(tiles, [3, 3, 2, 2, 2], strict=False)])
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
    ueberblick = d
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
        if key == "arbeitsmarkt":
            frauen = timeseries("frauen:arbeitsmarkt", "Beschäftigung insgesamt und der Frauen: Kreis, Land und Bund",
                                ["beschaeftigtenquote", "beschaeftigungsquote_frauen"], ["gebiet_name"],
                                ["kreis", "land", "bund"],
                                "SV-Beschäftigte am Wohnort je 100 Einwohner bzw. Frauen von 15 bis unter 65 Jahren "
                                "(Bevölkerung am 31.12. des Vorjahres) im Kreis, mit Land und Bund (amtliche Zeilen)")
            arbeitslose = timeseries("arbeitslose:arbeitsmarkt",
                                     "Ausländische und langzeitarbeitslose Arbeitslose: Kreis, Land und Bund",
                                     ["auslaendische_arbeitslose", "langzeitarbeitslosenanteil"], ["gebiet_name"],
                                     ["kreis", "land", "bund"],
                                     "Anteile an den Arbeitslosen insgesamt (Jahresdurchschnitte derselben Tabelle) im "
                                     "Kreis, mit Land und Bund als Referenzlinien (amtliche Zeilen)")
            extra = [frauen, arbeitslose]
            d.row((frauen, 6, 60), (arbeitslose, 6, 60))
        if key == "demografie":
            bev = timeseries("bevoelkerung:demografie", "Bevölkerung je Sozialraum", ["bevoelkerung"],
                             ["gebiet_name"], ["sozialraum"], "Einwohner am 31.12. je Sozialraum")
            alt = timeseries("alter:demografie", "Unter 18-Jährige und 65-Jährige und Ältere: Kreis, Land und Bund",
                             ["anteil_unter_18", "anteil_65_plus"], ["gebiet_name"], ["kreis", "land", "bund"],
                             "Anteile im Kreis, mit Land und Bund als Referenzlinien (amtliche Zeilen)")
            wand = timeseries("wanderung:demografie", "Wanderung nach Lebensphasen: Sozialräume und Kreis",
                              ["familienwanderung", "bildungswanderung", "ruhestandswanderung"], ["gebiet_name"],
                              ["sozialraum", "kreis"],
                              "Wanderungssaldo je 1.000 Einwohner der Altersgruppen (INKAR-Abgrenzung): Familien "
                              "(unter 18 und 30 bis unter 50), Bildung (18 bis unter 25), Ruhestand (50 bis unter 65)")
            dalter = timeseries("durchschnittsalter:demografie", "Durchschnittsalter: Sozialräume, Kreis, Land und Bund",
                                ["durchschnittsalter"], ["gebiet_name"], ["sozialraum", "kreis", "land", "bund"],
                                "Durchschnittsalter am 31.12. in Jahren; Sozialräume und Kreis: mit den Einwohnern "
                                "gewichtetes Mittel der Gemeinden, Land und Bund: amtliche Werte")
            extra = [bev, alt, wand, dalter]
            d.row((bev, 6, 60), (alt, 6, 60))
            d.row((wand, 7, 60), (dalter, 5, 60))
        d.row((pv, 7, 70), (kv, 5, 70))
        d.row((defs, 12, 55))
        d.exclude("jahr", info, ts, *extra, defs)
        d.exclude("indikator", info, pv, *extra, defs)
        # the Sozialraum/Gemeinde filter applies where areas are shown (not to Kreis, Land and Bund lines alone)
        d.exclude("gebiet", info, defs, *[e for e in extra if e.key not in (
            "bevoelkerung:demografie", "wanderung:demografie", "durchschnittsalter:demografie")])
        charts += [info, ts, bar, *extra, pv, kv, defs]
        dashboards.append(d)

    # 6 Monatsmonitor (every SGB II month; superset/bundle_monatsmonitor.py)
    from bundle_monatsmonitor import monatsmonitor

    monat_charts, monat_dashboard = monatsmonitor()
    charts += monat_charts
    dashboards.append(monat_dashboard)

    # 7 measures on the timeline: an annotation layer on every time series (superset/bundle_massnahmen.py), its
    # source the measures table chart, which the public dashboard shows
    from bundle_massnahmen import massnahmen_chart, mit_massnahmen

    quelle = massnahmen_chart()
    charts = [mit_massnahmen(c, quelle) if c.viz == "echarts_timeseries_line" else c for c in charts]

    # 8 the public dashboard (no login; the datasets rpt_oeffentlich and rpt_massnahmen;
    # superset/bundle_oeffentlich.py)
    from bundle_oeffentlich import oeffentlich

    public_charts, public_dashboard = oeffentlich(quelle)
    charts += public_charts
    dashboards.append(public_dashboard)

    # 8 the facility map layer of the overview (superset/bundle_einrichtungen.py; last, so chart ids stay put)
    add_einrichtungen(ueberblick, charts)
    return charts, dashboards

