"""Shared machinery of the confidential families (sgb2, grundsicherung, melderegister, jugendhilfe).

One delivery file = one transaction: its raw rows, its reject rows and its row in
`raw.<family>__lieferungen` are committed together or not at all. A file already listed in the
deliveries table (same SHA-256) is skipped; a bad file is rolled back and moved to quarantine.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import Delivery, DeliveryError, IngestResult, detect_encoding
from orchestration.ingest.runner import ENV_MAX_REJECT_SHARE, Audit, Lineage, run_family
from orchestration.settings import Paths

DEMO_MARKER = "DEMODATEN"

LINEAGE_DDL = "datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL, ist_demodaten BOOLEAN NOT NULL"

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


def csv_source(path_param: str, ncols: int, tf: TextFile) -> str:
    """The read_csv call for a checked text file; columns are named c0, c1, … (all VARCHAR)."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    return (
        f"read_csv({path_param}, delim=';', quote='\"', escape='\"', header=false, skip={tf.skip}, "
        f"columns={{{columns}}}, auto_detect=false, strict_mode=true, null_padding=false, "
        f"encoding='{tf.encoding}', comment='')"
    )


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


# ------------------------------------------------------------------------------------- per-file loop


@dataclass
class FileLoad:
    """What a family's `load_file` wrote for one delivery."""

    rows: dict[str, int]  # raw table -> rows inserted
    records: int  # records read (loaded + rejected)
    rejected: int = 0
    suppressed: int = 0
    berichtszeitraum: str | None = None
    ist_demodaten: bool = False
    extra: dict[str, object] = field(default_factory=dict)  # further columns of the deliveries table


def check_reject_share(path: Path, records: int, rejected: int, first_reasons: Sequence[str], limit: float) -> None:
    """DeliveryError when the file's reject share is above `limit` (the run's maximum reject share)."""
    if records == 0 or rejected == 0:
        return
    share = rejected / records
    if share > limit:
        examples = "; ".join(first_reasons[:3])
        raise DeliveryError(
            path,
            f"{rejected} of {records} records rejected ({share:.1%}), more than the allowed "
            f"{limit:.1%} (${ENV_MAX_REJECT_SHARE}); first reasons: {examples}",
        )


def create_tables(con: duckdb.DuckDBPyConnection, family: str, tables: dict[str, str],
                  lieferungen_extra: str = "") -> None:
    """Create the family's raw tables (typed, also when nothing was delivered)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name, columns in tables.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{family}__{name} ({columns}, {LINEAGE_DDL})")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{family}__rejects (datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, "
        "zeile BIGINT, grund VARCHAR NOT NULL, datensatz JSON, geladen_am TIMESTAMP NOT NULL, "
        "ist_demodaten BOOLEAN NOT NULL)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{family}__lieferungen (sha256 VARCHAR PRIMARY KEY, datei VARCHAR NOT NULL, "
        f"berichtszeitraum VARCHAR, ist_demodaten BOOLEAN NOT NULL, zeilen BIGINT NOT NULL, "
        f"abgelehnt BIGINT NOT NULL, geladen_am TIMESTAMP NOT NULL{lieferungen_extra})"
    )


def run_confidential(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    family: str,
    tables: dict[str, str],
    load_file: Callable[[duckdb.DuckDBPyConnection, Lineage], FileLoad],
    lieferungen_extra: str = "",
    before_loading: Callable[[list[Delivery]], None] | None = None,
    audit: Audit | None = None,
    run_id: str | None = None,
) -> IngestResult:
    """The runner (orchestration/ingest/runner.py) with this family's raw tables, deliveries row and
    DuckDB CSV error messages."""
    extra_cols = [col.strip().split()[0] for col in lieferungen_extra.split(",") if col.strip()]
    rows = {f"raw.{family}__{t}": 0 for t in [*tables, "rejects"]}

    def record_delivery(con: duckdb.DuckDBPyConnection, lineage: Lineage, loaded: FileLoad) -> None:
        names = ["sha256", "datei", "berichtszeitraum", "ist_demodaten", "zeilen", "abgelehnt", "geladen_am", *extra_cols]
        values = [lineage.delivery.sha256, lineage.delivery.path.name, loaded.berichtszeitraum, loaded.ist_demodaten,
                  sum(loaded.rows.values()), loaded.rejected, lineage.geladen_am,
                  *[loaded.extra.get(col) for col in extra_cols]]
        con.execute(
            f"INSERT INTO raw.{family}__lieferungen ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            values,
        )

    def count(result: IngestResult, loaded: FileLoad) -> None:
        for table, n in loaded.rows.items():
            result.rows[f"raw.{family}__{table}"] = result.rows.get(f"raw.{family}__{table}", 0) + n
        result.rows[f"raw.{family}__rejects"] = result.rows.get(f"raw.{family}__rejects", 0) + loaded.rejected
        result.rejected += loaded.rejected
        result.suppressed += loaded.suppressed

    result = run_family(
        con, paths, family,
        create_tables=lambda c: create_tables(c, family, tables, lieferungen_extra),
        load_file=load_file, record_delivery=record_delivery, count=count, read_error=csv_error,
        before_loading=before_loading, audit=audit, run_id=run_id,
    )
    result.rows = {**rows, **result.rows}
    return result


def reasons_sql(checks: Sequence[tuple[str, str]]) -> str:
    """`list` of the reasons whose condition holds: [(condition_sql, reason_sql_expr), …]."""
    items = ", ".join(f"CASE WHEN {cond} THEN {reason} END" for cond, reason in checks)
    return f"list_filter([{items}], x -> x IS NOT NULL)"


def write_rejects(con: duckdb.DuckDBPyConnection, family: str, stage: str, record_sql: str, lineage: Lineage,
                  demo: bool) -> tuple[int, list[str]]:
    """Insert the staged rows with reasons into raw.<family>__rejects; returns (count, first reasons)."""
    con.execute(
        f"INSERT INTO raw.{family}__rejects SELECT $datei, $sha256, zeile, array_to_string(gruende, '; '), "
        f"to_json({record_sql}), $geladen_am, $demo FROM {stage} WHERE len(gruende) > 0 ORDER BY zeile",
        {**lineage.params, "demo": demo},
    )
    n, = con.execute(f"SELECT count(*) FROM {stage} WHERE len(gruende) > 0").fetchone()
    return n, first_reasons(con, stage)


def first_reasons(con: duckdb.DuckDBPyConnection, stage: str, limit: int = 3) -> list[str]:
    rows = con.execute(
        f"SELECT zeile, array_to_string(gruende, '; ') FROM {stage} WHERE len(gruende) > 0 ORDER BY zeile LIMIT {limit}"
    ).fetchall()
    return [f"line {z}: {g}" for z, g in rows]


AGS_NORMALISED = (
    "CASE WHEN regexp_full_match({x}, '[0-9]{{7}}') OR regexp_full_match({x}, '[0-9]{{4}}') "
    "THEN '0' || {x} ELSE {x} END"
)


def ags_sql(expr: str) -> str:
    """Trimmed AGS text; a leading zero lost to a spreadsheet (7 or 4 digits) is restored."""
    x = f"trim({expr})"
    return AGS_NORMALISED.format(x=x)
