"""Parsing GENESIS / Regionalstatistik CSV tables (the loader: orchestration/ingest/genesis.py).

A GENESIS CSV export is a small report, not a plain table:

    GENESIS-Tabelle: 12411-02-03-5                    <- table id (the only thing that identifies the table)
    Bevölkerungsstand: Bevölkerung nach Geschlecht;;; <- title lines
    31.12.2015;;;                                     <- time as a title line (or `Jahr: 2016`, or `2015`)
    ;;Insgesamt;Insgesamt;...;männlich;...            <- column header rows (2-4), possibly a row of dates
    ;;unter 3 Jahre;3 bis unter 6 Jahre;...
    DG;Deutschland;2200407;...                        <- data: region code, indented name, values
    06432001;        Alsbach-Hähnlein;223;...             (or: date;code;name;values)
    __________                                        <- footer starts: notes (multi-line quoted), licence
    Stand: 10.10.2017 / 11:01:03                      <- last line

Parsing is done by DuckDB, for all new files of a run together (every table and query carries the file's
number `nr`; a file's facts such as its footer line and width are rows of `_genesis_dateien`): the files are
read twice with the native CSV reader, once as raw lines (line numbers, footer, `Stand:`, field counts) and
once as `;`-separated records (all VARCHAR, each file with its own column count, null padding). SQL then
finds the header block, builds each column's header path, unpivots to long format, converts numbers and
markers and classifies the region codes. Python only orchestrates and turns what the SQL finds into each
file's `DeliveryError` (the first problem of that file; the other files go on). The number of queries does
not grow with the number of files (parsed one at a time, about 30 queries of a millisecond or two each made
even a small table cost about 50 ms).

Rules worth knowing (see also docs/contracts.md):
- `merkmal` = the column's header parts joined by ` | `, without the time row and without header rows that
  are the same in every value column (dimension labels such as `Geschlecht`, `Altersgruppen (...)`, and
  the unit row `Anzahl`). If that left some column without a name (e.g. 12411-07-01-5, whose first column
  has only the constant `Durchschnittsalter der Bevölkerung` above it), the constant rows except the unit
  row are kept for every column of that file.
- Region levels: `DG` bund, 2 digits land, 3 regierungsbezirk, 5 kreis, 7 gemeindeverband (Rheinland-Pfalz
  Verbandsgemeinde), 8 gemeinde or gemeindeverband (a Verband when longer codes below it exist in the file
  or its name says Samtgemeinde / Verbandsgemeinde / Verwaltungsgemeinschaft / `..., Amt` ...), 9
  gemeindeverband (ARS Verband key), 10-12 gemeinde (AGS = first 5 + last 3 digits). Berlin's Bezirke
  (5-digit codes 11001-11012) are `bezirk`, not Kreise.
- Gemeinden that the tables show only on a higher level get a Gemeinde row as well: a kreisfreie Stadt
  (5-digit code without rows below it, in a file that has Gemeinde rows) gets `ags` = code + `000`; the
  Stadtstaaten Hamburg (`02`) and Berlin (`11`) get a Kreis row (`02000`, `11000`) and a Gemeinde row
  (`02000000`, `11000000`). `regionalschluessel` and `zeile` stay those of the delivered row.
- A Gemeinde listed twice (a Gemeinde that changed its Samtgemeinde/Verbandsgemeinde: the old or new
  membership row carries only `-` or `.`) is kept once per time: the row with the most numbers wins.
- Markers: `-` -> 0 with marker `-`; `.`, `...`, `/`, `x` -> NULL with the marker; `(12)` -> 12 with marker
  `()`. Numbers use a decimal comma.
"""


from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError, detect_encoding
from orchestration.ingest.runner import files_table

# Tables whose layout has been checked against real deliveries.
SUPPORTED_TABLES: dict[str, str] = {
    "12411-01-01-5": "Bevölkerung nach Geschlecht, Stichtag 31.12.",
    "12411-02-03-5": "Bevölkerung nach Geschlecht und Altersgruppen (17), Stichtag 31.12.",
    "12411-06-01-5": "Bevölkerung nach Geschlecht, Stichtag 30.06.",
    "12411-07-01-5": "Durchschnittsalter der Bevölkerung, Stichtag 31.12.",
    "12711-01-03-5": "Zu- und Fortzüge über Gemeindegrenzen nach Geschlecht und Altersgruppen, Jahressumme",
    "13111-01-03-5": "SvB am Arbeitsort nach Geschlecht und Nationalität, Stichtag 30.06.",
    "13111-02-02-5": "SvB am Wohnort nach Geschlecht und Nationalität, Stichtag 30.06.",
    "13111-08-02-5": "SvB am Arbeits- und Wohnort, Ein- und Auspendler, Stichtag 30.06.",
    "13211-01-03-5": "Arbeitslose nach ausgewählten Personengruppen, Jahresdurchschnitt",
}

MARKERS_NULL = (".", "...", "/", "x")

# Regular expressions (RE2, used inside DuckDB).
RE_CODE = r"^(DG|[0-9]{2,12})$"
RE_TIME = r"^([0-9]{2}\.[0-9]{2}\.[0-9]{4}|[0-9]{4})$"
RE_TITLE_TIME = r"^([0-9]{2}\.[0-9]{2}\.[0-9]{4}|Jahr: ?[0-9]{4}|[0-9]{4})$"
RE_NUMBER = r"^[+-]?[0-9]+(,[0-9]+)?$"
RE_VERBAND_NAME = (
    r"(^|, )(Samtgemeinde|Verbandsgemeinde|Verbandsgem\.|Verwaltungsgemeinschaft|Verwaltungsgem\.|VGem"
    r"|Gemeindeverwaltungsverband|GVV|Verwaltungsverband|Amt)$"
    r"|^(Samtgemeinde|Verbandsgemeinde|Verwaltungsgemeinschaft|Gemeindeverwaltungsverband|Verwaltungsverband) "
)
RE_STAND = re.compile(r"^Stand: (\d{2}\.\d{2}\.\d{4}) / (\d{2}:\d{2}:\d{2})$")
RE_TABLE = re.compile(r"^GENESIS-Tabelle: *([0-9A-Za-z-]+)\s*$")

# Stadtstaaten whose Land is also their only Kreis and Gemeinde.
STADTSTAATEN = ("02", "11")


@dataclass(frozen=True)
class ParsedFile:
    """What parsing one file produced; its long rows wait in the temp view `_genesis_neu` (under its `nr`)."""

    tabelle: str
    titel: str
    stand: dt.datetime
    encoding: str
    ist_demodaten: bool
    zeilen: int
    zeilen_region: int  # rows of the region itself (without Germany, Land and former Kreise)
    unterdrueckt: int


# detect_encoding's names -> the names recorded in raw.genesis__lieferungen.encoding (the live service's)
ENCODING_NAMES = {"utf-8": "UTF-8", "latin-1": "ISO-8859-1"}


# file-level facts in `_genesis_dateien` (one row per file still in the running) -> their SQL types
_FACT_TYPES = {
    "datei": "VARCHAR", "footer": "INTEGER", "first_data": "INTEGER", "layout": "VARCHAR", "keys": "INTEGER",
    "width": "INTEGER", "first_header": "INTEGER", "last_header": "INTEGER", "zeit_quelle": "VARCHAR",
    "titel_zeit": "VARCHAR", "stichtag_monat": "INTEGER", "stichtag_tag": "INTEGER",
}
_TEMP_TABLES = ("_genesis_dateien", "_genesis_read", "_genesis_lines", "_genesis_records", "_genesis_cells",
                "_genesis_columns", "_genesis_data", "_genesis_gebiete", "_genesis_auswahl")
# a CSV read of several files: the file's name comes with every row
_READ_OPTIONS = "header=false, auto_detect=false, parallel=false, max_line_size=10000000, filename=true"


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables and the view `_genesis_neu` of a parse (one call: each call is a round trip)."""
    con.execute("DROP VIEW IF EXISTS _genesis_neu; " + " ".join(f"DROP TABLE IF EXISTS {name};" for name in _TEMP_TABLES))


def _columns(first: int, last: int) -> str:
    return ", ".join(f"c{i:03d}" for i in range(first, last + 1))


class _Files:
    """The files of one parse: number -> path, what is known about each one, and the DeliveryError of each one
    refused so far (its first problem; a refused file takes no further part)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path]):
        self.con = con
        self.paths = list(paths)
        self.facts: dict[int, dict[str, object]] = {nr: {"datei": str(path)} for nr, path in enumerate(self.paths)}
        self.refused: dict[int, DeliveryError] = {}

    def refuse(self, nr: int, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.drop(nr, DeliveryError(self.paths[nr], problem, line=line, column=column))

    def drop(self, nr: int, error: DeliveryError) -> None:
        self.refused[nr] = error
        del self.facts[nr]

    @property
    def widest(self) -> int:
        """The largest column count of the files still in the running."""
        return max(int(facts["width"]) for facts in self.facts.values())

    def table(self) -> None:
        """`_genesis_dateien`: one row per file still in the running with the facts known so far (the queries of
        every later step join it, so a refused file drops out of them; a fact not known yet is NULL)."""
        files_table(self.con, "_genesis_dateien", {
            "nr": ("INTEGER", list(self.facts)),
            **{name: (sql_type, [facts.get(name) for facts in self.facts.values()])
               for name, sql_type in _FACT_TYPES.items()}})


def parse_files(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], prefix: str,
                vorgaenger: tuple[str, ...] = ()) -> list[ParsedFile | DeliveryError]:
    """Parse GENESIS CSV files together, in a few queries for all of them, into the temp view `_genesis_neu`
    (the columns of raw.genesis__werte that vary per row, and `nr`: the file's index in `paths`; the loader adds
    table, lineage and `Stand`).

    Returns per file what it holds (ParsedFile), or the DeliveryError (file, line, column, expectation) of the
    first problem found in it; a refused file has no rows in `_genesis_neu`. A DuckDB error (a file its CSV
    reader cannot read) is raised for all of them: parsed one at a time, the error names that file.
    """
    drop_temp(con)
    files = _Files(con, paths)
    if not paths:
        return []
    encodings: dict[int, str] = {}
    for nr, path in enumerate(files.paths):
        try:
            encodings[nr] = detect_encoding(path)
        except DeliveryError as error:
            files.drop(nr, error)
    files.table()
    _read_lines(con, files, encodings)
    _find_layout(con, files)
    if files.facts:
        _read_records(con, files, encodings)
        titles = _check_records(con, files)
    if files.facts:
        _header_paths(con, files, titles)
    if files.facts:
        _long_values(con, files, prefix, vorgaenger)
    counts = {nr: (zeilen, region, unterdrueckt) for nr, zeilen, region, unterdrueckt in con.execute(
        "SELECT nr, sum(n_zellen), coalesce(sum(n_zellen) FILTER (WHERE in_region), 0), sum(n_unterdrueckt) "
        "FROM _genesis_auswahl GROUP BY nr").fetchall()} if files.facts else {}
    outcomes: list[ParsedFile | DeliveryError] = []
    for nr in range(len(files.paths)):
        if nr in files.refused:
            outcomes.append(files.refused[nr])
            continue
        facts = files.facts[nr]
        zeilen, zeilen_region, unterdrueckt = counts.get(nr, (0, 0, 0))
        outcomes.append(ParsedFile(
            tabelle=facts["tabelle"], titel=facts["titel"] or "", stand=facts["stand"],
            encoding=ENCODING_NAMES[encodings[nr]], ist_demodaten=bool(facts["ist_demo"]), zeilen=int(zeilen),
            zeilen_region=int(zeilen_region), unterdrueckt=int(unterdrueckt)))
    return outcomes


def _read_lines(con: duckdb.DuckDBPyConnection, files: _Files, encodings: dict[int, str]) -> None:
    """Pass 1: the physical lines of every file (blank lines kept as NULL; `zeile` is the line number); the table
    id from the first line and `Stand:` from the last one; the footer (a line of underscores)."""
    con.execute("CREATE TEMP TABLE _genesis_read (datei VARCHAR, line VARCHAR)")
    for enc in sorted({encodings[nr] for nr in files.facts}):
        con.execute(f"""
            INSERT INTO _genesis_read
            SELECT filename, line FROM read_csv($files, columns={{'line': 'VARCHAR'}}, delim='\\x01', quote='',
                                                escape='', encoding='{enc}', {_READ_OPTIONS})
        """, {"files": [files.facts[nr]["datei"] for nr in files.facts if encodings[nr] == enc]})
    con.execute("""
        CREATE TEMP TABLE _genesis_lines AS
        WITH t AS (SELECT d.nr, row_number() OVER (PARTITION BY d.nr ORDER BY r.rowid) AS zeile, r.line
                   FROM _genesis_read r JOIN _genesis_dateien d USING (datei))
        SELECT nr, zeile::INTEGER AS zeile, CASE WHEN zeile = 1 THEN ltrim(line, chr(65279)) ELSE line END AS line
        FROM t;
        DROP TABLE _genesis_read;
    """)
    rows = con.execute(r"""
        SELECT d.nr, count(l.zeile), max(l.line) FILTER (WHERE l.zeile = 1),
               min(l.zeile) FILTER (WHERE regexp_full_match(trim(split_part(l.line, ';', 1)), '_{3,}')),
               max(l.zeile) FILTER (WHERE trim(coalesce(l.line, '')) <> ''),
               arg_max(trim(l.line), l.zeile) FILTER (WHERE trim(coalesce(l.line, '')) <> '')
        FROM _genesis_dateien d LEFT JOIN _genesis_lines l USING (nr) GROUP BY d.nr
    """).fetchall()
    for nr, n_lines, first_line, footer, last_zeile, last_line in rows:
        first_line = (first_line or "").split(";")[0].strip()
        match = RE_TABLE.match(first_line)
        if not match:
            files.refuse(nr, f"not a GENESIS table: expected 'GENESIS-Tabelle: <id>' as the first line, "
                             f"found {first_line[:60]!r}", line=1, column=1)
            continue
        tabelle = match.group(1)
        if tabelle not in SUPPORTED_TABLES:
            files.refuse(nr, f"unsupported GENESIS table {tabelle!r}; supported: {', '.join(sorted(SUPPORTED_TABLES))}",
                         line=1, column=1)
            continue
        if footer is None:
            files.refuse(nr, "no footer line of underscores ('__________') found: the file is truncated or not a "
                             "complete GENESIS export", line=n_lines)
            continue
        stand_match = RE_STAND.match(last_line) if last_zeile is not None else None
        if not stand_match or last_zeile <= footer:
            files.refuse(nr, "expected 'Stand: dd.mm.yyyy / hh:mm:ss' as the last line (after the footer): the file "
                             "is truncated", line=last_zeile if last_zeile is not None else n_lines)
            continue
        files.facts[nr].update(tabelle=tabelle, footer=footer, stand=dt.datetime.strptime(
            f"{stand_match.group(1)} {stand_match.group(2)}", "%d.%m.%Y %H:%M:%S"))
    files.table()


def _find_layout(con: duckdb.DuckDBPyConnection, files: _Files) -> None:
    """Classify the lines above the footer; per file the first data row and its layout (A: code, name, values;
    B: date, code, name, values), the column header rows and the width; every line between the first data row
    and the footer must be a data row of that width, and quotes above the footer balanced."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _genesis_lines AS
        SELECT l.nr, l.zeile, l.line,
               trim(split_part(l.line, ';', 1)) AS f1,
               CASE WHEN l.line IS NULL THEN 0 ELSE length(l.line) - length(replace(l.line, ';', '')) + 1 END AS felder,
               CASE WHEN l.line IS NULL THEN 0 ELSE length(l.line) - length(replace(l.line, '"', '')) END AS quotes,
               CASE
                 WHEN l.zeile = 1 OR l.zeile >= d.footer THEN NULL
                 WHEN regexp_full_match(trim(split_part(l.line, ';', 1)), '{RE_CODE}')
                      AND trim(split_part(l.line, ';', 2)) <> '' THEN 'A'
                 WHEN regexp_full_match(trim(split_part(l.line, ';', 1)), '{RE_TIME}')
                      AND regexp_full_match(trim(split_part(l.line, ';', 2)), '{RE_CODE}')
                      AND trim(split_part(l.line, ';', 3)) <> '' THEN 'B'
               END AS datenart
        FROM _genesis_lines l JOIN _genesis_dateien d USING (nr)
    """)
    rows = con.execute("""
        WITH fd AS (
            SELECT nr, min(zeile) FILTER (WHERE datenart IS NOT NULL) AS first_data,
                   arg_min(datenart, zeile) FILTER (WHERE datenart IS NOT NULL) AS layout
            FROM _genesis_lines GROUP BY nr
        )
        SELECT fd.nr, fd.first_data, fd.layout, min(l.zeile), max(l.zeile), max(l.felder)
        FROM fd LEFT JOIN _genesis_lines l
             ON l.nr = fd.nr AND l.zeile > 1 AND l.zeile < fd.first_data AND l.line IS NOT NULL AND l.f1 = ''
                AND l.felder > CASE fd.layout WHEN 'A' THEN 2 ELSE 3 END
        GROUP BY fd.nr, fd.first_data, fd.layout
    """).fetchall()
    for nr, first_data, layout, first_header, last_header, width in rows:
        keys = 2 if layout == "A" else 3  # leading key columns: code, name (and the date in layout B)
        if first_data is None:
            files.refuse(nr, "no data rows found: expected lines starting with a region code (DG, 2-12 digits) and a "
                             "name before the footer", line=files.facts[nr]["footer"])
        elif first_header is None:
            files.refuse(nr, f"no column header rows (lines starting with {';' * keys!r}) above the first data row",
                         line=first_data)
        else:
            files.facts[nr].update(first_data=first_data, layout=layout, keys=keys, width=width,
                                   first_header=first_header, last_header=last_header)
    files.table()
    rows = con.execute("""
        WITH bad AS (
            SELECT l.nr, l.zeile, l.line, l.datenart, l.felder
            FROM _genesis_lines l JOIN _genesis_dateien d USING (nr)
            WHERE l.zeile >= d.first_data AND l.zeile < d.footer
              AND (l.datenart IS DISTINCT FROM d.layout OR l.felder <> d.width)
            QUALIFY row_number() OVER (PARTITION BY l.nr ORDER BY l.zeile) = 1
        ),
        odd AS (
            SELECT l.nr, min(l.zeile) AS zeile FROM _genesis_lines l JOIN _genesis_dateien d USING (nr)
            WHERE l.zeile < d.footer AND l.quotes % 2 = 1 GROUP BY l.nr
        )
        SELECT d.nr, bad.zeile, bad.line, bad.datenart, bad.felder, odd.zeile
        FROM _genesis_dateien d LEFT JOIN bad USING (nr) LEFT JOIN odd USING (nr)
        WHERE bad.zeile IS NOT NULL OR odd.zeile IS NOT NULL
    """).fetchall()
    for nr, zeile, line, datenart, felder, odd in rows:
        layout, width = files.facts[nr]["layout"], files.facts[nr]["width"]
        if zeile is not None and datenart != layout:
            what = "a date, a region code and a name" if layout == "B" else "a region code and a name"
            files.refuse(nr, f"expected a data row starting with {what}, found {(line or '(empty line)')[:60]!r}",
                         line=zeile, column=1)
        elif zeile is not None:
            files.refuse(nr, f"data row has {felder} fields but the column header has {width}: shifted or missing "
                             f"columns (expected exactly {width} ';'-separated fields)",
                         line=zeile, column=width + 1 if felder > width else felder)
        else:
            files.refuse(nr, "unbalanced quote above the footer: expected quoted text only in the footer", line=odd)
    if rows:
        files.table()


def _read_records(con: duckdb.DuckDBPyConnection, files: _Files, encodings: dict[int, str]) -> None:
    """Pass 2: the files as ';'-separated records (all VARCHAR, each file with its own width, null padding),
    lined up with the lines above the footer (the CSV reader skips empty lines: there, record k is the k-th
    non-empty line). `kopf` marks the column header rows."""
    con.execute(f"CREATE TEMP TABLE _genesis_read (datei VARCHAR, "
                f"{', '.join(f'c{i:03d} VARCHAR' for i in range(1, files.widest + 1))})")
    groups: dict[tuple[str, int], list[str]] = {}
    for nr, facts in files.facts.items():
        groups.setdefault((encodings[nr], int(facts["width"])), []).append(str(facts["datei"]))
    for (enc, width), group in sorted(groups.items()):
        names = _columns(1, width)
        types = "{" + ", ".join(f"'c{i:03d}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
        con.execute(f"""
            INSERT INTO _genesis_read (datei, {names})
            SELECT filename, {names} FROM read_csv($files, columns={types}, delim=';', quote='"', escape='"',
                                                   null_padding=true, ignore_errors=true, encoding='{enc}',
                                                   {_READ_OPTIONS})
        """, {"files": group})
    con.execute("""
        CREATE TEMP TABLE _genesis_records AS
        WITH lines AS (
            SELECT l.nr, l.zeile, l.f1,
                   l.zeile > 1 AND l.zeile < d.first_data AND l.f1 = '' AND l.felder > d.keys AS kopf,
                   row_number() OVER (PARTITION BY l.nr ORDER BY l.zeile) - 1 AS k
            FROM _genesis_lines l JOIN _genesis_dateien d USING (nr)
            WHERE l.line IS NOT NULL AND l.zeile < d.footer
        ),
        records AS (
            SELECT d.nr, row_number() OVER (PARTITION BY d.nr ORDER BY r.rowid) - 1 AS k, r.* EXCLUDE (datei)
            FROM _genesis_read r JOIN _genesis_dateien d USING (datei)
        )
        SELECT l.nr, l.zeile, l.f1 AS f1_line, l.kopf, r.* EXCLUDE (nr, k)
        FROM lines l LEFT JOIN records r USING (nr, k);
        DROP TABLE _genesis_read;
    """)


def _check_records(con: duckdb.DuckDBPyConnection, files: _Files) -> dict[int, tuple[str | None, str | None]]:
    """The records must line up with the lines; per file its title and a time given as a title line, and the
    demo marker. Returns file number -> (title, title time)."""
    rows = con.execute(f"""
        WITH m AS (
            SELECT nr, min(zeile) AS zeile FROM _genesis_records
            WHERE coalesce(trim(c001), '') <> trim(f1_line, ' "') GROUP BY nr
        ),
        t AS (
            SELECT l.nr,
                   string_agg(l.f1, ' ' ORDER BY l.zeile) FILTER (
                       WHERE l.zeile > 1 AND l.zeile < d.first_header AND l.f1 <> ''
                         AND NOT regexp_full_match(l.f1, '{RE_TITLE_TIME}')) AS titel,
                   max(l.f1) FILTER (
                       WHERE l.zeile > 1 AND l.zeile < d.first_header AND l.f1 <> ''
                         AND regexp_full_match(l.f1, '{RE_TITLE_TIME}')) AS titel_zeit,
                   coalesce(bool_or(upper(l.line) LIKE '%DEMODATEN%')
                            FILTER (WHERE l.zeile < d.first_data OR l.zeile >= d.footer), false) AS demo
            FROM _genesis_lines l JOIN _genesis_dateien d USING (nr) GROUP BY l.nr
        )
        SELECT d.nr, m.zeile, t.titel, t.titel_zeit, t.demo
        FROM _genesis_dateien d LEFT JOIN m USING (nr) LEFT JOIN t USING (nr)
    """).fetchall()
    titles = {}
    for nr, misaligned, titel, titel_zeit, demo in rows:
        if misaligned is not None:
            files.refuse(nr, "CSV records do not line up with the lines of the file (unexpected quoting above the "
                             "footer)", line=misaligned)
            continue
        files.facts[nr].update(titel=titel, ist_demo=demo)
        titles[nr] = (titel, titel_zeit)
    if len(titles) < len(rows):
        files.table()
    return titles


def _header_paths(con: duckdb.DuckDBPyConnection, files: _Files, titles: dict[int, tuple[str | None, str | None]]) -> None:
    """Header cells -> one header path (`merkmal`) and time per value column; the time dimension of each file."""
    widest = files.widest
    con.execute(f"""
        CREATE TEMP TABLE _genesis_cells AS
        WITH h AS (SELECT nr, zeile, {_columns(3, widest)} FROM _genesis_records WHERE kopf),
        u AS (SELECT nr, zeile, CAST(substr(spalte, 2) AS INTEGER) AS feld, nullif(trim(zelle), '') AS text
              FROM h UNPIVOT INCLUDE NULLS (zelle FOR spalte IN ({_columns(3, widest)})))
        SELECT u.* FROM u JOIN _genesis_dateien d USING (nr) WHERE u.feld > d.keys AND u.feld <= d.width
    """)
    con.execute(f"""
        CREATE TEMP TABLE _genesis_columns AS
        WITH rows AS (
            SELECT nr, zeile,
                   count(text) > 0 AND bool_and(text IS NULL OR regexp_full_match(text, '{RE_TIME}')) AS ist_zeit,
                   count(DISTINCT coalesce(text, '')) = 1 AS konstant
            FROM _genesis_cells GROUP BY nr, zeile
        ),
        zeitzeilen AS (SELECT nr, count(*) FILTER (WHERE ist_zeit) AS zeitzeilen FROM rows GROUP BY nr),
        paths AS (
            SELECT c.nr, c.feld,
                   max(c.text) FILTER (WHERE r.ist_zeit) AS zeit,
                   string_agg(c.text, ' | ' ORDER BY c.zeile)
                       FILTER (WHERE NOT r.ist_zeit AND NOT r.konstant) AS pfad_variabel,
                   string_agg(c.text, ' | ' ORDER BY c.zeile)
                       FILTER (WHERE NOT r.ist_zeit AND NOT (r.konstant AND c.zeile = d.last_header))
                       AS pfad_ohne_einheit,
                   string_agg(c.text, ' | ' ORDER BY c.zeile) FILTER (WHERE NOT r.ist_zeit) AS pfad_alle
            FROM _genesis_cells c JOIN rows r USING (nr, zeile) JOIN _genesis_dateien d USING (nr)
            GROUP BY c.nr, c.feld
        )
        SELECT p.nr, p.feld, p.zeit,
               CASE WHEN bool_or(p.pfad_variabel IS NULL) OVER (PARTITION BY p.nr)
                    THEN coalesce(p.pfad_ohne_einheit, p.pfad_alle) ELSE p.pfad_variabel END AS merkmal,
               z.zeitzeilen
        FROM paths p JOIN zeitzeilen z USING (nr)
    """)
    rows = con.execute("""
        SELECT nr, max(zeitzeilen), min(feld) FILTER (WHERE merkmal IS NULL), min(feld) FILTER (WHERE n > 1)
        FROM (SELECT *, count(*) OVER (PARTITION BY nr, coalesce(zeit, ''), merkmal) AS n FROM _genesis_columns)
        GROUP BY nr
    """).fetchall()
    for nr, zeitzeilen, ohne_name, doppelt in rows:
        facts = files.facts[nr]
        first_header = facts["first_header"]
        titel, titel_zeit = titles[nr]
        if zeitzeilen > 1:
            files.refuse(nr, "more than one header row of dates/years: expected one time dimension", line=first_header)
            continue
        if ohne_name is not None:
            files.refuse(nr, "column has no header text: expected a column header above every value column",
                         line=first_header, column=ohne_name)
            continue
        if doppelt is not None:
            files.refuse(nr, "two value columns have the same header path: expected distinct column headers",
                         line=first_header, column=doppelt)
            continue
        if facts["layout"] == "B":
            facts["zeit_quelle"] = "zeile"  # the date in column 1
        elif zeitzeilen == 1:
            facts["zeit_quelle"] = "spalte"  # the header row of dates/years
        elif titel_zeit is not None:
            facts["zeit_quelle"] = "titel"
            facts["titel_zeit"] = re.search(r"\d{2}\.\d{2}\.\d{4}|\d{4}", titel_zeit).group(0)
        else:
            files.refuse(nr, "no time dimension found: expected a title line with a date or year ('31.12.2015', "
                             "'Jahr: 2016', '2015'), a header row of dates/years, or dates in column 1",
                         line=first_header)
            continue
        stichtag_titel = re.search(r"Stichtag (\d{1,2})\.(\d{1,2})\.", titel or "")
        if stichtag_titel:
            facts.update(stichtag_monat=int(stichtag_titel.group(2)), stichtag_tag=int(stichtag_titel.group(1)))
    files.table()


def _long_values(con: duckdb.DuckDBPyConnection, files: _Files, prefix: str, vorgaenger: tuple[str, ...]) -> None:
    """The data cells in long format (numbers, markers, time) and their checks; region levels, normalised AGS,
    derived Gemeinde/Kreis rows, de-duplication and the region filter; the view `_genesis_neu`."""
    widest = files.widest
    con.execute(f"""
        CREATE TEMP TABLE _genesis_data AS
        WITH rows AS (
            SELECT r.nr, r.zeile, r.c001, {_columns(3, widest)}
            FROM _genesis_records r JOIN _genesis_dateien d USING (nr) WHERE r.zeile >= d.first_data
        ),
        long AS (
            SELECT u.nr, u.zeile,
                   CASE d.zeit_quelle WHEN 'zeile' THEN trim(u.c001) WHEN 'spalte' THEN col.zeit
                        ELSE d.titel_zeit END AS zeit,
                   col.feld, trim(u.zelle) AS zelle
            FROM rows UNPIVOT INCLUDE NULLS (zelle FOR spalte IN ({_columns(3, widest)})) u
            JOIN _genesis_dateien d USING (nr)
            JOIN _genesis_columns col ON col.nr = u.nr AND col.feld = CAST(substr(u.spalte, 2) AS INTEGER)
        ),
        typed AS (
            SELECT *,
                   CASE WHEN zelle = '-' THEN '-'
                        WHEN zelle IN ('.', '...', '/', 'x') THEN zelle
                        WHEN starts_with(zelle, '(')
                             AND regexp_full_match(zelle, '\\(\\s*[+-]?[0-9]+(,[0-9]+)?\\s*\\)') THEN '()'
                   END AS marker
            FROM long
        )
        SELECT nr, zeile, zeit, feld, zelle, marker,
               CASE WHEN marker = '-' THEN 0.0
                    WHEN marker = '()' THEN CAST(replace(trim(zelle, '() '), ',', '.') AS DOUBLE)
                    WHEN marker IS NULL AND regexp_full_match(zelle, '{RE_NUMBER}')
                         THEN CAST(replace(zelle, ',', '.') AS DOUBLE)
               END AS wert,
               CAST(right(zeit, 4) AS INTEGER) AS jahr
        FROM typed
    """)
    code_sql = "trim(CASE d.layout WHEN 'A' THEN r.c001 ELSE r.c002 END)"
    name_sql = "trim(CASE d.layout WHEN 'A' THEN r.c002 ELSE r.c003 END)"
    rows = con.execute(f"""
        SELECT * FROM (
            SELECT d.nr, 0 AS art, d.zeile, d.feld, d.zelle, c.merkmal
            FROM _genesis_data d JOIN _genesis_columns c USING (nr, feld)
            WHERE d.wert IS NULL AND (d.marker IS NULL OR d.marker NOT IN ('.', '...', '/', 'x'))
            QUALIFY row_number() OVER (PARTITION BY d.nr ORDER BY d.zeile, d.feld) = 1
        )
        UNION ALL
        SELECT nr, 1, zeile, NULL, zeit, NULL FROM (
            SELECT nr, min(zeile) AS zeile, zeit FROM _genesis_data
            WHERE NOT regexp_full_match(coalesce(zeit, ''), '{RE_TIME}') GROUP BY nr, zeit
            QUALIFY row_number() OVER (PARTITION BY nr ORDER BY min(zeile)) = 1
        )
        UNION ALL
        SELECT nr, 2, zeile, NULL, code, NULL FROM (
            SELECT r.nr, r.zeile, {code_sql} AS code FROM _genesis_records r JOIN _genesis_dateien d USING (nr)
            WHERE r.zeile >= d.first_data
              AND NOT regexp_full_match({code_sql}, '^(DG|[0-9]{{2}}|[0-9]{{3}}|[0-9]{{5}}|[0-9]{{7,12}})$')
            QUALIFY row_number() OVER (PARTITION BY r.nr ORDER BY r.zeile) = 1
        )
    """).fetchall()
    # per file the first problem: a value (0), then a time (1), then a region code (2)
    for nr, art, zeile, feld, text, merkmal in sorted(rows, key=lambda row: (row[0], row[1])):
        if nr in files.refused:
            continue
        if art == 1:
            files.refuse(nr, f"time {text!r} is neither dd.mm.yyyy nor yyyy", line=zeile, column=1)
        elif art == 2:
            files.refuse(nr, f"region code {text!r} has an unexpected length: expected DG or 2, 3, 5 or 7-12 digits",
                         line=zeile, column=1 if files.facts[nr]["layout"] == "A" else 2)
        else:
            files.refuse(nr, f"value {text or '(empty)'!r} in column '{merkmal}' is not a number: expected digits "
                             f"with an optional decimal comma, '(n)', or a marker - . ... / x", line=zeile, column=feld)
    if rows:
        files.table()
    # 1. one row per data line: code, name, level, AGS (classification works on lines, not cells)
    con.execute(f"""
        CREATE TEMP TABLE _genesis_gebiete AS
        WITH lines AS (
            SELECT r.nr, r.zeile, {code_sql} AS code, {name_sql} AS gebiet_name
            FROM _genesis_records r JOIN _genesis_dateien d USING (nr) WHERE r.zeile >= d.first_data
        ),
        parents AS (
            SELECT DISTINCT nr, left(code, p) AS parent
            FROM lines, (SELECT unnest([5, 7, 8, 9]) AS p) ps WHERE length(code) > p
        )
        SELECT l.*,
               CASE
                 WHEN code = 'DG' THEN 'bund'
                 WHEN length(code) = 2 THEN 'land'
                 WHEN length(code) = 3 THEN 'regierungsbezirk'
                 WHEN length(code) = 5 AND left(code, 2) = '11' AND code <> '11000' THEN 'bezirk'
                 WHEN length(code) = 5 THEN 'kreis'
                 WHEN length(code) = 7 THEN 'gemeindeverband'
                 WHEN length(code) = 8 AND (p.parent IS NOT NULL
                      OR regexp_matches(gebiet_name, '{RE_VERBAND_NAME}')) THEN 'gemeindeverband'
                 WHEN length(code) = 8 THEN 'gemeinde'
                 WHEN length(code) = 9 THEN 'gemeindeverband'
                 WHEN length(code) BETWEEN 10 AND 12 THEN 'gemeinde'
               END AS gebiet_ebene,
               length(code) = 5 AND p.parent IS NULL AS ohne_unterebene
        FROM lines l LEFT JOIN parents p ON p.nr = l.nr AND p.parent = l.code
    """)
    # 2. per line and time: how many numbers / suppressed values / only '-' (territory not existing then)
    # 3. candidate rows per level (delivered + derived Gemeinde/Kreis rows), region filter, and per file, level,
    #    AGS and time the one row with the most numbers
    con.execute(f"""
        CREATE TEMP TABLE _genesis_auswahl AS
        WITH stats AS (
            SELECT nr, zeile, zeit, count(*) AS n_zellen,
                   count(*) FILTER (WHERE marker IS NULL OR marker = '()') AS n_zahlen,
                   count(*) FILTER (WHERE marker IN ('.', '...', '/', 'x')) AS n_unterdrueckt,
                   bool_and(marker IS NOT DISTINCT FROM '-') AS nur_striche
            FROM _genesis_data GROUP BY nr, zeile, zeit
        ),
        rows AS (SELECT * FROM _genesis_gebiete JOIN stats USING (nr, zeile)),
        has_gemeinden AS (SELECT nr, count(*) FILTER (WHERE length(code) >= 8) > 0 AS yes
                          FROM _genesis_gebiete GROUP BY nr),
        kandidaten AS (
            SELECT nr, zeile, zeit, code AS regionalschluessel, gebiet_name, gebiet_ebene,
                   CASE WHEN gebiet_ebene = 'kreis' THEN code
                        WHEN gebiet_ebene = 'gemeinde' AND length(code) = 8 THEN code
                        WHEN gebiet_ebene = 'gemeinde' THEN left(code, 5) || right(code, 3)
                   END AS ags, false AS abgeleitet, n_zellen, n_zahlen, n_unterdrueckt
            FROM rows
            UNION ALL  -- kreisfreie Städte: the Kreis row is also the Gemeinde row
            SELECT nr, zeile, zeit, code, gebiet_name, 'gemeinde', code || '000', true, n_zellen, n_zahlen,
                   n_unterdrueckt
            FROM rows JOIN has_gemeinden h USING (nr)
            WHERE gebiet_ebene = 'kreis' AND ohne_unterebene AND NOT nur_striche AND h.yes
            UNION ALL  -- Stadtstaaten Hamburg and Berlin: Land = Kreis = Gemeinde
            SELECT nr, zeile, zeit, code, gebiet_name, 'kreis', code || '000', true, n_zellen, n_zahlen, n_unterdrueckt
            FROM rows WHERE code IN {STADTSTAATEN!r}
            UNION ALL
            SELECT nr, zeile, zeit, code, gebiet_name, 'gemeinde', code || '000000', true, n_zellen, n_zahlen,
                   n_unterdrueckt
            FROM rows WHERE code IN {STADTSTAATEN!r}
        )
        SELECT nr, zeile, zeit, regionalschluessel, gebiet_name, gebiet_ebene, ags, n_zellen, n_unterdrueckt,
               $prefix = '' OR starts_with(regionalschluessel, $prefix)
                   OR starts_with(coalesce(ags, ''), $prefix) AS in_region
        FROM kandidaten
        WHERE $prefix = '' OR starts_with(regionalschluessel, $prefix)
           OR starts_with(coalesce(ags, ''), $prefix)
           -- comparison rows: Germany and the region's Land (official rows, not sums)
           OR regionalschluessel = 'DG' OR regionalschluessel = left($prefix, 2)
           -- former Kreise whose Gemeinden are (partly) in the region today (Gebietsstand conversion)
           OR list_contains($vorgaenger::VARCHAR[], left(regionalschluessel, 5))
        QUALIFY row_number() OVER (
            PARTITION BY nr, gebiet_ebene, coalesce(ags, regionalschluessel || '#' || zeile), zeit
            ORDER BY n_zahlen DESC, n_unterdrueckt DESC, abgeleitet, zeile DESC) = 1
    """, {"prefix": prefix, "vorgaenger": list(vorgaenger)})
    # a table without any row of the region keeps nothing: its Land/Bund rows alone would make it the current
    # delivery of its periods and hide the region's rows of an earlier delivery
    con.execute("DELETE FROM _genesis_auswahl "
                "WHERE nr IN (SELECT nr FROM _genesis_auswahl GROUP BY nr HAVING NOT bool_or(in_region))")
    # 4. the cells of the chosen rows (a view: evaluated once, by the INSERT, which adds the constants)
    con.execute("""
        CREATE TEMP VIEW _genesis_neu AS
        WITH zeiten AS (
            SELECT t.nr, t.zeit,
                   CASE WHEN regexp_full_match(t.zeit, '[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}')
                        THEN strptime(t.zeit, '%d.%m.%Y')::DATE
                        WHEN d.stichtag_monat IS NOT NULL THEN make_date(t.jahr, d.stichtag_monat, d.stichtag_tag)
                   END AS stichtag
            FROM (SELECT DISTINCT nr, zeit, jahr FROM _genesis_data) t JOIN _genesis_dateien d USING (nr)
        )
        SELECT d.nr, d.zeit, d.jahr, z.stichtag, a.regionalschluessel, a.ags, a.gebiet_ebene, a.gebiet_name, c.merkmal,
               d.wert, d.marker, d.zeile
        FROM _genesis_data d JOIN _genesis_auswahl a USING (nr, zeile, zeit) JOIN zeiten z USING (nr, zeit)
             JOIN _genesis_columns c USING (nr, feld)
    """)
