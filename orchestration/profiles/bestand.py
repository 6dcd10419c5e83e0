"""What every profile needs from the published file, read once (`Bestand`): its mart tables and their
columns, the area dimension, the indicator catalogue and the Datenstand lines (publication, deliveries,
Gebietsstand, newest data year).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.profiles.format import datum


class ProfilFehler(ValueError):
    """The published file cannot produce the requested profile."""


def abfrage(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    """The rows of `sql` as dicts (column name → value)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]


@dataclass
class Bestand:
    """What every profile needs from the published file (read once)."""

    tabellen: dict[str, list[tuple[str, str]]]
    gebiete: list[dict[str, Any]]
    katalog: dict[str, dict[str, Any]]
    datenstand: list[tuple[str, str]] = field(default_factory=list)

    def hat(self, tabelle: str) -> bool:
        return tabelle in self.tabellen


def lies_bestand(con: duckdb.DuckDBPyConnection) -> Bestand:
    tabellen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, spalte, typ in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'mart' order by table_name, ordinal_position"
    ).fetchall():
        tabellen[name].append((spalte, typ))
    for pflicht in ("sozialraum_indikatoren", "rpt_indikatorwerte", "dim_gebiet", "indikatoren"):
        if pflicht not in tabellen:
            raise ProfilFehler(f"the published file has no table mart.{pflicht}")
    # in a fixed order: the map draws the areas in this order, and the same data must give the same profile
    gebiete = abfrage(con, "select * from mart.dim_gebiet order by gebiet_ebene, gebiet_id")
    katalog = {r["indikator_id"]: r for r in abfrage(con, "select * from mart.indikatoren")}
    bestand = Bestand(tabellen=dict(tabellen), gebiete=gebiete, katalog=katalog)
    bestand.datenstand = _datenstand(con, bestand)
    return bestand


def _zeitspalten(spalten: list[tuple[str, str]]) -> list[str]:
    return [n for n, t in spalten if t.upper().startswith(("TIMESTAMP", "DATE"))]


def _datenstand(con: duckdb.DuckDBPyConnection, bestand: Bestand) -> list[tuple[str, str]]:
    """(label, value) lines: the publication status table when the file has one (publication time,
    version, deliveries per family), else the deliveries table's dates; then the Gebietsstand (label "")."""
    zeilen: list[tuple[str, str]] = []
    if bestand.hat("publikation_status"):
        spalten = bestand.tabellen["publikation_status"]
        namen = {n for n, _ in spalten}
        zeit = _zeitspalten(spalten)
        bevorzugt = [n for n in zeit if "publi" in n or "veroeff" in n] or zeit
        if bevorzugt:
            wert = con.execute(f'select max("{bevorzugt[0]}") from mart.publikation_status').fetchone()[0]
            zeilen.append(("Veröffentlicht", datum(wert)))
        if "version" in namen:
            wert = con.execute('select max("version") from mart.publikation_status').fetchone()[0]
            zeilen.append(("Version", str(wert)))
        if {"eintrag", "familie"} <= namen:
            demo = "ist_demodaten" in namen
            for familie, dateien, ist_demo in con.execute(
                "select familie, count(*), " + ("bool_or(ist_demodaten)" if demo else "false")
                + " from mart.publikation_status where eintrag = 'lieferung' group by 1 order by 1"
            ).fetchall():
                zeilen.append((f"Lieferungen {familie}", f"{dateien} Datei(en){' (Demodaten)' if ist_demo else ''}"))
    elif bestand.hat("lieferungen"):
        spalten = bestand.tabellen["lieferungen"]
        namen = [n for n, _ in spalten]
        zeit = [n for n in _zeitspalten(spalten) if n in ("stand", "stichtag", "berichtsmonat")] or [
            n for n in _zeitspalten(spalten) if n != "geladen_am"
        ] or _zeitspalten(spalten)
        gruppe = next((n for n in ("familie", "quelle", "tabelle") if n in namen), None)
        if zeit and gruppe:
            for g, wert in con.execute(
                f'select "{gruppe}", max("{zeit[0]}") from mart.lieferungen group by 1 order by 1'
            ).fetchall():
                zeilen.append((f"Stand der Lieferungen {g}", datum(wert)))
        elif zeit:
            wert = con.execute(f'select max("{zeit[0]}") from mart.lieferungen').fetchone()[0]
            zeilen.append(("Stand der Lieferungen", datum(wert)))
    if bestand.hat("gebietsstand"):  # the Gebietsstand every year refers to (dbt model mart.gebietsstand)
        row = con.execute("select bezeichnung from mart.gebietsstand order by ebene = 'gemeinde' desc limit 1").fetchone()
        if row:  # shown as is ("Gebietsstand 31.12.2020"), without a label
            zeilen.append(("", row[0]))
    letztes_jahr = con.execute("select max(jahr) from mart.sozialraum_indikatoren where wert is not null").fetchone()[0]
    if letztes_jahr is not None:
        zeilen.append(("Neuestes Datenjahr", str(letztes_jahr)))
    if not zeilen:
        zeilen.append(("Datenstand", "im veröffentlichten Bestand nicht angegeben"))
    return zeilen
