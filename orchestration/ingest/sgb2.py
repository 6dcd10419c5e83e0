"""SGB II Gemeinde tables (Statistik der BA / Jobcenter style), `LANDING/sgb2/*.xlsx`.

Sheet `Gemeinden`: a title block (with `Berichtsmonat: <Monat> <Jahr>`), 2–3 header rows with merged
group headers and a row of column numbers, one row per Gemeinde, a Kreis total row (5-digit code) and
footnotes. The sheet is read with DuckDB's `read_xlsx` (excel extension, all cells as text). The header
row is found by its labels (the cell `AGS`), never by position; each value column is mapped to a merkmal
code by its label path (group header + sub header), so inserted title rows or reordered columns still
parse. All new workbooks of a run are checked together (one stage per layout, a few queries for all of them;
runner `load_files`), and the rows of those that pass are written in one transaction with the Ortsteil files'.
Output: `raw.sgb2__gemeinde_monat`, long format, one row per Gemeinde × merkmal:
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
# the temporary tables of a run's new workbooks (_stage_workbooks): their cells, Gemeinde rows with row check
# reasons, numbers and lineage, and the rows and rejects of those that pass (inserted by the Batch's write)
GRID, STAGE, FILES, NEW, REJECTS = "_sgb2_grid", "_sgb2_stage", "_sgb2_dateien", "_sgb2_neu", "_sgb2_rejects_neu"
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
    raw.sgb2__ortsteil_monat), all new files of a run read and checked together (runner: `load_files`)."""
    options = options or Options()
    prefix = c.region_prefix(region)
    load_extension(con, "excel")

    @contextmanager
    def load_files(con: duckdb.DuckDBPyConnection, lineages: list[runner.Lineage]) -> Iterator[runner.Batch]:
        try:
            numbered = dict(enumerate(lineages))
            outcomes = _stage_workbooks(con, {n: lin for n, lin in numbered.items()
                                              if not sgb2_ortsteile.is_ortsteil_file(lin.delivery.read_path)},
                                        prefix, options)
            outcomes.update(sgb2_ortsteile.stage_files(
                con, {n: lin for n, lin in numbered.items() if sgb2_ortsteile.is_ortsteil_file(lin.delivery.read_path)},
                prefix, FAMILY, NEW))

            def write(con: duckdb.DuckDBPyConnection) -> None:
                con.execute(f"INSERT INTO raw.{FAMILY}__gemeinde_monat SELECT * FROM {NEW}")
                con.execute(f"INSERT INTO raw.{FAMILY}__rejects SELECT * FROM {REJECTS}")
                sgb2_ortsteile.write(con, FAMILY)

            yield runner.Batch([outcomes[n] for n in numbered], write)
        finally:
            con.execute(f"DROP TABLE IF EXISTS {GRID}; DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {FILES}; "
                        f"DROP TABLE IF EXISTS {NEW}; DROP TABLE IF EXISTS {REJECTS}")
            sgb2_ortsteile.drop(con)

    def check(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
        options.checked_against_loaded()  # the population: GENESIS and the Melderegister of this run
        return _implausible(con, new)

    return runner.run_confidential(con, paths, FAMILY, TABLES, load_files=load_files,
                                   lieferungen_extra=LIEFERUNGEN_EXTRA, check=check, audit=audit, run_id=run_id)


@dataclass(frozen=True)
class _Workbook:
    """What the layout of one workbook says (_layout) and where its Gemeinde rows are."""

    monat: dt.date
    monat_zeile: int
    monat_spalte: str
    ags_col: int
    name_col: int
    mapping: dict[str, int]
    erste: int  # first and last line of the Gemeinde rows (1-based)
    letzte: int
    demo: bool


def _stage_workbooks(con: duckdb.DuckDBPyConnection, books: dict[int, runner.Lineage], prefix: str,
                     options: Options) -> dict[int, runner.FileLoad | DeliveryError]:
    """Read the new workbooks (one read_xlsx each, into GRID), find each one's layout, and check all their rows in
    a few queries: the rows of those that pass go to the temporary tables NEW and REJECTS, the others get their
    DeliveryError (by file number)."""
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    ranges: dict[int, tuple[str, int]] = {}
    for nr, lineage in books.items():
        try:
            ranges[nr] = _sheet_range(lineage.delivery.read_path)
        except DeliveryError as error:
            outcomes[nr] = error
    letters = [_col_letter(i) for i in range(max((cols for _, cols in ranges.values()), default=1))]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {GRID} (nr INTEGER, zeile INTEGER, "
                f"{', '.join(f'{_q(letter)} VARCHAR' for letter in letters)})")
    for nr, (rng, cols) in ranges.items():
        path = books[nr].delivery.read_path
        try:  # by position (read_xlsx names the columns A, B, … or, for an empty sheet, A1, B1, …)
            con.execute(f"INSERT INTO {GRID} (nr, zeile, {', '.join(_q(letter) for letter in letters[:cols])}) "
                        "SELECT $nr, row_number() OVER (), * FROM "
                        f"read_xlsx($path, sheet='{SHEET}', header=false, all_varchar=true, range='{rng}', "
                        "stop_at_empty=false)", {"nr": nr, "path": str(path)})
        except duckdb.Error as error:
            text = str(error)
            if "not found" in text.lower() and "sheet" in text.lower():
                outcomes[nr] = DeliveryError(path, f"no sheet '{SHEET}' in the workbook")
            else:
                outcomes[nr] = DeliveryError(path, f"not a readable .xlsx workbook ({type(error).__name__})")
    grids: dict[int, list[list[str]]] = {nr: [] for nr in ranges if nr not in outcomes}
    for nr, _, *cells in con.execute(f"SELECT * FROM {GRID} ORDER BY nr, zeile").fetchall():
        grids[nr].append([_cell(v) for v in cells[:ranges[nr][1]]])
    layouts: dict[int, _Workbook] = {}
    for nr, grid in grids.items():
        path = books[nr].delivery.read_path
        while grid and not any(grid[-1]):  # the rows up to the last one with a non-blank cell
            grid.pop()
        try:
            layouts[nr] = _workbook_layout(path, grid)
        except DeliveryError as error:
            outcomes[nr] = error
    _files_table(con, books, layouts)
    # one stage for every layout: the usual case is one for all workbooks
    groups: dict[tuple, list[int]] = {}
    for nr, book in layouts.items():
        groups.setdefault((book.ags_col, book.name_col, tuple(sorted(book.mapping.items()))), []).append(nr)
    if groups:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} AS "
                    + " UNION ALL ".join(_stage_sql(layouts[numbers[0]], numbers) for numbers in groups.values()),
                    {"prefix": prefix})
    else:  # no workbook with a layout: the empty stage
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} (nr INTEGER, zeile INTEGER, a VARCHAR, gemeinde_name VARCHAR, "
                    f"{', '.join(f'v_{m} VARCHAR' for m in MERKMALE)}, gruende VARCHAR[])")
    paths = {nr: books[nr].delivery.read_path for nr in layouts}
    outcomes.update(_month_twice(con, paths, layouts))
    counts, too_many = runner.count_stages(
        con, f"(SELECT * FROM {STAGE} WHERE nr NOT IN ({c.numbers_sql(outcomes)}))", paths, options.max_reject_share)
    outcomes.update(too_many)
    good = f"nr NOT IN ({c.numbers_sql(outcomes)})"
    unpivot = c.long_sql(STAGE, "nr, zeile, a, gemeinde_name", MERKMALE, "v_{m}", "v", f"len(gruende) = 0 AND {good}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {NEW} AS
        SELECT d.monat AS berichtsmonat, s.a AS ags, s.gemeinde_name, s.merkmal,
               CASE WHEN v = '*' THEN NULL WHEN v = '-' THEN 0
                    WHEN regexp_full_match(v, '[0-9]+(\\.0)?') THEN split_part(v, '.', 1)::BIGINT
                    ELSE replace(v, '.', '')::BIGINT END AS wert,
               CASE WHEN v IN ('*', '-') THEN v END AS marker, s.zeile, d.datei, d.sha256, d.geladen_am,
               d.ist_demodaten
        FROM ({unpivot}) AS s JOIN {FILES} AS d USING (nr) ORDER BY nr, zeile, merkmal""")
    record = "{'ags': a, 'gemeinde_name': gemeinde_name, " + ", ".join(f"'{m}': v_{m}" for m in MERKMALE) + "}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {REJECTS} AS
        SELECT d.datei, d.sha256, s.zeile, array_to_string(s.gruende, '; ') AS grund, to_json({record}) AS datensatz,
               d.geladen_am, d.ist_demodaten
        FROM {STAGE} AS s JOIN {FILES} AS d USING (nr) WHERE len(s.gruende) > 0 AND {good} ORDER BY nr, zeile""")
    # the values loaded with marker '*' (counted in the files' stage, not in the growing raw table)
    suppressed = dict(con.execute(
        "SELECT nr, coalesce(sum(" + " + ".join(f"(v_{m} IS NOT DISTINCT FROM '*')::INTEGER" for m in MERKMALE) + "), 0) "
        f"FROM {STAGE} WHERE len(gruende) = 0 AND {good} GROUP BY nr").fetchall())
    for nr, book in layouts.items():
        if nr in outcomes:
            continue
        records, rejected = counts[nr]
        outcomes[nr] = runner.FileLoad(
            rows={"gemeinde_monat": (records - rejected) * len(MERKMALE)},
            records=records,
            rejected=rejected,
            suppressed=suppressed.get(nr, 0),
            berichtszeitraum=f"{book.monat:%Y-%m}",
            ist_demodaten=book.demo,
            extra={"berichtsmonat_zeile": book.monat_zeile, "berichtsmonat_spalte": book.monat_spalte,
                   "merkmal_spalten": json.dumps({m: _col_letter(col) for m, col in book.mapping.items()})},
        )
    return outcomes


def _workbook_layout(path, grid: list[list[str]]) -> _Workbook:
    """The layout of one workbook's sheet (its cells as text, trailing blank rows removed); DeliveryError when it
    has none, or a Berichtsmonat other than its file name's."""
    if not grid:
        raise DeliveryError(path, f"sheet '{SHEET}' is empty")
    (monat, monat_zeile, monat_spalte), ags_col, name_col, first, mapping, header_row = _layout(path, grid)
    match = re.search(r"(\d{4})(\d{2})", path.stem)
    if match and (int(match.group(1)), int(match.group(2))) != (monat.year, monat.month):
        raise DeliveryError(path, f"Berichtsmonat {monat:%m/%Y} in the title block does not match the "
                                  f"file name (YYYYMM {match.group(0)})")
    # Data block: from the first data row to the first blank row or footnote (a row with one cell).
    end = first
    while end < len(grid) and sum(1 for v in grid[end] if v) > 1:
        end += 1
    demo = any(c.DEMO_MARKER.lower() in v.lower() for row in grid[:header_row] + grid[end:] for v in row)
    return _Workbook(monat, monat_zeile, monat_spalte, ags_col, name_col, mapping, first + 1, end, demo)


def _files_table(con: duckdb.DuckDBPyConnection, books: dict[int, runner.Lineage], layouts: dict[int, _Workbook]) -> None:
    """FILES: per workbook with a layout its number, Gemeinde lines, Berichtsmonat and lineage."""
    numbers = sorted(layouts)
    runner.files_table(con, FILES, {
        "nr": ("INTEGER", numbers),
        "erste": ("INTEGER", [layouts[n].erste for n in numbers]),
        "letzte": ("INTEGER", [layouts[n].letzte for n in numbers]),
        "monat": ("DATE", [layouts[n].monat for n in numbers]),
        "datei": ("VARCHAR", [books[n].delivery.path.name for n in numbers]),
        "sha256": ("VARCHAR", [books[n].delivery.sha256 for n in numbers]),
        "geladen_am": ("TIMESTAMP", [books[n].geladen_am for n in numbers]),
        "ist_demodaten": ("BOOLEAN", [layouts[n].demo for n in numbers]),
    })


def _stage_sql(book: _Workbook, numbers: list[int]) -> str:
    """The Gemeinde rows of the workbooks `numbers` (all of `book`'s layout) with their row check reasons."""
    column = {m: f"g.{_q(_col_letter(col))}" for m, col in book.mapping.items()}
    ags = f"g.{_q(_col_letter(book.ags_col))}"
    ags_expr = (f"CASE WHEN regexp_full_match(trim({ags}), '[0-9]+\\.0+') THEN split_part(trim({ags}), '.', 1)"
                f" ELSE trim({ags}) END")
    checks = [
        ("NOT (regexp_full_match(a, '[0-9]{8}') OR regexp_full_match(a, '[0-9]{5}'))",
         "'AGS: erwartet 8-stelligen Gemeinde- oder 5-stelligen Kreisschlüssel'"),
        ("(regexp_full_match(a, '[0-9]{8}') OR regexp_full_match(a, '[0-9]{5}')) AND "
         "NOT (starts_with(a, $prefix) OR starts_with($prefix, a))", "'AGS außerhalb der Region'"),
    ] + [
        # '*', '-', a whole number (Excel's '12.0') or one with thousands points: one expression (planning)
        (f"NOT regexp_full_match(coalesce(v_{m}, ''), '\\*|-|[0-9]+(\\.0)?|[0-9]{{1,3}}(\\.[0-9]{{3}})+')",
         f"'{m} (Spalte {_col_letter(book.mapping[m])}): erwartet ganze Zahl ≥ 0, * oder -'")
        for m in MERKMALE
    ]
    return f"""
        SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
            SELECT g.nr, g.zeile, {c.ags_sql(ags_expr)} AS a,
                   nullif(trim(g.{_q(_col_letter(book.name_col))}), '') AS gemeinde_name,
                   {', '.join(f"nullif(trim({column[m]}), '') AS v_{m}" for m in MERKMALE)}
            FROM {GRID} AS g JOIN {FILES} AS d ON d.nr = g.nr
            WHERE g.nr IN ({c.numbers_sql(numbers)}) AND g.zeile BETWEEN d.erste AND d.letzte)"""


def _month_twice(con: duckdb.DuckDBPyConnection, paths: dict[int, object],
                 layouts: dict[int, _Workbook]) -> dict[int, DeliveryError]:
    """The same AGS twice in a table delivers that area's month twice: per workbook, a DeliveryError naming the
    second line and the AGS column (and the first line), whatever the share of rows — never a silent choice."""
    rows = con.execute(f"""
        SELECT nr, a, zeile, erste FROM (
            SELECT nr, a, zeile, first_value(zeile) OVER (PARTITION BY nr, a ORDER BY zeile) AS erste
            FROM {STAGE}
            WHERE regexp_full_match(a, '[0-9]{{8}}') OR regexp_full_match(a, '[0-9]{{5}}')
            QUALIFY row_number() OVER (PARTITION BY nr, a ORDER BY zeile) = 2)
        QUALIFY row_number() OVER (PARTITION BY nr ORDER BY zeile) = 1""").fetchall()
    return {nr: DeliveryError(
        paths[nr], f"AGS {ags} steht zweimal in der Tabelle (Zeilen {erste} und {zeile}): der Berichtsmonat "
                   f"{layouts[nr].monat:%m/%Y} wäre für dieses Gebiet doppelt geliefert; erwartet genau eine Zeile je "
                   "Gebiet und Monat", line=zeile, column=_col_letter(layouts[nr].ags_col))
        for nr, ags, zeile, erste in rows}


def _implausible(con: duckdb.DuckDBPyConnection, new: list[str]) -> dict[str, DeliveryError]:
    """No count of a new delivery may exceed the population of its area (Gemeinde or Kreis) in its month's
    year (plausibilitaet.py): per delivery, a DeliveryError naming the line and column of its first such count."""
    return plausibilitaet.implausible(con, FAMILY, f"""
        SELECT sha256, zeile, ags, year(berichtsmonat) AS jahr, merkmal AS spalte, 0 AS rang, wert
        FROM raw.{FAMILY}__gemeinde_monat WHERE sha256 IN (SELECT unnest($new)) AND wert > 0""",
        new, {"nef_unter_15": ("unter_15", "einwohner")}, {"nef_unter_15": "der Einwohner unter 15 Jahren"},
        "merkmal_spalten")


def _sheet_range(path) -> tuple[str, int]:
    """The used range of the sheet from its dimension record (read_xlsx needs a range to read past blank
    rows) and its number of columns; a generous default when the workbook has no usable dimension."""
    default = f"A1:{_col_letter(_MAX_COLS - 1)}{_MAX_ROWS}", _MAX_COLS
    try:
        size = _xlsx.sheet_size(path, SHEET)
    except _xlsx.SheetMissing as missing:
        raise DeliveryError(path, f"no sheet '{SHEET}' in the workbook (found: {', '.join(missing.names)})") from None
    except Exception as error:  # not a zip / not a workbook
        raise DeliveryError(path, f"not a readable .xlsx workbook ({type(error).__name__})") from None
    rows, cols = size or (None, None)
    if not rows or not cols or rows > _MAX_ROWS or cols > _MAX_COLS or (rows == 1 and cols == 1):
        return default
    return f"A1:{_col_letter(cols - 1)}{rows}", cols


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
