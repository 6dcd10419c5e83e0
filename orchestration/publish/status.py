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
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' "
        "AND table_name LIKE '%\\_\\_lieferungen' ESCAPE '\\' ORDER BY table_name"
    ).fetchall()]
    rows: list[tuple] = []
    for table in tables:
        family = table.split("__", 1)[0]
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'w' AND table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchall()}

        def col(name: str, cast: str = "VARCHAR", cols: set = cols) -> str:
            return f"CAST(l.{_q(name)} AS {cast})" if name in cols else f"CAST(NULL AS {cast})"

        if "berichtszeitraum" in cols:
            period = col("berichtszeitraum")
        elif family == "genesis" and con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' AND table_name = 'genesis__werte'"
        ).fetchone()[0]:
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
                 f"'zurueckgezogen', 'neu'))") if _has_state_table(con) else "true"
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
    base = [published_at, run_id, version_name]
    deliveries = _family_deliveries(con)
    demo = any(bool(d[4]) for d in deliveries)
    con.execute(
        f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, ist_demodaten, zeilen, details) "
        "VALUES ('publikation', ?, ?, ?, ?, ?, ?)",
        base + [demo, len(deliveries), json.dumps({"tabellen": mart_tables, "pruefungen": len(checks), "stand": stand}, ensure_ascii=False)],
    )
    for familie, datei, sha, period, ist_demo, zeilen, geladen in deliveries:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, datei, sha256, "
            "berichtszeitraum, ist_demodaten, zeilen, geladen_am) VALUES ('lieferung', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            base + [familie, datei, sha, period, ist_demo, zeilen, geladen],
        )
    families, refused = _family_rows(con, deliveries)
    for familie, ergebnis, period, details in families:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, berichtszeitraum, "
            "ergebnis, details) VALUES ('familie', ?, ?, ?, ?, ?, ?, ?)",
            base + [familie, period, ergebnis, details],
        )
    for familie, datei, sha, am, grund in refused:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, datei, sha256, "
            "geladen_am, ergebnis, details) VALUES ('abgelehnt', ?, ?, ?, ?, ?, ?, ?, 'abgelehnt', ?)",
            base + [familie, datei, sha, am, grund],
        )
    if "gebietsstand" in mart_tables:  # the Gebietsstand every figure refers to (dbt model mart.gebietsstand)
        for ebene, bezeichnung, datei, sha, umgeschluesselt in con.execute(
                "SELECT ebene, bezeichnung, datei, sha256, gebiete_umgeschluesselt FROM mart.gebietsstand "
                "ORDER BY ebene").fetchall():
            con.execute(
                f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, datei, sha256, "
                "berichtszeitraum, zeilen, ergebnis, details) VALUES ('gebietsstand', ?, ?, ?, 'gebietsstand', ?, ?, ?, ?, ?, ?)",
                base + [datei, sha, bezeichnung, umgeschluesselt, ebene,
                        f"{bezeichnung} (Ebene {ebene}): {umgeschluesselt} Gebiete der Region umgeschlüsselt"],
            )
    for table, n in mart_tables.items():
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, datei, zeilen) "
            "VALUES ('tabelle', ?, ?, ?, ?, ?)",
            base + [f"mart.{table}", n],
        )
    for check in checks:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, pruefung, geprueftes_asset, "
            "ergebnis, details) VALUES ('pruefung', ?, ?, ?, ?, ?, ?, ?)",
            base + [str(check.get("name")), str(check.get("asset", "")), str(check.get("result") or _result_of(check)),
                    check.get("description")],
        )


def _result_of(check: dict[str, Any]) -> str:
    if check.get("passed", True):
        return "bestanden"
    return "warnung" if str(check.get("severity", "")).upper().startswith("WARN") else "fehlgeschlagen"
