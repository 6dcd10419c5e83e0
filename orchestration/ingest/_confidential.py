"""Text helpers of the record families (sgb2, grundsicherung, asylblg, wohngeld, melderegister, jugendhilfe): their
row checks and rejects are the runner's (runner.run_confidential with `load_files`: the new files of a run read and
checked together, and the raw rows, reject rows and rows in `raw.<family>__lieferungen` of those that pass written in
one transaction per batch; a bad file is never written, and moved to quarantine). They stage the records of their
files with `stage_records`.

Text files are checked before DuckDB reads them: encoding (delivery.detect_encoding: UTF-8, or ISO-8859-1
when the bytes are not UTF-8 but plausible Latin-1 text), control bytes, empty file, preamble lines (the demo marker) and the
header line. DuckDB then reads the records with a fixed dialect (`;`, `"` quoting, all VARCHAR, generic
column names `c0, c1, …`), and the loaders select only the columns they know: columns they never select
(names, addresses, anything unknown) are parsed but never stored.

DuckDB's CSV error messages quote the offending line ("Original Line: …"); `csv_error` turns them into
a `DeliveryError` that names only file, line and the kind of problem, so no record content (names!)
reaches a quarantine reason, a log or an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError, detect_encoding
from orchestration.warehouse import table_exists

DEMO_MARKER = "DEMODATEN"

_HEAD_BYTES = 16 << 10

check_encoding = detect_encoding  # (the name benchmarks/jugendhilfe_scale.py imports)


def region_prefix(region: object) -> str:
    prefix = str(getattr(region, "ags_prefix", "") or "").strip()
    return "" if prefix.upper() == "DG" else prefix


# ---------------------------------------------------------------------------------------------- files


@dataclass(frozen=True)
class TextFile:
    """What the pre-check found out about a delimited text delivery."""

    path: Path
    encoding: str  # 'utf-8' | 'latin-1' (DuckDB names)
    header: list[str]  # normalised header fields (lower case, trimmed)
    header_line: int  # 1-based line number of the header
    ist_demodaten: bool  # a preamble line carried the demo marker

    @property
    def skip(self) -> int:
        """Lines before the first record."""
        return self.header_line


def inspect_text_file(path: Path, is_header: Callable[[list[str]], bool] | None = None) -> TextFile:
    """Encoding, preamble (demo marker) and header line of a `;`-separated delivery.

    Lines before the header that carry the demo marker or start with `#` are a preamble. `is_header`
    (optional) decides whether a line is the header; otherwise the first other non-empty line is.
    `ist_demodaten`: the demo marker occurs in the first 16 KB (a preamble line or a column of the
    first records). Nothing else depends on the marker.
    """
    if path.stat().st_size == 0:
        raise DeliveryError(path, "empty file: expected a header line and records")
    encoding = detect_encoding(path)
    pyenc = "utf-8-sig" if encoding == "utf-8" else "latin-1"
    with open(path, "rb") as handle:  # the marker as a preamble line or in a column of the first records
        demo = DEMO_MARKER.encode("ascii") in handle.read(_HEAD_BYTES)
    with open(path, encoding=pyenc, newline="") as handle:
        for number, raw_line in enumerate(handle, start=1):
            line = raw_line.rstrip("\r\n")
            if not line.strip().strip(";"):
                if number > 20:
                    break
                continue
            fields = [f.strip().strip('"').strip().lower() for f in line.split(";")]
            if DEMO_MARKER.lower() in line.lower() and (is_header is None or not is_header(fields)):
                demo = True
                continue
            if line.lstrip().startswith("#"):
                continue
            if is_header is not None and not is_header(fields):
                if number >= 20:
                    break
                continue
            return TextFile(path, encoding, fields, number, demo)
    if is_header is None:
        raise DeliveryError(path, "empty file: no header line found")
    raise DeliveryError(path, "unrecognised header: no line in the first 20 lines is a known header line")


def long_sql(stage: str, keys: str, merkmale: Sequence[str], value: str, name: str, where: str = "") -> str:
    """SQL: the stage's rows in long format, one row per row and Merkmal: `keys`, `merkmal` and the value `name`
    (`value` with `{m}` for the Merkmal, e.g. `v_{m}::BIGINT`), NULL values kept; the rows of `where` (SQL, may be
    empty). The same rows as a UNION ALL of one SELECT per Merkmal, in one pass (planning a query of a few hundred
    rows costs more than running it, and the UNION ALL costs one scan and plan per Merkmal)."""
    names = ", ".join(f"'{m}'" for m in merkmale)
    values = ", ".join(value.format(m=m) for m in merkmale)
    return (f"SELECT {keys}, unnest([{names}]) AS merkmal, unnest([{values}]) AS {name} FROM {stage}"
            + (f" WHERE {where}" if where else ""))


def csv_source(path_param: str, ncols: int, tf: TextFile, filename: bool = False) -> str:
    """The read_csv call for a checked text file (or a list of files of the same dialect as `tf`); columns are named
    c0, c1, … (all VARCHAR), and `filename` (with `filename=True`) names each row's file."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    return (
        f"read_csv({path_param}, delim=';', quote='\"', escape='\"', header=false, skip={tf.skip}, "
        f"columns={{{columns}}}, auto_detect=false, strict_mode=true, null_padding=false, "
        f"encoding='{tf.encoding}', comment=''{', filename=true' if filename else ''})"
    )


def stage_records(con: duckdb.DuckDBPyConnection, stage: str, texts: Mapping[int, TextFile],
                  columns: Callable[[int], str], params: Mapping | None = None) -> None:
    """The records of several checked text files in the temporary table `stage` (replaced), for a loader that reads
    and checks the new files of a run together: per record the file's number `nr` (the key of `texts`), its line
    `zeile` and the columns `columns(nr)` (SQL over the file's fields c0, c1, … , e.g. `trim(c3) AS ags`; the same
    names and types for every file). One `read_csv` per group of files with the same dialect and the same
    `columns` SQL (usually one for all of them); `params` are bound to each. A file without records has no rows.
    A file DuckDB cannot read raises its duckdb.Error (the runner then loads the files one at a time, so that the
    error names the file)."""
    groups: dict[tuple, list[int]] = {}
    for nr, tf in texts.items():
        groups.setdefault((tf.skip, tf.encoding, len(tf.header), columns(nr)), []).append(nr)
    con.execute(f"DROP TABLE IF EXISTS {stage}")
    for index, ((skip, _, width, select), numbers) in enumerate(groups.items()):
        pfade = [str(texts[nr].path) for nr in numbers]
        # lines numbered per file in the scan's order (one file after the other: the loaders run DuckDB on one thread)
        query = f"""
            SELECT d.nr, (r.n - min(r.n) OVER (PARTITION BY r.filename) + 1 + {skip})::BIGINT AS zeile, {select}
            FROM (SELECT row_number() OVER () AS n, * FROM {csv_source('$pfade', width, texts[numbers[0]], filename=True)}) AS r
            JOIN (SELECT unnest($pfade) AS pfad, unnest($nrs::INTEGER[]) AS nr) AS d ON d.pfad = r.filename"""
        bound = {**(params or {}), "pfade": pfade, "nrs": numbers}
        used = {k: v for k, v in bound.items() if re.search(rf"\${re.escape(k)}\b", query)}
        con.execute(f"CREATE TEMP TABLE {stage} AS {query}" if index == 0 else f"INSERT INTO {stage} BY NAME {query}",
                    used)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_COLS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CSV_SAFE = (
    "Value with unterminated quote found",
    "Maximum line size",
    "Invalid unicode",
)


def csv_error(path: Path, error: duckdb.Error) -> DeliveryError:
    """A DeliveryError from a DuckDB CSV error that names file, line and problem — never the line's content."""
    text = str(error)
    line_match = _CSV_LINE.search(text)
    line = int(line_match.group(1)) if line_match else None
    cols = _CSV_COLS.search(text)
    if cols:
        return DeliveryError(
            path,
            f"expected {cols.group(1)} fields separated by ';' (as many as the header has), found {cols.group(2)}",
            line=line,
        )
    for phrase in _CSV_SAFE:
        if phrase in text:
            return DeliveryError(path, f"{phrase.rstrip('.')}: expected a well-formed ';'-separated record", line=line)
    return DeliveryError(path, f"the file could not be read as ';'-separated text ({type(error).__name__})", line=line)


@contextmanager
def staged(con: duckdb.DuckDBPyConnection, path: Path, stage: str, create_sql: str, params: Mapping) -> Iterator[None]:
    """The loader's temporary stage table of one file for the `with` block: `create_sql` creates `stage` from the
    file (`csv_source`; a DuckDB CSV error becomes a DeliveryError naming line and problem only, `csv_error`), and
    the table is dropped when the block ends, whatever happens in it."""
    try:
        con.execute(create_sql, params)
    except duckdb.Error as error:
        raise csv_error(path, error) from None
    try:
        yield
    finally:
        con.execute(f"DROP TABLE IF EXISTS {stage}")


def header_positions(tf: TextFile, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
    """Position of each known column in the header; DeliveryError naming all missing required ones."""
    positions: dict[str, int] = {}
    for index, name in enumerate(tf.header):
        if name in required or name in optional:
            if name in positions:
                raise DeliveryError(tf.path, f"column '{name}' appears twice in the header", line=tf.header_line,
                                    column=index + 1)
            positions[name] = index
    missing = [name for name in required if name not in positions]
    if missing:
        raise DeliveryError(
            tf.path,
            f"missing required column(s) {', '.join(missing)}; expected header columns "
            f"{';'.join(required)}",
            line=tf.header_line,
        )
    return positions


def year_in_name(path: Path) -> int | None:
    match = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.stem)
    return int(match.group(1)) if match else None


def reasons_sql(checks: Sequence[tuple[str, str]]) -> str:
    """`list` of the reasons whose condition holds: [(condition_sql, reason_sql_expr), …]."""
    items = ", ".join(f"CASE WHEN {cond} THEN {reason} END" for cond, reason in checks)
    return f"list_filter([{items}], x -> x IS NOT NULL)"


AGS_NORMALISED = (
    "CASE WHEN regexp_full_match({x}, '[0-9]{{7}}') OR regexp_full_match({x}, '[0-9]{{4}}') "
    "THEN '0' || {x} ELSE {x} END"
)


def ags_sql(expr: str) -> str:
    """Trimmed AGS text; a leading zero lost to a spreadsheet (7 or 4 digits) is restored."""
    x = f"trim({expr})"
    return AGS_NORMALISED.format(x=x)


# ---------------------------------------------------------------------------------------------- Ortsteil key
# One rule for every family that may carry an Ortsteil key (Melderegister, Jugendhilfe, Grundsicherung): the key
# is the 3-digit `ortsteil_schluessel` of the region profile's ortsteile.csv for the row's Gemeinde, and a
# Gemeinde's rows carry it all or none (otherwise the Ortsteil sums would miss part of the Gemeinde).


def ortsteil_sql(expr: str) -> str:
    """The Ortsteil key of a text column: 1–2 digits padded to 3 (lost leading zeros), empty = NULL."""
    return (f"CASE WHEN regexp_full_match(trim({expr}), '[0-9]{{1,2}}') THEN lpad(trim({expr}), 3, '0') "
            f"ELSE nullif(trim({expr}), '') END")


def ortsteil_key_errors(con: duckdb.DuckDBPyConnection, stage: str, files: Mapping[int, tuple[Path, int]], *,
                        nr: str = "nr", ags: str = "ags", ortsteil: str = "ortsteil",
                        partition: Sequence[str] = ("stichtag",), what: str = "Einwohner") -> dict[int, DeliveryError]:
    """Every Ortsteil key in `stage` (rows without reasons) is one of the region profile's Ortsteile of the row's
    Gemeinde (column `ags`), and a Gemeinde's rows carry a key either all or none (per `partition`, e.g. the
    Stichtag), per file of a stage that holds several (`nr`: the SQL of a row's file number; `files`: number ->
    (path, 1-based column of the key)): the DeliveryError of each file that fails (its first offending line), by
    its number."""
    known = table_exists(con, "raw.region__ortsteile")
    errors: dict[int, DeliveryError] = {}
    unknown = con.execute(f"""
        SELECT {nr} AS datei_nr, s.zeile, s.{ags}, s.{ortsteil} FROM {stage} AS s
        WHERE len(s.gruende) = 0 AND s.{ortsteil} IS NOT NULL AND NOT EXISTS (
            {f"SELECT 1 FROM raw.region__ortsteile AS o WHERE o.ags = s.{ags} AND o.ortsteil_schluessel = s.{ortsteil}"
             if known else "SELECT 1 WHERE false"})
        QUALIFY row_number() OVER (PARTITION BY {nr} ORDER BY s.zeile) = 1""").fetchall()
    for number, zeile, gemeinde, key in unknown:
        listed = con.execute("SELECT string_agg(ortsteil_schluessel || ' ' || ortsteil_name, ', ' "
                             "ORDER BY ortsteil_schluessel) FROM raw.region__ortsteile WHERE ags = $ags",
                             {"ags": gemeinde}).fetchone()[0] if known else None
        expected = (f"einen Ortsteilschlüssel von {gemeinde} aus ortsteile.csv des Regionsprofils ({listed}) oder leer"
                    if listed else f"leer: das Regionsprofil (ortsteile.csv) nennt für {gemeinde} keine Ortsteile")
        path, column = files[number]
        errors[number] = DeliveryError(path, f"{ortsteil} '{key}' ist kein Ortsteil der Gemeinde {gemeinde}: erwartet "
                                             f"{expected}", line=zeile, column=column)
    by = ", ".join([nr, *partition, ags])
    partial = con.execute(f"""
        SELECT datei_nr, zeile, {ags}, erste FROM (
            SELECT {nr} AS datei_nr, zeile, {ags}, {ortsteil}, min(zeile) FILTER (WHERE {ortsteil} IS NOT NULL)
                   OVER (PARTITION BY {by}) AS erste
            FROM {stage} WHERE len(gruende) = 0)
        WHERE {ortsteil} IS NULL AND erste IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY datei_nr ORDER BY zeile) = 1""").fetchall()
    for number, zeile, gemeinde, erste in partial:
        path, column = files[number]
        errors.setdefault(number, DeliveryError(
            path, f"{ortsteil} ist leer, aber andere Zeilen der Gemeinde {gemeinde} tragen einen Ortsteil (zuerst Zeile "
                  f"{erste}): erwartet für jede Zeile einer Gemeinde einen Ortsteil oder für keine (sonst fehlen {what} "
                  "in den Ortsteilsummen)", line=zeile, column=column))
    return errors


def ortsteil_count_errors(con: duckdb.DuckDBPyConnection, stage: str, files: Mapping[int, Path],
                          pos: Mapping[int, Mapping[str, int]],
                          period_checks: Sequence[tuple[str, str, Callable[[int], str]]], merkmale: Sequence[str],
                          params: Mapping, *, nr: str = "nr", what: str,
                          twice: Callable[[int], str] = lambda _: "") -> dict[int, DeliveryError]:
    """The row checks of an office's files of counts per Ortsteil (the Jobcenter's SGB II files, the Sozialamt's
    annual counts), in `stage` (columns zeile, ags, ortsteil, gruende and v_<merkmal> per count), per file of a stage
    that holds several (`nr`: the SQL of a row's file number; `files`, `pos`: number -> path, header positions):
    first the file kind's `period_checks` (column, SQL condition of a bad row, reason per file number), then the AGS
    (8 digits, of the region: `$prefix` in `params`), a given Ortsteil key, every count a whole number ≥ 0, the key
    known for its Gemeinde (`ortsteil_key_errors`; `what` is counted) and each Gemeinde × Ortsteil once (`twice`:
    what a second row would mean). The DeliveryError of each file that fails (its first offending line and column),
    by its number, in one query per check for all of them."""
    checks = [
        *period_checks,
        ("ags", "NOT regexp_full_match(coalesce(ags, ''), '[0-9]{8}')", lambda _: "ags: erwartet 8-stelligen AGS"),
        ("ags", "NOT starts_with(ags, $prefix)", lambda _: "ags außerhalb der Region"),
        ("ortsteil", "ortsteil IS NULL",
         lambda _: "ortsteil: erwartet den Ortsteilschlüssel aus ortsteile.csv des Regionsprofils (nicht leer)"),
    ] + [(m, f"NOT regexp_full_match(coalesce(v_{m}, ''), '[0-9]+')", lambda _, m=m: f"{m}: erwartet ganze Zahl ≥ 0")
         for m in merkmale]
    # the first offending line of every check in one pass over the stage; the first check that has one is reported
    firsts = con.execute(
        f"SELECT {nr} AS datei_nr, {', '.join(f'min(zeile) FILTER (WHERE {cond})' for _, cond, _ in checks)} "
        f"FROM {stage} GROUP BY datei_nr",
        {k: v for k, v in params.items() if any(f"${k}" in cond for _, cond, _ in checks)}).fetchall()
    errors: dict[int, DeliveryError] = {}
    for number, *lines in firsts:
        for (name, _, reason), line in zip(checks, lines, strict=True):
            if line is not None:
                errors[number] = DeliveryError(files[number], reason(number), line=line,
                                               column=pos[number][name] + 1)
                break
    keys = ortsteil_key_errors(con, f"(SELECT * FROM {stage} WHERE {nr} NOT IN ({numbers_sql(errors)}))",
                               {n: (files[n], pos[n]["ortsteil"] + 1) for n in files}, nr=nr, partition=(), what=what)
    errors.update(keys)
    dups = con.execute(f"""
        SELECT datei_nr, zeile, ags, ortsteil, erste FROM (
            SELECT {nr} AS datei_nr, zeile, ags, ortsteil,
                   first_value(zeile) OVER (PARTITION BY {nr}, ags, ortsteil ORDER BY zeile) AS erste
            FROM {stage} WHERE {nr} NOT IN ({numbers_sql(errors)})
            QUALIFY row_number() OVER (PARTITION BY {nr}, ags, ortsteil ORDER BY zeile) = 2)
        QUALIFY row_number() OVER (PARTITION BY datei_nr ORDER BY zeile) = 1""").fetchall()
    for number, zeile, ags, ortsteil, erste in dups:
        errors[number] = DeliveryError(
            files[number], f"Ortsteil {ortsteil} der Gemeinde {ags} steht zweimal in der Datei (Zeilen {erste} und "
                           f"{zeile}): {twice(number)}erwartet genau eine Zeile je Gemeinde × Ortsteil",
            line=zeile, column=pos[number]["ortsteil"] + 1)
    return errors


def records_per_file(con: duckdb.DuckDBPyConnection, stage: str, paths: Mapping[int, Path],
                     expected: str) -> tuple[dict[int, int], dict[int, DeliveryError]]:
    """The records of each file of a stage that holds several (by file number `nr`), and the DeliveryError of each
    file of `paths` (number -> path) that has none ("no records below the header: expected `expected`")."""
    counted = dict(con.execute(f"SELECT nr, count(*) FROM {stage} GROUP BY nr").fetchall())
    return counted, {nr: DeliveryError(path, f"no records below the header: expected {expected}")
                     for nr, path in paths.items() if not counted.get(nr)}


def numbers_sql(numbers: Iterable[int]) -> str:
    """SQL list of file numbers (never empty: NOT IN () is not SQL)."""
    return ", ".join(str(int(n)) for n in numbers) or "-1"
