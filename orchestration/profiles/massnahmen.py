"""The measures of a profile's area (issue 13): the section "Maßnahmen" of the Gemeinde and Sozialraum profiles.

Read from the report model `mart.rpt_massnahmen` (one row per measure and area level; never from raw): the
measures of the area itself and of the areas in it (Ortsteile of a Gemeinde; Gemeinden and Ortsteile of a
Sozialraum), the measures of a Gemeinde's Sozialraum, and the Kreis-wide ones. Titles and Träger are free text:
the template escapes them (autoescape), nothing here builds HTML.
"""

from __future__ import annotations

from typing import Any

import duckdb

from orchestration.profiles.format import datum

EBENE = {"ortsteil": "Ortsteil", "gemeinde": "Gemeinde", "sozialraum": "Sozialraum", "kreis": "Kreis"}


def zeitraum(beginn, ende) -> str:
    """"seit 01.09.2019" for an ongoing measure, else "15.01.2018 – 31.12.2021"."""
    return f"seit {datum(beginn)}" if ende is None else f"{datum(beginn)} – {datum(ende)}"


def massnahmen(con: duckdb.DuckDBPyConnection, tabellen: dict[str, Any] | Any, gebiet: dict[str, Any],
               kreis_ags: str | None) -> list[dict[str, Any]]:
    """The measures to list in the profile of `gebiet` (a dim_gebiet row of a Gemeinde or Sozialraum), newest
    first; [] when the published file has no mart.rpt_massnahmen (an older file)."""
    if "rpt_massnahmen" not in tabellen:
        return []
    sozialraum = gebiet.get("sozialraum_id") if gebiet["gebiet_ebene"] == "gemeinde" else None
    rows = con.execute("""
        select distinct massnahme_id, titel, traeger, art, beginn, ende, massnahme_gebiet_ebene,
               massnahme_gebiet_name
        from mart.rpt_massnahmen
        where (gebiet_ebene = $ebene and gebiet_id = $id)
           or (ist_eigenes_gebiet and massnahme_gebiet_ebene = 'sozialraum' and massnahme_gebiet_id = $sozialraum)
           or (ist_eigenes_gebiet and massnahme_gebiet_ebene = 'kreis' and massnahme_gebiet_id = $kreis)
        order by beginn desc, massnahme_id""",
        {"ebene": gebiet["gebiet_ebene"], "id": gebiet["gebiet_id"], "sozialraum": sozialraum,
         "kreis": kreis_ags}).fetchall()
    return [
        {"id": mid, "titel": titel, "traeger": traeger or "–", "art": art, "zeitraum": zeitraum(beginn, ende),
         "laufend": ende is None, "gebiet": f"{EBENE.get(ebene, ebene)} {name}"}
        for mid, titel, traeger, art, beginn, ende, ebene, name in rows
    ]
