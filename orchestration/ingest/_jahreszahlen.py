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
(`<family>_ortsteile_YYYY.csv`, orchestration/ingest/_jahreszahlen_ortsteile.py). Plausibility (the whole file is
refused, naming file, line and column): a count above the population it refers to
(orchestration/ingest/plausibilitaet.py), judged once the population of the run has loaded (runner.py, step 4).

All new files of a run are read and checked together (runner `load_files`): the header of each file as before (which
counts it has, their columns), then one `read_csv` per dialect and column layout (`_confidential.stage_records`) and one
query per check for all files, each check per file as if it were loaded alone (a stichtag × AGS twice within its file,
its reject share, a count's check only where the file has the count; an Ortsteil file's sums also against the
Gemeinde files of the same run before it); the rows and rejects of the files that pass are
written in one transaction, in file and line order as before. A bad file is refused alone; when DuckDB cannot read one
of them, the files are loaded one at a time, so that the error names that file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@dataclass(frozen=True)
class _Datei:
    """What the header of one new Gemeinde file says: its columns and the counts it has."""

    text: c.TextFile
    pos: dict[str, int]
    zahlen: tuple[int, ...]  # the indexes of the layout's counts (zahl, *weitere) the file has, in that order

    def columns(self, layout: Layout) -> str:
        """SQL of the stage's columns from the file's fields (the same names and types for every file): the counts
        v0, v1, … by their index in the layout (NULL for a count the file does not have)."""
        pos = self.pos
        name = f"nullif(trim(c{pos['gemeinde']}), '')" if "gemeinde" in pos else "NULL::VARCHAR"
        ags = c.ags_sql(f"c{pos['ags']}")
        values = [f"nullif(trim(c{pos[z.spalte]}), '') AS v{i}" if i in self.zahlen else f"NULL::VARCHAR AS v{i}"
                  for i, z in enumerate(_zahlen(layout))]
        return (f"nullif(trim(c{pos['stichtag']}), '') AS t_stichtag, {ags} AS ags, {name} AS gemeinde_name, "
                + ", ".join(values))


def _zahlen(layout: Layout) -> tuple[Zahl, ...]:
    return (layout.zahl, *layout.weitere)


def _temp(layout: Layout, name: str) -> str:
    """A temporary table of the family's new files (load_files): the files, their records as read, the checked stage
    (`layout.stage`), the rows of those that pass (main count, further counts)."""
    return f"_{layout.family}_{name}"


def _read_files(con: duckdb.DuckDBPyConnection, layout: Layout, files: dict[int, runner.Lineage], prefix: str,
                limit: float) -> runner.Batch:
    """Read and check the new Gemeinde files together (by file number), each as if alone: its header, then its reject
    share; the Ortsteil files (`_jahreszahlen_ortsteile.stage_files`) against the Gemeinde rows loaded before and
    those of this run's files before them in load order. Per file what it loads or the DeliveryError that refuses it,
    and the write of the rows and rejects of those that pass."""
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    dateien: dict[int, _Datei] = {}
    ortsteil_files: dict[int, runner.Lineage] = {}
    required = ("stichtag", "ags", layout.zahl.spalte)
    optional = ("gemeinde", *(z.spalte for z in layout.weitere))
    for nr, lineage in files.items():
        path = lineage.delivery.read_path
        if layout.ortsteile and ortsteile.is_ortsteil_file(path):
            ortsteil_files[nr] = lineage
            continue
        try:
            tf = c.inspect_text_file(path, _is_header)
            pos = c.header_positions(tf, required, optional)
        except DeliveryError as error:
            outcomes[nr] = error
            continue
        dateien[nr] = _Datei(tf, pos, tuple(i for i, z in enumerate(_zahlen(layout)) if z.spalte in pos))
    # the shapes of the files (which counts they have): a reject's record and the duplicate check's hash per shape
    formen = sorted({d.zahlen for d in dateien.values()})
    readable = sorted(dateien)
    files_table, records, stage = _temp(layout, "dateien"), _temp(layout, "zeilen"), layout.stage
    neu, weitere_neu = _temp(layout, "neu"), _temp(layout, "weitere_neu")
    runner.files_table(con, files_table, {
        "nr": ("INTEGER", readable),
        "datei": ("VARCHAR", [files[n].delivery.path.name for n in readable]),
        "sha256": ("VARCHAR", [files[n].delivery.sha256 for n in readable]),
        "geladen_am": ("TIMESTAMP", [files[n].geladen_am for n in readable]),
        "ist_demodaten": ("BOOLEAN", [dateien[n].text.ist_demodaten for n in readable]),
        "form": ("INTEGER", [formen.index(dateien[n].zahlen) for n in readable]),
        **{f"mit_v{i}": ("BOOLEAN", [i in dateien[n].zahlen for n in readable])
           for i in range(1, len(_zahlen(layout)))},
    })
    con.execute(f"CREATE OR REPLACE TEMP TABLE {neu} (nr INTEGER, {COUNT_TABLE}, {runner.LINEAGE_DDL})")
    if layout.weitere:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {weitere_neu} (nr INTEGER, k INTEGER, {LONG_TABLE}, "
                    f"{runner.LINEAGE_DDL})")
    counts: dict[int, tuple[int, int]] = {}
    passed: list[int] = []
    if readable:
        c.stage_records(con, records, {n: dateien[n].text for n in readable}, lambda n: dateien[n].columns(layout))
        _stage(con, layout, files_table, records, formen, prefix)
        counts, too_many = runner.count_stages(con, stage, {n: files[n].delivery.read_path for n in readable}, limit)
        outcomes.update(too_many)
        passed = [n for n in readable if n not in outcomes]
        _new_rows(con, layout, files_table, passed)
    stats = _stats(con, layout, passed) if passed else {}
    for nr in passed:
        datei, path = dateien[nr], files[nr].delivery.read_path
        records_, rejected = counts.get(nr, (0, 0))
        suppressed, years = stats.get(nr, (0, None))
        rows = {layout.tabelle: records_ - rejected}
        if layout.weitere:
            rows[layout.weitere_tabelle] = (records_ - rejected) * (len(datei.zahlen) - 1)
        zahlen = _zahlen(layout)
        outcomes[nr] = runner.FileLoad(
            rows=rows, records=records_, rejected=rejected, suppressed=suppressed,
            berichtszeitraum=years or (str(c.year_in_name(path) or "") or None), ist_demodaten=datei.text.ist_demodaten,
            extra={"zahl_spalten": json.dumps({zahlen[i].spalte: datei.pos[zahlen[i].spalte] + 1
                                               for i in datei.zahlen})})
    if ortsteil_files:
        outcomes.update(ortsteile.stage_files(con, ortsteil_files, prefix, layout,
                                              (neu, weitere_neu if layout.weitere else None)))

    def write(con: duckdb.DuckDBPyConnection) -> None:
        # in the order the files were loaded one at a time: file by file, line by line (the further counts of a
        # file one after the other, in the layout's order)
        con.execute(f"INSERT INTO raw.{layout.family}__{layout.tabelle} SELECT * EXCLUDE (nr) FROM {neu} "
                    "ORDER BY nr, zeile")
        if layout.weitere:
            con.execute(f"INSERT INTO raw.{layout.family}__{layout.weitere_tabelle} SELECT * EXCLUDE (nr, k) "
                        f"FROM {weitere_neu} ORDER BY nr, k, zeile")
        if passed:
            record = " ".join(f"WHEN {f} THEN to_json({_record_sql(layout, form)})" for f, form in enumerate(formen))
            con.execute(f"""INSERT INTO raw.{layout.family}__rejects
                SELECT d.datei, d.sha256, s.zeile, array_to_string(s.gruende, '; '), CASE s.form {record} END,
                       d.geladen_am, d.ist_demodaten
                FROM {stage} AS s JOIN {files_table} AS d USING (nr)
                WHERE len(s.gruende) > 0 AND s.nr IN ({c.numbers_sql(passed)}) ORDER BY s.nr, s.zeile""")
        if ortsteil_files:
            ortsteile.write(con, layout)

    return runner.Batch([outcomes[n] for n in files], write)


def _stage(con: duckdb.DuckDBPyConnection, layout: Layout, files_table: str, records: str,
           formen: list[tuple[int, ...]], prefix: str) -> None:
    """The records of the new Gemeinde files, typed and with the reasons of their row checks (per file: a stichtag ×
    AGS twice counts within its file; a count's check only for the files that have it), in `layout.stage`."""
    zahlen = _zahlen(layout)
    checks: list[tuple[str, str]] = [
        ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
        ("NOT (regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}'))",
         "'ags: erwartet 8-stelligen Gemeinde- oder 5-stelligen Kreisschlüssel'"),
        ("(regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}')) "
         "AND NOT (starts_with(ags, $prefix) OR starts_with($prefix, ags))", "'ags außerhalb der Region'"),
    ]
    checks += [(("" if i == 0 else f"mit_v{i} AND ") + f"NOT (coalesce(v{i}, '') IN ('.', '-') OR "
                + COUNT_OK.format(x=f"coalesce(v{i}, '')") + ")", f"'{z.spalte}: erwartet ganze Zahl ≥ 0, . oder -'")
               for i, z in enumerate(zahlen)]
    checks += [
        ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k", "'stichtag/ags mehrfach mit verschiedenen Werten'"),
        ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
         "'Datensatz doppelt (identische Wiederholung)'"),
    ]
    # the hash of a record over the counts its file has (as when the file was loaded alone)
    h = "CASE d.form " + " ".join(
        f"WHEN {f} THEN hash({', '.join(['r.t_stichtag', 'r.ags', *(f'r.v{i}' for i in form)])})"
        for f, form in enumerate(formen)) + " END"
    flags = "".join(f", d.mit_v{i}" for i in range(1, len(zahlen)))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {layout.stage} AS
        SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
            SELECT r.*, d.form{flags}, {STICHTAG_SQL.format(x='r.t_stichtag')} AS stichtag, {h} AS h
            FROM {records} AS r JOIN {files_table} AS d USING (nr))
        WINDOW k AS (PARTITION BY nr, t_stichtag, ags)""", {"prefix": prefix})


def _new_rows(con: duckdb.DuckDBPyConnection, layout: Layout, files_table: str, passed: list[int]) -> None:
    """The rows of the Gemeinde files that passed (`passed`): the required count in `_temp(layout, 'neu')`, the
    further counts a file has (`k`: the count's index in the layout) in `_temp(layout, 'weitere_neu')`."""
    good = f"len(s.gruende) = 0 AND s.nr IN ({c.numbers_sql(passed)})"
    lineage = "d.datei, d.sha256, d.geladen_am, d.ist_demodaten"
    con.execute(f"""INSERT INTO {_temp(layout, 'neu')}
        SELECT s.nr, s.stichtag, s.ags, s.gemeinde_name, {_value_sql('s.v0')}, CASE WHEN s.v0 IN ('.', '-') THEN s.v0 END,
               s.zeile, {lineage}
        FROM {layout.stage} AS s JOIN {files_table} AS d USING (nr) WHERE {good}""")
    if layout.weitere:
        con.execute(f"INSERT INTO {_temp(layout, 'weitere_neu')} " + " UNION ALL ".join(
            f"""SELECT s.nr, {i}, s.stichtag, s.ags, s.gemeinde_name, '{z.spalte}', {_value_sql(f's.v{i}')},
                       CASE WHEN s.v{i} IN ('.', '-') THEN s.v{i} END, s.zeile, {lineage}
                FROM {layout.stage} AS s JOIN {files_table} AS d USING (nr) WHERE {good} AND s.mit_v{i}"""
            for i, z in enumerate(layout.weitere, start=1)))


def _stats(con: duckdb.DuckDBPyConnection, layout: Layout, passed: list[int]) -> dict[int, tuple[int, str | None]]:
    """Per file that passed: its suppressed values (`.`) and the years of its valid rows ('YYYY,…')."""
    markers = " + ".join(f"count(*) FILTER (WHERE v{i} = '.')" for i in range(len(_zahlen(layout))))
    return {nr: (suppressed, years) for nr, suppressed, years in con.execute(
        f"SELECT nr, {markers}, string_agg(DISTINCT year(stichtag)::VARCHAR, ',' ORDER BY year(stichtag)::VARCHAR) "
        f"FROM {layout.stage} WHERE len(gruende) = 0 AND nr IN ({c.numbers_sql(passed)}) GROUP BY nr").fetchall()}


def _record_sql(layout: Layout, form: tuple[int, ...]) -> str:
    """The record of a rejected row of a file with the counts `form`: its fields as delivered."""
    zahlen = _zahlen(layout)
    return "{" + ", ".join(["'stichtag': t_stichtag", "'ags': ags", "'gemeinde': gemeinde_name",
                            *(f"'{zahlen[i].spalte}': v{i}" for i in form)]) + "}"


def _drop(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    con.execute("; ".join(f"DROP TABLE IF EXISTS {table}" for table in (
        _temp(layout, "dateien"), _temp(layout, "zeilen"), layout.stage, _temp(layout, "neu"),
        _temp(layout, "weitere_neu"))))
    if layout.ortsteile:
        ortsteile.drop(con, layout)


def load_jahreszahlen(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, layout: Layout,
                      audit: Audit | None = None, run_id: str | None = None,
                      options: Options | None = None) -> IngestResult:
    """Load the new deliveries of `layout.family` (see module doc) through the runner, all new files of a run read
    and checked together (runner: `load_files`)."""
    options = options or Options()
    prefix = c.region_prefix(region)

    @contextmanager
    def load_files(con: duckdb.DuckDBPyConnection, lineages: list[runner.Lineage]) -> Iterator[runner.Batch]:
        try:
            yield _read_files(con, layout, dict(enumerate(lineages)), prefix, options.max_reject_share)
        finally:
            _drop(con, layout)

    def check(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
        options.checked_against_loaded()  # the population: GENESIS and the Melderegister of this run
        return _implausible(con, layout, new)

    return runner.run_confidential(con, paths, layout.family, layout.tables, load_files=load_files,
                                   lieferungen_extra=LIEFERUNGEN_EXTRA, check=check, audit=audit, run_id=run_id)


def loader(layout: Layout) -> Callable[..., IngestResult]:
    """The family loader `f(con, paths, region, audit=None, run_id=None, options=None)` of a layout."""

    def load(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
             run_id: str | None = None, options: Options | None = None) -> IngestResult:
        return load_jahreszahlen(con, paths, region, layout, audit=audit, run_id=run_id, options=options)

    load.__name__ = load.__qualname__ = f"load_{layout.family}"
    load.__doc__ = f"Load new {layout.family} deliveries into raw.{layout.family}__{layout.tabelle}."
    return load
