"""SGB II Gemeinde tables (Statistik der BA / Jobcenter style), `LANDING/sgb2/*.xlsx`.

Sheet `Gemeinden`: a title block (with `Berichtsmonat: <Monat> <Jahr>`), 2–3 header rows with merged
group headers and a row of column numbers, one row per Gemeinde, a Kreis total row (5-digit code) and
footnotes. The sheet is read with DuckDB's `read_xlsx` (excel extension, all cells as text). The header
row is found by its labels (the cell `AGS`), never by position; each value column is mapped to a merkmal
code by its label path (group header + sub header), so inserted title rows or reordered columns still
parse. Output: `raw.sgb2__gemeinde_monat`, long format, one row per Gemeinde × merkmal:
`*` → wert NULL + marker `*` (suppressed), `-` → wert 0 + marker `-`.

Row checks (→ `raw.sgb2__rejects`): AGS not 8 digits (Gemeinde) or 5 digits (Kreis), AGS outside the
region, a value that is not a whole non-negative number, `*` or `-`.

A month delivered twice is refused with file, line and column: the same AGS twice in one table (that
Gemeinde's month would be delivered twice: the file is quarantined, however small the share of rows), or
a title block naming two different Berichtsmonate. The cell of the Berichtsmonat is kept in
`raw.sgb2__lieferungen` (`berichtsmonat_zeile`, `berichtsmonat_spalte`), so that a second delivery of the
same month (lieferstatus.conflicts) names it too.

No Ortsteil key in the workbook: it is the Statistik der BA's table per Gemeinde (official counts with the BA's own
`*` suppression and a Kreis total row). The Ortsteil counts come from the kommunale Jobcenter as a separate, optional
`.csv` delivery of this family (`sgb2_ortsteile_YYYYMM.csv`, loader sgb2_ortsteile.py, table
`raw.sgb2__ortsteil_monat`, issue 12).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import _xlsx, plausibilitaet, runner, sgb2_ortsteile
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths
from orchestration.warehouse import load_extension

FAMILY = "sgb2"
SHEET = "Gemeinden"
MERKMALE = ("bg_insgesamt", "bg_alleinerziehende", "personen_in_bg", "lb_insgesamt", "rlb", "elb", "nef",
            "nef_unter_15", "slb")
TABLES = {
    "gemeinde_monat": "berichtsmonat DATE NOT NULL, ags VARCHAR NOT NULL, gemeinde_name VARCHAR, "
    "merkmal VARCHAR NOT NULL, wert BIGINT, marker VARCHAR, zeile INTEGER NOT NULL",
    sgb2_ortsteile.TABLE: sgb2_ortsteile.DDL,
}
# where the Berichtsmonat stands in the file (line, column letter): named when another delivery has the same month;
# the column letter of each merkmal (JSON): named when a count is above the population (_implausible)
LIEFERUNGEN_EXTRA = ", berichtsmonat_zeile INTEGER, berichtsmonat_spalte VARCHAR, merkmal_spalten JSON"
MONATE = {"januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6,
          "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12}
_MAX_ROWS = 20000
_MAX_COLS = 60


def classify(label: str) -> str | None:
    """The merkmal code of a column from its header label path (lower-case text), or None."""
    s = " ".join(label.lower().replace("\n", " ").split())
    if not s:
        return None
    if "unter 15" in s or "u15" in s or "< 15" in s:
        return "nef_unter_15"
    if "nicht erwerbsf" in s or "(nef)" in s or re.search(r"\bnef\b", s):
        return "nef"
    if "erwerbsf" in s or re.search(r"\belb\b", s):
        return "elb"
    if "sonstige" in s or re.search(r"\bslb\b", s):
        return "slb"
    if "regelleistungsber" in s or re.search(r"\brlb\b", s):
        return "rlb"
    if "alleinerz" in s:
        return "bg_alleinerziehende"
    if "personen" in s:
        return "personen_in_bg"
    if "leistungsber" in s or re.search(r"\blb\b", s):
        return "lb_insgesamt"
    if "bedarfsgemeinschaft" in s or re.search(r"\bbg\b", s):
        return "bg_insgesamt"
    return None


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _is_number_row(cells: list[str]) -> bool:
    """The row of column numbers `1 2 3 …` below the labels."""
    filled = [v for v in cells if v]
    if len(filled) < 3:
        return False
    try:
        numbers = [int(float(v)) for v in filled]
    except ValueError:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _monat_of(value: str) -> dt.date | None:
    value = value.strip().lower()
    m = re.fullmatch(r"([a-zäöü]+)\s+(\d{4})", value)
    if m and m.group(1) in MONATE:
        return dt.date(int(m.group(2)), MONATE[m.group(1)], 1)
    m = re.fullmatch(r"(\d{1,2})[./](\d{4})", value) or None
    if m and 1 <= int(m.group(1)) <= 12:
        return dt.date(int(m.group(2)), int(m.group(1)), 1)
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return None


def _berichtsmonat(path, title_rows: list[list[str]]) -> tuple[dt.date, int, str]:
    """(Berichtsmonat, line, column letter) of the `Berichtsmonat:` line of the title block. A file holds one
    month: a second `Berichtsmonat:` line naming another month is refused."""
    found: tuple[dt.date, int, str] | None = None
    for index, row in enumerate(title_rows, start=1):
        text = " ".join(v for v in row if v)
        match = re.search(r"berichtsmonat\s*:?\s*(.+)", text, re.IGNORECASE)
        if not match:
            continue
        col = next((i for i, v in enumerate(row) if re.search("berichtsmonat", v, re.IGNORECASE)), 0)
        monat = _monat_of(match.group(1))
        if monat is None:
            raise DeliveryError(path, f"Berichtsmonat '{match.group(1).strip()}' not understood; expected e.g. "
                                      "'Berichtsmonat: Dezember 2016'", line=index, column=_col_letter(col))
        if found is None:
            found = (monat, index, _col_letter(col))
        elif monat != found[0]:
            raise DeliveryError(path, f"a second Berichtsmonat {monat:%m/%Y} in the title block (line {found[1]} "
                                      f"names {found[0]:%m/%Y}): a file holds exactly one month", line=index,
                                column=_col_letter(col))
    if found is None:
        raise DeliveryError(path, "no 'Berichtsmonat: <Monat> <Jahr>' line in the title block above the header")
    return found


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _layout(path, grid: list[list[str]]) -> tuple[tuple[dt.date, int, str], int, int, int, dict[str, int], int]:
    """((berichtsmonat, its line, its column), ags column, name column, first data row index, merkmal → column,
    header row index)."""
    header_row = ags_col = None
    for r, row in enumerate(grid):
        for col, value in enumerate(row):
            if value.upper().rstrip(":") in ("AGS", "GEMEINDESCHLÜSSEL", "AMTLICHER GEMEINDESCHLÜSSEL", "GKZ"):
                header_row, ags_col = r, col
                break
        if header_row is not None:
            break
    if header_row is None:
        raise DeliveryError(path, f"sheet '{SHEET}' has no header row: expected a cell 'AGS' above the "
                                  "Gemeinde rows, next to the labels Gemeinde, Bedarfsgemeinschaften, "
                                  "Leistungsberechtigte …")
    # Group header rows above the AGS row: non-empty rows with labels beyond the first two columns.
    top = header_row
    while top > 0 and any(grid[top - 1][ags_col + 2:]) and grid[top - 1][ags_col] == "":
        top -= 1
    # First data row: the first row below the labels whose AGS cell is numeric.
    first = header_row + 1
    while first < len(grid) and not re.fullmatch(r"\d{4,8}(\.0+)?", grid[first][ags_col] or ""):
        first += 1
    if first >= len(grid):
        raise DeliveryError(path, "no Gemeinde rows below the header: expected rows starting with an AGS",
                            line=header_row + 1)
    header_rows = [grid[r] for r in range(top, first) if not _is_number_row(grid[r])]
    width = max(i for i, v in enumerate(grid[first]) if v) + 1
    groups = [""] * width
    name_col = None
    mapping: dict[str, int] = {}
    for depth, row in enumerate(header_rows):
        lowest = depth == len(header_rows) - 1
        current = ""
        for col in range(width):
            value = row[col] if col < len(row) else ""
            if value:
                # a label of the value columns spreads to the right over its (merged, empty) cells
                current = value if col > ags_col and classify(value) is not None else ""
            elif not lowest and current:
                value = current
            if value:
                groups[col] = f"{groups[col]} | {value}" if groups[col] else value
    for col in range(width):
        label = groups[col]
        if col == ags_col:
            continue
        if name_col is None and re.search(r"gemeinde|name|gebiet", label, re.IGNORECASE) and \
                classify(label) is None:
            name_col = col
            continue
        code = classify(label)
        if code is None:
            continue
        if code in mapping:
            raise DeliveryError(path, f"two columns are labelled as {code} ('{groups[mapping[code]]}' and "
                                      f"'{label}')", line=header_row + 1, column=_col_letter(col))
        mapping[code] = col
    missing = [m for m in MERKMALE if m not in mapping]
    if missing:
        raise DeliveryError(path, f"missing required column(s) {', '.join(missing)} in the header; found "
                                  f"labels: {'; '.join(g for g in groups if g)}", line=header_row + 1)
    if name_col is None:
        raise DeliveryError(path, "missing required column Gemeinde (name) in the header", line=header_row + 1)
    monat = _berichtsmonat(path, grid[:top])
    return monat, ags_col, name_col, first, mapping, header_row


def load_sgb2(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
              run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new SGB II Gemeinde tables into raw.sgb2__gemeinde_monat (and Jobcenter Ortsteil files into
    raw.sgb2__ortsteil_monat)."""
    options = options or Options()
    prefix = c.region_prefix(region)
    load_extension(con, "excel")

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        if sgb2_ortsteile.is_ortsteil_file(path):
            return sgb2_ortsteile.load_file(con, lineage, prefix, FAMILY)
        rng = _sheet_range(path)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _sgb2_grid AS SELECT row_number() OVER () AS zeile, * FROM "
                f"read_xlsx($path, sheet='{SHEET}', header=false, all_varchar=true, range='{rng}', "
                "stop_at_empty=false)",
                {"path": str(path)},
            )
        except duckdb.Error as error:
            text = str(error)
            if "not found" in text.lower() and "sheet" in text.lower():
                raise DeliveryError(path, f"no sheet '{SHEET}' in the workbook") from None
            raise DeliveryError(path, f"not a readable .xlsx workbook ({type(error).__name__})") from None
        try:
            # the rows up to the last one with a non-blank cell, in one query (its columns from the cursor)
            cursor = con.execute("SELECT * FROM _sgb2_grid LIMIT 0")
            columns = [d[0] for d in cursor.description][1:]
            rows = con.execute(
                "SELECT * FROM _sgb2_grid WHERE zeile <= (SELECT max(zeile) FROM _sgb2_grid WHERE NOT (" + " AND ".join(
                    f"nullif(trim({_q(col)}), '') IS NULL" for col in columns) + ")) ORDER BY zeile").fetchall()
            if not rows:
                raise DeliveryError(path, f"sheet '{SHEET}' is empty")
            grid = [[_cell(v) for v in row[1:]] for row in rows]
            (monat, monat_zeile, monat_spalte), ags_col, name_col, first, mapping, header_row = _layout(path, grid)
            match = re.search(r"(\d{4})(\d{2})", path.stem)
            if match and (int(match.group(1)), int(match.group(2))) != (monat.year, monat.month):
                raise DeliveryError(path, f"Berichtsmonat {monat:%m/%Y} in the title block does not match the "
                                          f"file name (YYYYMM {match.group(0)})")
            # Data block: from the first data row to the first blank row or footnote (a row with one cell).
            end = first
            while end < len(grid) and sum(1 for v in grid[end] if v) > 1:
                end += 1
            ags = _q(columns[ags_col])
            name = _q(columns[name_col])
            value_cols = {m: _q(columns[col]) for m, col in mapping.items()}
            ags_expr = (f"CASE WHEN regexp_full_match(trim({ags}), '[0-9]+\\.0+') THEN split_part(trim({ags}), '.', 1)"
                        f" ELSE trim({ags}) END")
            ags_norm = c.ags_sql(ags_expr)
            checks = [
                ("NOT (regexp_full_match(a, '[0-9]{8}') OR regexp_full_match(a, '[0-9]{5}'))",
                 "'AGS: erwartet 8-stelligen Gemeinde- oder 5-stelligen Kreisschlüssel'"),
                ("(regexp_full_match(a, '[0-9]{8}') OR regexp_full_match(a, '[0-9]{5}')) AND "
                 "NOT (starts_with(a, $prefix) OR starts_with($prefix, a))", "'AGS außerhalb der Region'"),
            ] + [
                # '*', '-', a whole number (Excel's '12.0') or one with thousands points: one expression (planning)
                (f"NOT regexp_full_match(coalesce(v_{m}, ''), '\\*|-|[0-9]+(\\.0)?|[0-9]{{1,3}}(\\.[0-9]{{3}})+')",
                 f"'{m} (Spalte {_col_letter(mapping[m])}): erwartet ganze Zahl ≥ 0, * oder -'")
                for m in MERKMALE
            ]
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _sgb2_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT zeile, {ags_norm} AS a, nullif(trim({name}), '') AS gemeinde_name,
                           {', '.join(f"nullif(trim({col}), '') AS v_{m}" for m, col in value_cols.items())}
                    FROM _sgb2_grid WHERE zeile BETWEEN $first AND $last)""",
                {"first": first + 1, "last": end, "prefix": prefix},
            )
            _check_month_once(con, path, monat, _col_letter(ags_col))
            records, rejected = runner.count_stage(con, path, "_sgb2_stage", options.max_reject_share)
            demo = any(c.DEMO_MARKER.lower() in v.lower() for row in grid[:header_row] + grid[end:] for v in row)
            unpivot = c.long_sql("_sgb2_stage", "zeile, a, gemeinde_name", MERKMALE, "v_{m}", "v", "len(gruende) = 0")
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__gemeinde_monat
                SELECT $monat, a, gemeinde_name, merkmal,
                       CASE WHEN v = '*' THEN NULL WHEN v = '-' THEN 0
                            WHEN regexp_full_match(v, '[0-9]+(\\.0)?') THEN split_part(v, '.', 1)::BIGINT
                            ELSE replace(v, '.', '')::BIGINT END,
                       CASE WHEN v IN ('*', '-') THEN v END, zeile, $datei, $sha256, $geladen_am, $demo
                FROM ({unpivot}) ORDER BY zeile, merkmal""",
                {"monat": monat, "demo": demo, **lineage.params},
            )
            record = "{'ags': a, 'gemeinde_name': gemeinde_name, " + ", ".join(f"'{m}': v_{m}" for m in MERKMALE) + "}"
            if rejected:
                runner.write_rejects(con, FAMILY, "_sgb2_stage", record, lineage, demo)
            # the values loaded with marker '*' (counted in the file's stage, not in the growing raw table)
            suppressed, = con.execute(
                "SELECT coalesce(sum(" + " + ".join(f"(v_{m} IS NOT DISTINCT FROM '*')::INTEGER" for m in MERKMALE) + "), 0) "
                "FROM _sgb2_stage WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _sgb2_grid; DROP TABLE IF EXISTS _sgb2_stage")
        return runner.FileLoad(
            rows={"gemeinde_monat": (records - rejected) * len(MERKMALE)},
            records=records,
            rejected=rejected,
            suppressed=suppressed,
            berichtszeitraum=f"{monat:%Y-%m}",
            ist_demodaten=demo,
            extra={"berichtsmonat_zeile": monat_zeile, "berichtsmonat_spalte": monat_spalte,
                   "merkmal_spalten": json.dumps({m: _col_letter(col) for m, col in mapping.items()})},
        )

    def check(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
        options.checked_against_loaded()  # the population: GENESIS and the Melderegister of this run
        return _implausible(con, new)

    return runner.run_confidential(con, paths, FAMILY, TABLES, load_file, lieferungen_extra=LIEFERUNGEN_EXTRA,
                                   check=check, audit=audit, run_id=run_id)


def _check_month_once(con: duckdb.DuckDBPyConnection, path, monat: dt.date, ags_column: str) -> None:
    """The same AGS twice in the table delivers that area's month twice: DeliveryError naming the second
    line and the AGS column (and the first line), whatever the share of rows — never a silent choice."""
    row = con.execute("""
        SELECT a, zeile, first_value(zeile) OVER (PARTITION BY a ORDER BY zeile) AS erste
        FROM _sgb2_stage
        WHERE regexp_full_match(a, '[0-9]{8}') OR regexp_full_match(a, '[0-9]{5}')
        QUALIFY row_number() OVER (PARTITION BY a ORDER BY zeile) = 2
        ORDER BY zeile LIMIT 1""").fetchone()
    if row:
        ags, zeile, erste = row
        raise DeliveryError(
            path, f"AGS {ags} steht zweimal in der Tabelle (Zeilen {erste} und {zeile}): der Berichtsmonat "
                  f"{monat:%m/%Y} wäre für dieses Gebiet doppelt geliefert; erwartet genau eine Zeile je Gebiet und "
                  f"Monat", line=zeile, column=ags_column)


def _implausible(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
    """No count of a new delivery may exceed the population of its area (Gemeinde or Kreis) in its month's
    year (plausibilitaet.py): per delivery, a DeliveryError naming the line and column of its first such count."""
    return plausibilitaet.implausible(con, FAMILY, f"""
        SELECT sha256, zeile, ags, year(berichtsmonat) AS jahr, merkmal AS spalte, 0 AS rang, wert
        FROM raw.{FAMILY}__gemeinde_monat WHERE sha256 IN (SELECT unnest($new)) AND wert > 0""",
        new, {"nef_unter_15": ("unter_15", "einwohner")}, {"nef_unter_15": "der Einwohner unter 15 Jahren"},
        "merkmal_spalten")


def _sheet_range(path) -> str:
    """The used range of the sheet from its dimension record (read_xlsx needs a range to read past blank
    rows); a generous default when the workbook has no usable dimension."""
    default = f"A1:{_col_letter(_MAX_COLS - 1)}{_MAX_ROWS}"
    try:
        size = _xlsx.sheet_size(path, SHEET)
    except _xlsx.SheetMissing as missing:
        raise DeliveryError(path, f"no sheet '{SHEET}' in the workbook (found: {', '.join(missing.names)})") from None
    except Exception as error:  # not a zip / not a workbook
        raise DeliveryError(path, f"not a readable .xlsx workbook ({type(error).__name__})") from None
    rows, cols = size or (None, None)
    if not rows or not cols or rows > _MAX_ROWS or cols > _MAX_COLS or (rows == 1 and cols == 1):
        return default
    return f"A1:{_col_letter(cols - 1)}{rows}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
