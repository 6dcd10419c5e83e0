"""Parsing one GENESIS / Regionalstatistik CSV table (the loader: orchestration/ingest/genesis.py).

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

Parsing is done by DuckDB: the file is read twice with the native CSV reader, once as raw lines (line
numbers, footer, `Stand:`, field counts) and once as `;`-separated records (all VARCHAR, explicit column
count, null padding). SQL then finds the header block, builds each column's header path, unpivots to long
format, converts numbers and markers and classifies the region codes. Python only orchestrates and raises
`DeliveryError`s for what the SQL finds.

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
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError, detect_encoding

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
    """What parsing one file produced; its long rows wait in the temp view `_genesis_neu`."""

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


_TEMP_TABLES = ("_genesis_lines", "_genesis_records", "_genesis_data", "_genesis_cells", "_genesis_columns",
                "_genesis_gebiete", "_genesis_auswahl")


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    # one call for all statements (each call is a round trip; this runs twice per file)
    con.execute("DROP VIEW IF EXISTS _genesis_neu; " + " ".join(f"DROP TABLE IF EXISTS {name};" for name in _TEMP_TABLES))


def parse_file(con: duckdb.DuckDBPyConnection, path: Path, prefix: str, vorgaenger: tuple[str, ...] = ()) -> ParsedFile:
    """Parse one GENESIS CSV into the temp view `_genesis_neu` (the columns of raw.genesis__werte that vary
    per row; the loader adds table, lineage and `Stand`).

    Raises DeliveryError (file, line, column, expectation) for anything that is not a well-formed table.
    """
    _drop_temp(con)
    enc = detect_encoding(path)
    encoding = ENCODING_NAMES[enc]
    file = {"file": str(path)}

    # Pass 1: physical lines (blank lines kept as NULL, so rowid + 1 is the line number).
    con.execute(f"""
        CREATE TEMP TABLE _genesis_lines AS
        SELECT line FROM read_csv($file, columns={{'line': 'VARCHAR'}}, delim='\\x01', quote='', escape='',
                                  header=false, auto_detect=false, encoding='{enc}', parallel=false,
                                  max_line_size=10000000)
    """, file)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _genesis_lines AS
        WITH t AS (SELECT rowid - min(rowid) OVER () AS k, line FROM _genesis_lines)  -- rowids start high
        SELECT (k + 1)::INTEGER AS zeile, CASE WHEN k = 0 THEN ltrim(line, chr(65279)) ELSE line END AS line
        FROM t                                                                         -- inside a transaction
    """)
    n_lines, first_line = con.execute(
        "SELECT count(*), max(line) FILTER (WHERE zeile = 1) FROM _genesis_lines").fetchone()
    first_line = (first_line or "").split(";")[0].strip()
    match = RE_TABLE.match(first_line)
    if not match:
        raise DeliveryError(path, f"not a GENESIS table: expected 'GENESIS-Tabelle: <id>' as the first line, "
                                  f"found {first_line[:60]!r}", line=1, column=1)
    tabelle = match.group(1)
    if tabelle not in SUPPORTED_TABLES:
        raise DeliveryError(path, f"unsupported GENESIS table {tabelle!r}; supported: "
                                  f"{', '.join(sorted(SUPPORTED_TABLES))}", line=1, column=1)

    # Footer (a line of underscores) and the `Stand:` line (last non-empty line).
    footer = con.execute(r"""
        SELECT min(zeile) FROM _genesis_lines
        WHERE regexp_full_match(trim(split_part(line, ';', 1)), '_{3,}')
    """).fetchone()[0]
    if footer is None:
        raise DeliveryError(path, "no footer line of underscores ('__________') found: the file is truncated "
                                  "or not a complete GENESIS export", line=n_lines)
    last = con.execute("""
        SELECT zeile, trim(line) FROM _genesis_lines WHERE trim(coalesce(line, '')) <> ''
        ORDER BY zeile DESC LIMIT 1
    """).fetchone()
    stand_match = RE_STAND.match(last[1]) if last else None
    if not stand_match or last[0] <= footer:
        raise DeliveryError(path, "expected 'Stand: dd.mm.yyyy / hh:mm:ss' as the last line (after the footer): "
                                  "the file is truncated", line=last[0] if last else n_lines)
    stand = dt.datetime.strptime(f"{stand_match.group(1)} {stand_match.group(2)}", "%d.%m.%Y %H:%M:%S")

    # Classify the lines above the footer.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _genesis_lines AS
        SELECT zeile, line,
               trim(split_part(line, ';', 1)) AS f1,
               trim(split_part(line, ';', 2)) AS f2,
               trim(split_part(line, ';', 3)) AS f3,
               CASE WHEN line IS NULL THEN 0 ELSE length(line) - length(replace(line, ';', '')) + 1 END AS felder,
               CASE WHEN line IS NULL THEN 0 ELSE length(line) - length(replace(line, '"', '')) END AS quotes,
               CASE
                 WHEN zeile = 1 OR zeile >= {footer} THEN NULL
                 WHEN regexp_full_match(trim(split_part(line, ';', 1)), '{RE_CODE}')
                      AND trim(split_part(line, ';', 2)) <> '' THEN 'A'
                 WHEN regexp_full_match(trim(split_part(line, ';', 1)), '{RE_TIME}')
                      AND regexp_full_match(trim(split_part(line, ';', 2)), '{RE_CODE}')
                      AND trim(split_part(line, ';', 3)) <> '' THEN 'B'
               END AS datenart
        FROM _genesis_lines
    """)
    first_data = con.execute("SELECT min(zeile) FROM _genesis_lines WHERE datenart IS NOT NULL").fetchone()[0]
    if first_data is None:
        raise DeliveryError(path, "no data rows found: expected lines starting with a region code "
                                  "(DG, 2-12 digits) and a name before the footer", line=footer)
    layout = con.execute(f"SELECT datenart FROM _genesis_lines WHERE zeile = {int(first_data)}").fetchone()[0]
    keys = 2 if layout == "A" else 3  # leading key columns: code, name (and the date in layout B)

    header_rows = con.execute(f"""
        SELECT zeile, felder FROM _genesis_lines
        WHERE zeile > 1 AND zeile < {first_data} AND line IS NOT NULL AND f1 = '' AND felder > {keys}
        ORDER BY zeile
    """).fetchall()
    if not header_rows:
        raise DeliveryError(path, f"no column header rows (lines starting with {';' * keys!r}) above the first "
                                  f"data row", line=first_data)
    width = max(f for _, f in header_rows)
    first_header = header_rows[0][0]

    # Every line between the first data row and the footer must be a data row with the header's width.
    bad = con.execute(f"""
        SELECT zeile, line, datenart, felder FROM _genesis_lines
        WHERE zeile >= {first_data} AND zeile < {footer}
          AND (datenart IS DISTINCT FROM '{layout}' OR felder <> {width})
        ORDER BY zeile LIMIT 1
    """).fetchone()
    if bad:
        zeile, line, datenart, felder = bad
        if datenart != layout:
            what = ("a date, a region code and a name" if layout == "B" else "a region code and a name")
            raise DeliveryError(path, f"expected a data row starting with {what}, found "
                                      f"{(line or '(empty line)')[:60]!r}", line=zeile, column=1)
        column = width + 1 if felder > width else felder
        raise DeliveryError(path, f"data row has {felder} fields but the column header has {width}: shifted "
                                  f"or missing columns (expected exactly {width} ';'-separated fields)",
                            line=zeile, column=column)
    odd = con.execute(f"""
        SELECT min(zeile) FROM _genesis_lines WHERE zeile < {footer} AND quotes % 2 = 1
    """).fetchone()[0]
    if odd is not None:
        raise DeliveryError(path, "unbalanced quote above the footer: expected quoted text only in the footer",
                            line=odd)

    # Pass 2: the same file as ';'-separated records (all VARCHAR, explicit width, null padding).
    names = [f"c{i:03d}" for i in range(1, width + 1)]
    columns_sql = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    con.execute(f"""
        CREATE TEMP TABLE _genesis_records AS
        SELECT * FROM read_csv($file, columns={columns_sql}, delim=';', quote='"', escape='"',
                               header=false, auto_detect=false, null_padding=true, ignore_errors=true,
                               parallel=false, encoding='{enc}', max_line_size=10000000)
    """, file)
    # The CSV reader skips empty lines; above the footer (no quoted line breaks) record k is the k-th
    # non-empty line.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _genesis_records AS
        WITH lines AS (
            SELECT zeile, f1, (row_number() OVER (ORDER BY zeile) - 1) AS k
            FROM _genesis_lines WHERE line IS NOT NULL AND zeile < {footer}
        )
        SELECT l.zeile, l.f1 AS f1_line, r.*
        FROM lines l LEFT JOIN (SELECT rowid - min(rowid) OVER () AS k, * FROM _genesis_records) r USING (k)
    """)
    misaligned = con.execute("""
        SELECT min(zeile) FROM _genesis_records
        WHERE coalesce(trim(c001), '') <> trim(f1_line, ' "')
    """).fetchone()[0]
    if misaligned is not None:
        raise DeliveryError(path, "CSV records do not line up with the lines of the file (unexpected quoting "
                                  "above the footer)", line=misaligned)

    value_cols = names[keys:]
    value_list = ", ".join(value_cols)

    # Title lines, time from a title line, demo marker.
    titel, titel_zeit = con.execute(f"""
        SELECT string_agg(f1, ' ' ORDER BY zeile) FILTER (WHERE NOT regexp_full_match(f1, '{RE_TITLE_TIME}')),
               max(f1) FILTER (WHERE regexp_full_match(f1, '{RE_TITLE_TIME}'))
        FROM _genesis_lines
        WHERE zeile > 1 AND zeile < {first_header} AND f1 <> ''
    """).fetchone()
    ist_demo = con.execute(f"""
        SELECT coalesce(bool_or(upper(line) LIKE '%DEMODATEN%'), false) FROM _genesis_lines
        WHERE zeile < {first_data} OR zeile >= {footer}
    """).fetchone()[0]

    # Header cells -> one header path per value column.
    con.execute(f"""
        CREATE TEMP TABLE _genesis_cells AS
        WITH h AS (SELECT zeile, {value_list} FROM _genesis_records
                   WHERE zeile IN ({', '.join(str(z) for z, _ in header_rows)}))
        SELECT zeile, spalte, nullif(trim(zelle), '') AS text
        FROM h UNPIVOT INCLUDE NULLS (zelle FOR spalte IN ({value_list})) u
    """)
    last_header = header_rows[-1][0]
    con.execute(f"""
        CREATE TEMP TABLE _genesis_columns AS
        WITH rows AS (
            SELECT zeile,
                   count(text) > 0 AND bool_and(text IS NULL OR regexp_full_match(text, '{RE_TIME}')) AS ist_zeit,
                   count(DISTINCT coalesce(text, '')) = 1 AS konstant
            FROM _genesis_cells GROUP BY zeile
        ),
        paths AS (
            SELECT c.spalte,
                   max(c.text) FILTER (WHERE r.ist_zeit) AS zeit,
                   string_agg(c.text, ' | ' ORDER BY c.zeile)
                       FILTER (WHERE NOT r.ist_zeit AND NOT r.konstant) AS pfad_variabel,
                   string_agg(c.text, ' | ' ORDER BY c.zeile)
                       FILTER (WHERE NOT r.ist_zeit AND NOT (r.konstant AND c.zeile = {last_header}))
                       AS pfad_ohne_einheit,
                   string_agg(c.text, ' | ' ORDER BY c.zeile) FILTER (WHERE NOT r.ist_zeit) AS pfad_alle
            FROM _genesis_cells c JOIN rows r USING (zeile)
            GROUP BY c.spalte
        )
        SELECT spalte, CAST(substr(spalte, 2) AS INTEGER) AS feld, zeit,
               CASE WHEN bool_or(pfad_variabel IS NULL) OVER () THEN coalesce(pfad_ohne_einheit, pfad_alle)
                    ELSE pfad_variabel END AS merkmal,
               (SELECT count(*) FILTER (WHERE ist_zeit) FROM rows) AS zeitzeilen
        FROM paths
    """)
    zeitzeilen, ohne_name, doppelt = con.execute("""
        SELECT max(zeitzeilen), min(feld) FILTER (WHERE merkmal IS NULL),
               (SELECT min(feld) FROM (SELECT feld, count(*) OVER (PARTITION BY coalesce(zeit, ''), merkmal) AS n
                                       FROM _genesis_columns) WHERE n > 1)
        FROM _genesis_columns
    """).fetchone()
    if zeitzeilen > 1:
        raise DeliveryError(path, "more than one header row of dates/years: expected one time dimension",
                            line=first_header)
    if ohne_name is not None:
        raise DeliveryError(path, "column has no header text: expected a column header above every value column",
                            line=first_header, column=ohne_name)
    if doppelt is not None:
        raise DeliveryError(path, "two value columns have the same header path: expected distinct column headers",
                            line=first_header, column=doppelt)

    zeit_params: dict[str, str] = {}
    if layout == "B":
        zeit_sql = "trim(r.c001)"
    elif zeitzeilen == 1:
        zeit_sql = "col.zeit"
    elif titel_zeit is not None:
        zeit_sql = "$titel_zeit"
        zeit_params["titel_zeit"] = re.search(r"\d{2}\.\d{2}\.\d{4}|\d{4}", titel_zeit).group(0)
    else:
        raise DeliveryError(path, "no time dimension found: expected a title line with a date or year "
                                  "('31.12.2015', 'Jahr: 2016', '2015'), a header row of dates/years, or dates "
                                  "in column 1", line=first_header)
    stichtag_titel = re.search(r"Stichtag (\d{1,2})\.(\d{1,2})\.", titel or "")
    if stichtag_titel:
        stichtag_jahr_sql = (f"make_date(jahr, {int(stichtag_titel.group(2))}, {int(stichtag_titel.group(1))})")
    else:
        stichtag_jahr_sql = "NULL::DATE"

    code_col, name_col = ("c001", "c002") if layout == "A" else ("c002", "c003")
    # Data cells in long format with numbers, markers and time.
    con.execute(f"""
        CREATE TEMP TABLE _genesis_data AS
        WITH rows AS (
            SELECT * FROM _genesis_records WHERE zeile >= {first_data}
        ),
        long AS (
            SELECT r.zeile, {zeit_sql} AS zeit, col.feld, trim(r.zelle) AS zelle
            FROM rows UNPIVOT INCLUDE NULLS (zelle FOR spalte IN ({value_list})) r
            JOIN _genesis_columns col ON col.spalte = r.spalte
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
        SELECT zeile, zeit, feld, zelle, marker,
               CASE WHEN marker = '-' THEN 0.0
                    WHEN marker = '()' THEN CAST(replace(trim(zelle, '() '), ',', '.') AS DOUBLE)
                    WHEN marker IS NULL AND regexp_full_match(zelle, '{RE_NUMBER}')
                         THEN CAST(replace(zelle, ',', '.') AS DOUBLE)
               END AS wert,
               CAST(right(zeit, 4) AS INTEGER) AS jahr
        FROM typed
    """, zeit_params or None)
    bad = con.execute("""
        SELECT zeile, feld, zelle, merkmal FROM _genesis_data JOIN _genesis_columns USING (feld)
        WHERE wert IS NULL AND (marker IS NULL OR marker NOT IN ('.', '...', '/', 'x'))
        ORDER BY zeile, feld LIMIT 1
    """).fetchone()
    if bad:
        zeile, feld, zelle, merkmal = bad
        raise DeliveryError(path, f"value {zelle or '(empty)'!r} in column '{merkmal}' is not a number: expected "
                                  f"digits with an optional decimal comma, '(n)', or a marker - . ... / x",
                            line=zeile, column=feld)
    bad_time = con.execute(f"""
        SELECT min(zeile), zeit FROM _genesis_data WHERE NOT regexp_full_match(coalesce(zeit, ''), '{RE_TIME}')
        GROUP BY zeit ORDER BY 1 LIMIT 1
    """).fetchone()
    if bad_time:
        raise DeliveryError(path, f"time {bad_time[1]!r} is neither dd.mm.yyyy nor yyyy", line=bad_time[0], column=1)
    unknown = con.execute(f"""
        SELECT zeile, trim({code_col}) AS code FROM _genesis_records
        WHERE zeile >= {first_data}
          AND NOT regexp_full_match(trim({code_col}), '^(DG|[0-9]{{2}}|[0-9]{{3}}|[0-9]{{5}}|[0-9]{{7,12}})$')
        ORDER BY zeile LIMIT 1
    """).fetchone()
    if unknown:
        raise DeliveryError(path, f"region code {unknown[1]!r} has an unexpected length: expected DG or 2, 3, 5 "
                                  f"or 7-12 digits", line=unknown[0], column=1 if layout == "A" else 2)
    # Region levels, normalised AGS, synthetic Gemeinde/Kreis rows, de-duplication, region filter.
    # 1. one row per data line: code, name, level, AGS (classification works on ~15,000 lines, not cells)
    con.execute(f"""
        CREATE TEMP TABLE _genesis_gebiete AS
        WITH lines AS (
            SELECT zeile, trim({code_col}) AS code, trim({name_col}) AS gebiet_name
            FROM _genesis_records WHERE zeile >= {first_data}
        ),
        parents AS (
            SELECT DISTINCT left(code, p) AS parent
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
        FROM lines l LEFT JOIN parents p ON p.parent = l.code
    """)
    # 2. per line and time: how many numbers / suppressed values / only '-' (territory not existing then)
    # 3. candidate rows per level (delivered + derived Gemeinde/Kreis rows), region filter, and per level,
    #    AGS and time the one row with the most numbers
    con.execute(f"""
        CREATE TEMP TABLE _genesis_auswahl AS
        WITH stats AS (
            SELECT zeile, zeit, count(*) AS n_zellen,
                   count(*) FILTER (WHERE marker IS NULL OR marker = '()') AS n_zahlen,
                   count(*) FILTER (WHERE marker IN ('.', '...', '/', 'x')) AS n_unterdrueckt,
                   bool_and(marker IS NOT DISTINCT FROM '-') AS nur_striche
            FROM _genesis_data GROUP BY zeile, zeit
        ),
        rows AS (SELECT * FROM _genesis_gebiete JOIN stats USING (zeile)),
        has_gemeinden AS (SELECT count(*) FILTER (WHERE length(code) >= 8) > 0 AS yes FROM _genesis_gebiete),
        kandidaten AS (
            SELECT zeile, zeit, code AS regionalschluessel, gebiet_name, gebiet_ebene,
                   CASE WHEN gebiet_ebene = 'kreis' THEN code
                        WHEN gebiet_ebene = 'gemeinde' AND length(code) = 8 THEN code
                        WHEN gebiet_ebene = 'gemeinde' THEN left(code, 5) || right(code, 3)
                   END AS ags, false AS abgeleitet, n_zellen, n_zahlen, n_unterdrueckt
            FROM rows
            UNION ALL  -- kreisfreie Städte: the Kreis row is also the Gemeinde row
            SELECT zeile, zeit, code, gebiet_name, 'gemeinde', code || '000', true, n_zellen, n_zahlen, n_unterdrueckt
            FROM rows
            WHERE gebiet_ebene = 'kreis' AND ohne_unterebene AND NOT nur_striche AND (SELECT yes FROM has_gemeinden)
            UNION ALL  -- Stadtstaaten Hamburg and Berlin: Land = Kreis = Gemeinde
            SELECT zeile, zeit, code, gebiet_name, 'kreis', code || '000', true, n_zellen, n_zahlen, n_unterdrueckt
            FROM rows WHERE code IN {STADTSTAATEN!r}
            UNION ALL
            SELECT zeile, zeit, code, gebiet_name, 'gemeinde', code || '000000', true, n_zellen, n_zahlen,
                   n_unterdrueckt
            FROM rows WHERE code IN {STADTSTAATEN!r}
        )
        SELECT zeile, zeit, regionalschluessel, gebiet_name, gebiet_ebene, ags, n_zellen, n_unterdrueckt,
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
            PARTITION BY gebiet_ebene, coalesce(ags, regionalschluessel || '#' || zeile), zeit
            ORDER BY n_zahlen DESC, n_unterdrueckt DESC, abgeleitet, zeile DESC) = 1
    """, {"prefix": prefix, "vorgaenger": list(vorgaenger)})
    # 4. the cells of the chosen rows (a view: evaluated once, by the INSERT, which adds the constants)
    con.execute(f"""
        CREATE TEMP VIEW _genesis_neu AS
        WITH zeiten AS (
            SELECT zeit,
                   CASE WHEN regexp_full_match(zeit, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}')
                        THEN strptime(zeit, '%d.%m.%Y')::DATE ELSE {stichtag_jahr_sql} END AS stichtag
            FROM (SELECT DISTINCT zeit, jahr FROM _genesis_data)
        )
        SELECT d.zeit, d.jahr, z.stichtag, a.regionalschluessel, a.ags, a.gebiet_ebene, a.gebiet_name, c.merkmal,
               d.wert, d.marker, d.zeile
        FROM _genesis_data d JOIN _genesis_auswahl a USING (zeile, zeit) JOIN zeiten z USING (zeit)
             JOIN _genesis_columns c USING (feld)
    """)
    if not con.execute("SELECT count(*) FILTER (WHERE in_region) FROM _genesis_auswahl").fetchone()[0]:
        # a table without any row of the region keeps nothing: its Land/Bund rows alone would make it the
        # current delivery of its periods and hide the region's rows of an earlier delivery
        con.execute("DELETE FROM _genesis_auswahl")
    zeilen, zeilen_region, unterdrueckt = con.execute(
        "SELECT coalesce(sum(n_zellen), 0), coalesce(sum(n_zellen) FILTER (WHERE in_region), 0), "
        "coalesce(sum(n_unterdrueckt), 0) FROM _genesis_auswahl").fetchone()
    return ParsedFile(tabelle=tabelle, titel=titel or "", stand=stand, encoding=encoding,
                      ist_demodaten=bool(ist_demo), zeilen=zeilen, zeilen_region=zeilen_region,
                      unterdrueckt=unterdrueckt)
