"""Annual counts per Gemeinde at a Stichtag (31.12.): the layout of the offices that deliver one small CSV
per year — the Sozialamt (Grundsicherung, Hilfe zum Lebensunterhalt), the Wohngeldstelle (Wohngeld) and
the Fachbereich Zuwanderung (AsylbLG).

`LANDING/<family>/<name>_YYYY.csv`: `stichtag;ags;gemeinde;<count>[;<further counts>…]` (`;`, UTF-8 or
ISO-8859-1, `stichtag` `31.12.YYYY`, `gemeinde` optional, one row per Gemeinde, a Kreis total row with the
5-digit code allowed). A count is a whole number ≥ 0 (thousands dots allowed), `.` = suppressed by the
source (anzahl NULL + marker `.`), `-` = nothing (0 + marker `-`).

A `Layout` names the family, its required count column (→ `raw.<family>__<tabelle>`: `stichtag, ags,
gemeinde_name, anzahl, marker, zeile`, lineage) and optional further count columns, which — when the file
has them — go to a long table `raw.<family>__<weitere_tabelle>` (`stichtag, ags, gemeinde_name, merkmal,
anzahl, marker, zeile`, lineage; `merkmal` = the column name). A file without the optional columns loads as
before (older deliveries stay valid).

Row checks (→ `raw.<family>__rejects`, the file is refused above the run's maximum reject share): invalid
stichtag, AGS not 8 digits (Gemeinde) / 5 digits (Kreis total), AGS outside the region, a count that is not
a whole number ≥ 0 or a marker, the same stichtag × AGS twice (conflicting: all rows; identical: the later
copies). A Layout with `ortsteile=True` also takes an optional per-Ortsteil file of the family
(`<family>_ortsteile_YYYY.csv`, orchestration/ingest/_jahreszahlen_ortsteile.py). Plausibility (the whole file is refused, naming file, line and column): a count above the
population it refers to (orchestration/ingest/plausibilitaet.py), judged once the population of the run has
loaded (runner.py, step 4).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import _jahreszahlen_ortsteile as ortsteile
from orchestration.ingest import plausibilitaet, runner
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths

MARKERS = (".", "-")
STICHTAG_SQL = (
    "coalesce(CASE WHEN regexp_full_match({x}, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}') THEN try_strptime({x}, '%d.%m.%Y')::DATE END, "
    "CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_strptime({x}, '%Y-%m-%d')::DATE END)"
)
COUNT_OK = "(regexp_full_match({x}, '[0-9]+') OR regexp_full_match({x}, '[0-9]{{1,3}}(\\.[0-9]{{3}})+'))"
COUNT_TABLE = ("stichtag DATE NOT NULL, ags VARCHAR NOT NULL, gemeinde_name VARCHAR, anzahl BIGINT, marker VARCHAR, "
               "zeile BIGINT NOT NULL")
# the column number of each count in the file (JSON): named when a count is above the population (_implausible)
LIEFERUNGEN_EXTRA = ", zahl_spalten JSON"
LONG_TABLE = ("stichtag DATE NOT NULL, ags VARCHAR NOT NULL, gemeinde_name VARCHAR, merkmal VARCHAR NOT NULL, "
              "anzahl BIGINT, marker VARCHAR, zeile BIGINT NOT NULL")


@dataclass(frozen=True)
class Zahl:
    """One count column of the file and the population it can never exceed."""

    spalte: str
    referenz: tuple[str, ...] = ("einwohner",)  # columns of _einwohner_referenz, first known one is used
    referenz_text: str = "der Einwohner"  # "… ist größer als die Zahl <referenz_text> (…)"


@dataclass(frozen=True)
class Layout:
    family: str
    tabelle: str  # raw.<family>__<tabelle>: the required count
    zahl: Zahl
    weitere: tuple[Zahl, ...] = ()  # optional further counts
    weitere_tabelle: str | None = None  # raw.<family>__<weitere_tabelle> (long: merkmal, anzahl, marker)
    ortsteile: bool = False  # optional <family>_ortsteile_YYYY.csv → raw.<family>__ortsteile (_jahreszahlen_ortsteile)

    @property
    def tables(self) -> dict[str, str]:
        tables = {self.tabelle: COUNT_TABLE}
        if self.weitere:
            tables[self.weitere_tabelle] = LONG_TABLE
        if self.ortsteile:
            tables[ortsteile.TABLE] = ortsteile.DDL
        return tables

    @property
    def stage(self) -> str:
        return f"_{self.family}_stage"


def _is_header(fields: list[str]) -> bool:
    return "stichtag" in fields and "ags" in fields


def _value_sql(v: str) -> str:
    return f"CASE WHEN {v} = '.' THEN NULL WHEN {v} = '-' THEN 0 ELSE replace({v}, '.', '')::BIGINT END"


def _implausible(con: duckdb.DuckDBPyConnection, layout: Layout, new: list[str]) -> dict[str, DeliveryError]:
    """No count of a new delivery may exceed the population it refers to (the first reference column known for
    the area, plausibilitaet.py): per delivery, a DeliveryError naming line and column of its first such count
    (the first column of the file's counts that has one, in the layout's order, then the first line)."""
    zahlen = (layout.zahl, *layout.weitere)
    rang = "CASE merkmal " + " ".join(f"WHEN '{z.spalte}' THEN {i}" for i, z in enumerate(zahlen)) + " END"
    values = f"""
        SELECT sha256, zeile, ags, year(stichtag) AS jahr, '{layout.zahl.spalte}' AS spalte, 0 AS rang, anzahl AS wert
        FROM raw.{layout.family}__{layout.tabelle} WHERE sha256 IN (SELECT unnest($new)) AND anzahl > 0"""
    if layout.weitere:
        values += f"""
        UNION ALL
        SELECT sha256, zeile, ags, year(stichtag), merkmal, {rang}, anzahl
        FROM raw.{layout.family}__{layout.weitere_tabelle} WHERE sha256 IN (SELECT unnest($new)) AND anzahl > 0"""
    return plausibilitaet.implausible(con, layout.family, values, new, {z.spalte: z.referenz for z in zahlen},
                                      {z.spalte: z.referenz_text for z in zahlen}, "zahl_spalten")


def load_jahreszahlen(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, layout: Layout,
                      audit: Audit | None = None, run_id: str | None = None,
                      options: Options | None = None) -> IngestResult:
    """Load the new deliveries of `layout.family` (see module doc) through the runner."""
    options = options or Options()
    prefix = c.region_prefix(region)
    required = ("stichtag", "ags", layout.zahl.spalte)
    optional = ("gemeinde", *(z.spalte for z in layout.weitere))

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        if layout.ortsteile and ortsteile.is_ortsteil_file(path):
            return ortsteile.load_file(con, lineage, prefix, layout)
        tf = c.inspect_text_file(path, _is_header)
        pos = c.header_positions(tf, required, optional)
        name = f"nullif(trim(c{pos['gemeinde']}), '')" if "gemeinde" in pos else "NULL::VARCHAR"
        # the counts the file has: (column, its position, its name in the stage table v0, v1, …)
        present = [(z, pos[z.spalte], f"v{i}") for i, z in enumerate((layout.zahl, *layout.weitere))
                   if z.spalte in pos]
        values = ", ".join(f"nullif(trim(c{p}), '') AS {v}" for _, p, v in present)
        checks: list[tuple[str, str]] = [
            ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
            ("NOT (regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}'))",
             "'ags: erwartet 8-stelligen Gemeinde- oder 5-stelligen Kreisschlüssel'"),
            ("(regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}')) "
             "AND NOT (starts_with(ags, $prefix) OR starts_with($prefix, ags))", "'ags außerhalb der Region'"),
        ]
        checks += [(f"NOT (coalesce({v}, '') IN ('.', '-') OR " + COUNT_OK.format(x=f"coalesce({v}, '')") + ")",
                    f"'{z.spalte}: erwartet ganze Zahl ≥ 0, . oder -'") for z, _, v in present]
        checks += [
            ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k", "'stichtag/ags mehrfach mit verschiedenen Werten'"),
            ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
             "'Datensatz doppelt (identische Wiederholung)'"),
        ]
        hashed = ", ".join(["t_stichtag", "ags", *(v for _, _, v in present)])
        with c.staged(
                con, path, layout.stage,
                f"""CREATE OR REPLACE TEMP TABLE {layout.stage} AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag, hash({hashed}) AS h FROM (
                        SELECT row_number() OVER () + {tf.skip} AS zeile,
                               nullif(trim(c{pos['stichtag']}), '') AS t_stichtag,
                               {c.ags_sql(f"c{pos['ags']}")} AS ags,
                               {name} AS gemeinde_name,
                               {values}
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags)""",
                {"path": str(path), "prefix": prefix}):
            records, rejected = runner.count_stage(con, path, layout.stage, options.max_reject_share)
            params = {**lineage.params, "demo": tf.ist_demodaten}
            main_v = present[0][2]
            con.execute(
                f"""INSERT INTO raw.{layout.family}__{layout.tabelle}
                SELECT stichtag, ags, gemeinde_name, {_value_sql(main_v)},
                       CASE WHEN {main_v} IN ('.', '-') THEN {main_v} END, zeile, $datei, $sha256, $geladen_am, $demo
                FROM {layout.stage} WHERE len(gruende) = 0 ORDER BY zeile""",
                params,
            )
            further = 0
            for zahl, _, v in present[1:]:
                con.execute(
                    f"""INSERT INTO raw.{layout.family}__{layout.weitere_tabelle}
                    SELECT stichtag, ags, gemeinde_name, '{zahl.spalte}', {_value_sql(v)},
                           CASE WHEN {v} IN ('.', '-') THEN {v} END, zeile, $datei, $sha256, $geladen_am, $demo
                    FROM {layout.stage} WHERE len(gruende) = 0 ORDER BY zeile""",
                    params,
                )
                further += records - rejected
            record = ", ".join(["'stichtag': t_stichtag", "'ags': ags", "'gemeinde': gemeinde_name",
                                *(f"'{z.spalte}': {v}" for z, _, v in present)])
            runner.write_rejects(con, layout.family, layout.stage, "{" + record + "}", lineage, tf.ist_demodaten)
            markers = " + ".join(f"count(*) FILTER (WHERE {v} = '.')" for _, _, v in present)
            suppressed, years = con.execute(
                f"SELECT {markers}, string_agg(DISTINCT year(stichtag)::VARCHAR, ',' ORDER BY "
                f"year(stichtag)::VARCHAR) FROM {layout.stage} WHERE len(gruende) = 0").fetchone()
        rows = {layout.tabelle: records - rejected}
        if layout.weitere:
            rows[layout.weitere_tabelle] = further
        return runner.FileLoad(rows=rows, records=records, rejected=rejected, suppressed=suppressed,
                               berichtszeitraum=years or (str(c.year_in_name(path) or "") or None),
                               ist_demodaten=tf.ist_demodaten,
                               extra={"zahl_spalten": json.dumps({z.spalte: p + 1 for z, p, _ in present})})

    def check(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
        options.checked_against_loaded()  # the population: GENESIS and the Melderegister of this run
        return _implausible(con, layout, new)

    return runner.run_confidential(con, paths, layout.family, layout.tables, load_file,
                                   lieferungen_extra=LIEFERUNGEN_EXTRA, check=check, audit=audit, run_id=run_id)


def loader(layout: Layout) -> Callable[..., IngestResult]:
    """The family loader `f(con, paths, region, audit=None, run_id=None, options=None)` of a layout."""

    def load(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
             run_id: str | None = None, options: Options | None = None) -> IngestResult:
        return load_jahreszahlen(con, paths, region, layout, audit=audit, run_id=run_id, options=options)

    load.__name__ = load.__qualname__ = f"load_{layout.family}"
    load.__doc__ = f"Load new {layout.family} deliveries into raw.{layout.family}__{layout.tabelle}."
    return load
