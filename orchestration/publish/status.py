"""The status table `mart.publikation_status` of a published file: publication, deliveries per family,
stale families and refused deliveries, Gebietsstand, checks and table sizes (docs/contracts.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

STATUS_TABLE = "publikation_status"
STATE_TABLE = "raw.ingest__lieferstatus"  # the delivery state log of the ingest runner


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _family_deliveries(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(familie, datei, sha256, berichtszeitraum, ist_demodaten, zeilen, geladen_am) of every raw
    deliveries table in the attached working database `w`."""
    columns: dict[str, set[str]] = {}  # deliveries table -> its columns (one query: each costs ~30 ms)
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'w' AND table_schema = 'raw' "
        "AND (table_name LIKE '%\\_\\_lieferungen' ESCAPE '\\' OR table_name = 'genesis__werte')"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    genesis_werte = columns.pop("genesis__werte", None) is not None
    has_state = _has_state_table(con)
    rows: list[tuple] = []
    for table in sorted(columns):
        family = table.split("__", 1)[0]
        cols = columns[table]

        def col(name: str, cast: str = "VARCHAR", cols: set = cols) -> str:
            return f"CAST(l.{_q(name)} AS {cast})" if name in cols else f"CAST(NULL AS {cast})"

        if "berichtszeitraum" in cols:
            period = col("berichtszeitraum")
        elif family == "genesis" and genesis_werte:
            # GENESIS deliveries name their reference dates in the rows: table id and time labels.
            period = ("(SELECT l.tabelle || ': ' || string_agg(DISTINCT v.zeit, ', ' ORDER BY v.zeit) "
                      "FROM w.raw.genesis__werte v WHERE v.sha256 = l.sha256)")
        elif {"jahr_von", "jahr_bis", "ziel_jahr"} <= cols:  # Gebietsstand keys: the years they convert
            period = "(l.jahr_von || '–' || l.jahr_bis || ' → Gebietsstand 31.12.' || l.ziel_jahr)"
        else:
            period = "CAST(NULL AS VARCHAR)"
        # refused, quarantined and retracted deliveries are not part of what is published
        valid = (f"l.sha256 NOT IN (SELECT sha256 FROM w.{STATE_TABLE} WHERE familie = ? QUALIFY row_number() OVER "
                 f"(PARTITION BY sha256 ORDER BY nr DESC) = 1 AND status IN ('abgelehnt', 'quarantaene', "
                 f"'zurueckgezogen', 'neu'))") if has_state else "true"
        rows += con.execute(
            f"""SELECT ? AS familie, {col('datei')}, {col('sha256')}, {period}, {col('ist_demodaten', 'BOOLEAN')},
                       {col('zeilen', 'BIGINT')}, {col('geladen_am', 'TIMESTAMP')}
                FROM w.raw.{_q(table)} l WHERE {valid} ORDER BY 7, 2""",
            [family, family] if valid != "true" else [family],
        ).fetchall()
    return rows


def _has_state_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' "
        "AND table_name = 'ingest__lieferstatus'").fetchone()[0])


def _family_rows(con: duckdb.DuckDBPyConnection, deliveries: list[tuple]) -> list[tuple]:
    """(familie, ergebnis, berichtszeitraum, details) per landing family and the refused deliveries
    (familie, datei, sha256, refused at, reason) that make a family stale (contracts: partial publication)."""
    from orchestration.ingest.delivery import FAMILY_SUFFIXES
    from orchestration.ingest.lieferstatus import family_status

    newest: dict[str, tuple] = {}
    for d in deliveries:
        if d[0] in FAMILY_SUFFIXES and (d[0] not in newest or (d[6] or dt.datetime.min) >= (newest[d[0]][6] or dt.datetime.min)):
            newest[d[0]] = d
    families, refused = [], []
    states = family_status(con, FAMILY_SUFFIXES, table=f"w.{STATE_TABLE}") if _has_state_table(con) else []
    for state in states:
        latest = newest.get(state.familie)
        period = latest[3] if latest else None
        if state.veraltet:
            details = (f"veraltet: {len(state.abgelehnt)} Lieferung(en) abgelehnt "
                       f"({', '.join(s.datei for s in state.abgelehnt)}); veröffentlicht ist der letzte geprüfte Stand"
                       + (f" (neueste Lieferung {latest[1]})" if latest else ""))
        else:
            details = f"aktuell: neueste Lieferung {latest[1]}" if latest else "keine Lieferung"
        families.append((state.familie, "veraltet" if state.veraltet else "aktuell", period, details))
        refused += [(state.familie, s.datei, s.sha256, s.am, s.grund) for s in state.abgelehnt]
    return families, refused


def _write_status(con: duckdb.DuckDBPyConnection, *, published_at: dt.datetime, run_id: str, version_name: str,
                  checks: list[dict[str, Any]], mart_tables: dict[str, int], stand: dict | None = None) -> None:
    con.execute(f"""CREATE TABLE mart.{STATUS_TABLE} (
        eintrag VARCHAR NOT NULL,          -- publikation | lieferung | familie | abgelehnt | gebietsstand | pruefung | tabelle
        veroeffentlicht_am TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        familie VARCHAR,
        datei VARCHAR,
        sha256 VARCHAR,
        berichtszeitraum VARCHAR,
        ist_demodaten BOOLEAN,
        zeilen BIGINT,
        geladen_am TIMESTAMP,
        pruefung VARCHAR,
        geprueftes_asset VARCHAR,
        ergebnis VARCHAR,
        details VARCHAR
    )""")
    deliveries = _family_deliveries(con)
    demo = any(bool(d[4]) for d in deliveries)
    rows: list[dict[str, Any]] = [{
        "eintrag": "publikation", "ist_demodaten": demo, "zeilen": len(deliveries),
        "details": json.dumps({"tabellen": mart_tables, "pruefungen": len(checks), "stand": stand}, ensure_ascii=False),
    }]
    rows += [{"eintrag": "lieferung", "familie": familie, "datei": datei, "sha256": sha, "berichtszeitraum": period,
              "ist_demodaten": ist_demo, "zeilen": zeilen, "geladen_am": geladen}
             for familie, datei, sha, period, ist_demo, zeilen, geladen in deliveries]
    families, refused = _family_rows(con, deliveries)
    rows += [{"eintrag": "familie", "familie": familie, "berichtszeitraum": period, "ergebnis": ergebnis, "details": details}
             for familie, ergebnis, period, details in families]
    rows += [{"eintrag": "abgelehnt", "familie": familie, "datei": datei, "sha256": sha, "geladen_am": am,
              "ergebnis": "abgelehnt", "details": grund} for familie, datei, sha, am, grund in refused]
    if "gebietsstand" in mart_tables:  # the Gebietsstand every figure refers to (dbt model mart.gebietsstand)
        rows += [{"eintrag": "gebietsstand", "familie": "gebietsstand", "datei": datei, "sha256": sha,
                  "berichtszeitraum": bezeichnung, "zeilen": umgeschluesselt, "ergebnis": ebene,
                  "details": f"{bezeichnung} (Ebene {ebene}): {umgeschluesselt} Gebiete der Region umgeschlüsselt"}
                 for ebene, bezeichnung, datei, sha, umgeschluesselt in con.execute(
                     "SELECT ebene, bezeichnung, datei, sha256, gebiete_umgeschluesselt FROM mart.gebietsstand "
                     "ORDER BY ebene").fetchall()]
    rows += [{"eintrag": "tabelle", "datei": f"mart.{table}", "zeilen": n} for table, n in mart_tables.items()]
    rows += [{"eintrag": "pruefung", "pruefung": str(check.get("name")), "geprueftes_asset": str(check.get("asset", "")),
              "ergebnis": str(check.get("result") or _result_of(check)), "details": check.get("description")}
             for check in checks]
    _insert(con, rows, {"veroeffentlicht_am": published_at, "run_id": run_id, "version": version_name})


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], common: dict[str, Any]) -> None:
    """The rows (column -> value; `common` in every row) into the status table in one statement, in their order
    (one INSERT per row took ~1 ms each: a build's ~1,000 checks and ~400 deliveries)."""
    import pyarrow as pa

    columns = [c for c, in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = ? "
        "AND table_catalog = current_database() ORDER BY ordinal_position", [STATUS_TABLE]).fetchall()]
    neu = pa.table({c: [common[c]] * len(rows) if c in common else [r.get(c) for r in rows] for c in columns})
    con.register("_status_zeilen", neu)
    try:
        con.execute(f"INSERT INTO mart.{STATUS_TABLE} SELECT * FROM _status_zeilen")
    finally:
        con.unregister("_status_zeilen")


def _result_of(check: dict[str, Any]) -> str:
    if check.get("passed", True):
        return "bestanden"
    return "warnung" if str(check.get("severity", "")).upper().startswith("WARN") else "fehlgeschlagen"
