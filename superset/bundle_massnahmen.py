"""Measures on the timeline (issue 13): the measure list (dbt model rpt_massnahmen) as a table chart and as an
annotation layer ("Event" annotations sourced from that table chart) on the yearly and monthly time series.

Superset's table-sourced annotation layer names its source chart by chart *id*, which exists only after the
import. The committed bundle therefore carries the source chart's UUID as the layer's `value`; provisioning
(`resolve_annotations`, called by superset/provision.py after the import) replaces it with the id of the imported
chart in the params and the stored query context of every chart that has the layer. Titles are free text: the
ECharts tooltip shows them as text, the table chart has `allow_render_html: False`.
"""

from __future__ import annotations

import json
import uuid as uuid_
from pathlib import Path

from bundle_charts import Chart, raw_table, simple_filter
from bundle_datasets import DS_MASSNAHMEN

LAYER_NAME = "Maßnahmen"
COLUMNS = ["beginn", "ende", "titel", "art", "traeger", "massnahme_gebiet_name"]


def massnahmen_chart() -> Chart:
    """Every measure of the current list once (the row of its own area), newest first."""
    adhoc = [simple_filter("ist_eigenes_gebiet", "==", True)]
    return raw_table("massnahmen:liste", "Maßnahmen (aktuelle Maßnahmenliste)", DS_MASSNAHMEN, COLUMNS,
                     ("beginn", False), adhoc,
                     "Maßnahmen des Kreises und seiner Träger (Quelle der Annotationen „Maßnahmen“ der Zeitreihen)",
                     timestamp_format="%d.%m.%Y")


def annotation_layer(value: str | int) -> dict:
    """The layer as Superset stores it in form data and query objects; `value` = the source chart."""
    return {"name": LAYER_NAME, "annotationType": "EVENT", "sourceType": "table", "value": value, "show": True,
            "showLabel": False, "showMarkers": False, "hideLine": False, "titleColumn": "titel",
            "timeColumn": "beginn", "descriptionColumns": ["art", "massnahme_gebiet_name", "traeger"],
            "intervalEndColumn": "", "color": None, "opacity": "", "style": "dashed", "width": 1,
            "overrides": {"time_range": None}}


def mit_massnahmen(chart: Chart, source: Chart) -> Chart:
    """Add the measures layer (source: the table chart, by UUID until provisioning) to a time-series chart."""
    layer = annotation_layer(source.uuid)
    chart.params["annotation_layers"] = [layer]
    chart.query["annotation_layers"] = [layer]
    return chart


def _with_id(layers: list, uuid: str, chart_id: int) -> bool:
    changed = False
    for layer in layers or []:
        if layer.get("name") == LAYER_NAME and layer.get("sourceType") == "table" and str(layer.get("value")) == uuid:
            layer["value"] = chart_id
            changed = True
    return changed


def resolve_annotations(session, slice_model) -> tuple[int, int]:
    """After the import: the measures layers name the imported table chart by id. Returns (its id, charts changed)."""
    uuid = massnahmen_chart().uuid
    source = session.query(slice_model).filter(slice_model.uuid == uuid_.UUID(uuid)).one_or_none()
    if source is None:
        raise RuntimeError(f"the measures chart ({uuid}) was not imported")
    changed = 0
    for chart in session.query(slice_model).all():
        params = json.loads(chart.params or "{}")
        qc = json.loads(chart.query_context) if chart.query_context else None
        hit = _with_id(params.get("annotation_layers"), uuid, source.id)
        if qc is not None:
            hit = any([_with_id(q.get("annotation_layers"), uuid, source.id) for q in qc.get("queries", [])]) or hit
            if "form_data" in qc:
                hit = _with_id(qc["form_data"].get("annotation_layers"), uuid, source.id) or hit
        if hit:
            chart.params = json.dumps(params, ensure_ascii=False)
            if qc is not None:
                chart.query_context = json.dumps(qc, ensure_ascii=False)
            changed += 1
    return source.id, changed


def resolve_rendered(rendered: Path, chart_id: int) -> int:
    """The same in the rendered bundle (`bundle.py render`), so that importing its zip again (POST
    /api/v1/assets/import/) keeps the resolved id: chart ids stay the same when an import overwrites a chart.
    Returns the files changed."""
    import yaml
    from bundle import _dump

    uuid = massnahmen_chart().uuid
    changed = 0
    for path in sorted((rendered / "charts").glob("*.yaml")):
        chart = yaml.safe_load(path.read_text(encoding="utf-8"))
        qc = json.loads(chart["query_context"]) if chart.get("query_context") else None
        hit = _with_id(chart.get("params", {}).get("annotation_layers"), uuid, chart_id)
        if qc is not None:
            hit = any([_with_id(q.get("annotation_layers"), uuid, chart_id) for q in qc.get("queries", [])]) or hit
            hit = _with_id(qc.get("form_data", {}).get("annotation_layers"), uuid, chart_id) or hit
        if hit:
            if qc is not None:
                chart["query_context"] = json.dumps(qc, ensure_ascii=False)
            _dump(path, chart)
            changed += 1
    return changed
