"""Plausibility of delivered counts against the population they refer to.

A count of persons (SGB II Leistungsberechtigte, Grundsicherung recipients 65+) can never exceed the
residents of its area. The reference is the population already loaded and valid in the working
database (GENESIS 12411-01-01-5 / 12411-02-03-5 and the Melderegister), per area and year; the largest
value of the year before, the year itself and the year after is used (a Gemeinde grows), and where none
of those years is known, the largest known value. Areas without any known population are not judged.

`create_reference(con)` builds the temp table `_einwohner_referenz (ags, jahr, einwohner, unter_15,
ab_65)`; the family loaders join it and raise a DeliveryError naming file, line and column for the
first count above it.
"""

from __future__ import annotations

import duckdb

from orchestration.warehouse import table_exists


def create_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table `_einwohner_referenz` (empty when no population is loaded yet)."""
    invalid = "(SELECT sha256 FROM raw.ingest__ausgeschlossen)"
    parts = []
    if table_exists(con, "raw.genesis__werte"):
        u15 = ("'Insgesamt | unter 3 Jahre', 'Insgesamt | 3 bis unter 6 Jahre', 'Insgesamt | 6 bis unter 10 Jahre', "
               "'Insgesamt | 10 bis unter 15 Jahre'")
        ab65 = "'Insgesamt | 65 bis unter 75 Jahre', 'Insgesamt | 75 Jahre und mehr'"
        parts.append(f"""
            SELECT ags, jahr,
                   max(wert) FILTER (WHERE merkmal IN ('Insgesamt', 'Insgesamt | Insgesamt')) AS einwohner,
                   sum(wert) FILTER (WHERE merkmal IN ({u15})) AS unter_15,
                   sum(wert) FILTER (WHERE merkmal IN ({ab65})) AS ab_65
            FROM raw.genesis__werte
            WHERE tabelle IN ('12411-01-01-5', '12411-02-03-5') AND ags IS NOT NULL
              AND gebiet_ebene IN ('gemeinde', 'kreis') AND sha256 NOT IN {invalid}
            GROUP BY ags, jahr, tabelle""")
    if table_exists(con, "raw.melderegister__einwohner"):
        for key in ("ags", "left(ags, 5)"):
            parts.append(f"""
                SELECT {key} AS ags, year(stichtag) AS jahr, sum(anzahl) AS einwohner,
                       sum(anzahl) FILTER (WHERE alter < 15) AS unter_15, sum(anzahl) FILTER (WHERE alter >= 65) AS ab_65
                FROM raw.melderegister__einwohner WHERE sha256 NOT IN {invalid}
                GROUP BY {key}, year(stichtag), sha256""")
    if not parts:
        con.execute("CREATE OR REPLACE TEMP TABLE _einwohner_referenz (ags VARCHAR, jahr INTEGER, einwohner DOUBLE, "
                    "unter_15 DOUBLE, ab_65 DOUBLE)")
        return
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _einwohner_referenz AS
        SELECT ags, jahr, max(einwohner) AS einwohner, max(unter_15) AS unter_15, max(ab_65) AS ab_65
        FROM ({' UNION ALL '.join(parts)}) GROUP BY ags, jahr
    """)


def reference_by_ags_sql(jahr: int, columns: tuple[str, ...]) -> str:
    """SQL subquery: one row per `ags` with the reference population of each of `columns` for the fixed year
    `jahr` (join it on `ags`). The same values as `reference_sql` per column, computed once per area instead of
    one correlated lookup per row: the largest value of `jahr` ± 1, else the largest known value."""
    near = f"r.jahr BETWEEN {int(jahr)} - 1 AND {int(jahr)} + 1"
    values = ", ".join(f"coalesce(max(r.{col}) FILTER (WHERE {near}), max(r.{col})) AS {col}" for col in columns)
    return f"(SELECT r.ags, {values} FROM _einwohner_referenz r GROUP BY r.ags)"


def reference_sql(ags: str, jahr: str, column: str) -> str:
    """SQL expression: the reference population `column` for the area and year expressions (qualify
    them with their table alias: unqualified `ags`/`jahr` would bind to the reference table itself)."""
    return f"""coalesce(
        (SELECT max(r.{column}) FROM _einwohner_referenz r WHERE r.ags = {ags} AND r.jahr BETWEEN {jahr} - 1 AND {jahr} + 1),
        (SELECT max(r.{column}) FROM _einwohner_referenz r WHERE r.ags = {ags}))"""
