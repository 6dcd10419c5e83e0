"""Plausibility of delivered counts against the population they refer to.

A count of persons (SGB II Leistungsberechtigte, Grundsicherung recipients 65+) can never exceed the
residents of its area. The reference is the population already loaded and valid in the working
database (GENESIS 12411-01-01-5 / 12411-02-03-5 and the Melderegister), per area and year; the largest
value of the year before, the year itself and the year after is used (a Gemeinde grows), and where none
of those years is known, the largest known value. Areas without any known population are not judged.

The check runs when a family's new deliveries are judged (runner.py, step 4), after the population
families have loaded in the same run (parallel.py: `checked_against`), on all new deliveries of the family
at once: `implausible(con, family, values_sql, new, …)` builds the temp table `_einwohner_referenz (ags, jahr,
einwohner, unter_15, ab_65)` and returns, per delivery with a count above its reference, a DeliveryError naming
file, line and column of the first one.
"""

from __future__ import annotations

import json

import duckdb

from orchestration.ingest.delivery import DeliveryError
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


def implausible(con: duckdb.DuckDBPyConnection, family: str, values_sql: str, new: list[str],
                references: dict[str, tuple[str, ...]], texts: dict[str, str], columns_of: str
                ) -> dict[str, DeliveryError]:
    """The new deliveries (sha256s `new`) of `family` with a count above the population it refers to: sha256 ->
    DeliveryError naming the file, line and column of its first such count (`exceeding`). `texts` says what a
    count's reference is ("der Einwohner ab 65 Jahren"; any other: "der Einwohner"); `columns_of` is the JSON
    column of `raw.<family>__lieferungen` with each count's column in the file."""
    found = exceeding(con, values_sql, {"new": new}, references)
    files = {sha256: (datei, json.loads(spalten or "{}")) for sha256, datei, spalten in con.execute(
        f"SELECT sha256, datei, {columns_of} FROM raw.{family}__lieferungen WHERE sha256 IN (SELECT unnest($found))",
        {"found": [row[0] for row in found]}).fetchall()}
    errors = {}
    for sha256, zeile, ags, jahr, spalte, wert, referenz in found:
        datei, spalten = files[sha256]
        errors[sha256] = DeliveryError(
            datei, f"{spalte} = {wert} für {ags} ist größer als die Zahl {texts.get(spalte, 'der Einwohner')} "
                   f"({int(referenz)}, {jahr} ±1 Jahr): unplausibel, erwartet höchstens die Bevölkerung, auf die sich "
                   f"die Zahl bezieht", line=zeile, column=spalten.get(spalte))
    return errors


def exceeding(con: duckdb.DuckDBPyConnection, values_sql: str, params: dict,
              references: dict[str, tuple[str, ...]]) -> list[tuple]:
    """Per delivery, its first count above the population it refers to: rows `(sha256, zeile, ags, jahr,
    spalte, wert, referenz)`, one per delivery that has one, ordered by sha256.

    `values_sql` yields the counts to judge: `sha256, zeile, ags, jahr, spalte, rang, wert` (`rang`, then
    `zeile`, then `spalte` decide which count of a delivery is its first). `references` maps `spalte` to the
    columns of `_einwohner_referenz` it can never exceed, the first one known for the area counting (any
    other `spalte`: `einwohner`). A reference is the largest value of `jahr` ± 1, else the largest known
    value; an area without any known population is not judged."""
    create_reference(con)
    columns = sorted({c for refs in references.values() for c in refs} | {"einwohner"})
    near = "r.jahr BETWEEN w.jahr - 1 AND w.jahr + 1"
    per_column = ", ".join(f"coalesce(max(r.{c}) FILTER (WHERE {near}), max(r.{c})) AS {c}" for c in columns)
    whens = " ".join(f"WHEN spalte = '{spalte}' THEN coalesce({', '.join(refs)})" for spalte, refs in references.items())
    referenz = f"CASE {whens} ELSE einwohner END" if whens else "einwohner"
    return con.execute(f"""
        WITH w AS ({values_sql}),
        bezug AS (
            SELECT w.sha256, w.zeile, w.ags, w.jahr, w.spalte, w.rang, w.wert, {per_column}
            FROM w JOIN _einwohner_referenz r ON r.ags = w.ags
            GROUP BY w.sha256, w.zeile, w.ags, w.jahr, w.spalte, w.rang, w.wert)
        SELECT sha256, zeile, ags, jahr, spalte, wert, referenz
        FROM (SELECT *, {referenz} AS referenz FROM bezug)
        WHERE wert > referenz
        QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY rang, zeile, spalte) = 1
        ORDER BY sha256""", params).fetchall()
