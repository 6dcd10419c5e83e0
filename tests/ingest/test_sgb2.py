"""SGB II Gemeinde tables: header found by labels, merkmal mapping, markers, quarantine, history.

The deliveries are written here with openpyxl in the documented layout (docs/deliveries.md): title
block, merged group headers, a row of column numbers, Gemeinde rows, a Kreis row and footnotes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from orchestration.ingest.genesis import load_genesis
from orchestration.ingest.runner import Options
from orchestration.ingest.sgb2 import MERKMALE, classify, load_sgb2

REGION = SimpleNamespace(ags_prefix="06432", name="Landkreis Darmstadt-Dieburg")
# AGS, Gemeinde, bg, bg_allein, personen, lb, rlb, elb, nef, nef_u15, slb
ROWS = [
    ("06432001", "Alsbach-Hähnlein", 210, 40, 420, 430, 415, 300, 115, 100, 15),
    ("06432002", "Babenhausen", 480, "*", 1000, 1010, 990, 700, 290, 260, 20),
    ("06432003", "Bickenbach", 90, 20, 170, 172, 170, 120, 50, 45, "-"),
    ("06432", "Landkreis Darmstadt-Dieburg", 780, "*", 1590, 1612, 1575, 1120, 455, 405, "*"),
]


def write_sgb2(path: Path, rows=ROWS, *, extra_title_rows: int = 0, month: str = "Dezember 2016",
               demo: bool = True, header: bool = True, sheet: str = "Gemeinden", ags_as_number: bool = False,
               swap_elb_nef: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    title = ["Grundsicherung für Arbeitsuchende (SGB II) – Gemeindedaten"]
    title += [f"Zusatzzeile {i}" for i in range(extra_title_rows)]
    title += [f"Berichtsmonat: {month}", f"Gebietsstand: {month}",
              "Quelle: Statistik der Bundesagentur für Arbeit / Kreisagentur für Beschäftigung Darmstadt-Dieburg"]
    if demo:
        title.append("DEMODATEN – synthetisch erzeugt, keine echten Daten")
    for r, text in enumerate(title, start=1):
        ws.cell(r, 1, text)
    r = len(title) + 2  # one blank row
    labels = ["davon erwerbsfähige LB (ELB)", "davon nicht erwerbsfähige LB (NEF)"]
    if swap_elb_nef:
        labels.reverse()
    if header:
        ws.cell(r, 1, "AGS")
        ws.cell(r, 2, "Gemeinde")
        ws.cell(r, 3, "Bedarfsgemeinschaften (BG)")
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=4)
        ws.cell(r, 5, "Personen in BG")
        ws.cell(r, 6, "Leistungsberechtigte (LB)")
        ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=11)
        sub = ["insgesamt", "davon Alleinerziehende-BG", None, "insgesamt", "Regelleistungsberechtigte", *labels,
               "davon NEF unter 15 Jahren", "sonstige Leistungsberechtigte"]
        for i, text in enumerate(sub, start=3):
            if text:
                ws.cell(r + 1, i, text)
        for i in range(1, 12):
            ws.cell(r + 2, i, i)
        r += 3
    for row in rows:
        values = list(row)
        if swap_elb_nef:
            values[7], values[8] = values[8], values[7]
        for i, v in enumerate(values, start=1):
            if i == 1 and ags_as_number:
                v = int(v)
            ws.cell(r, i, v)
        r += 1
    r += 1
    for note in ["* Zahlenwert unterliegt der Geheimhaltung (1 oder 2 bzw. Rückrechnung)", "- nichts vorhanden",
                 "Quelle: Statistik der Bundesagentur für Arbeit", "Datenstand: Januar 2017"]:
        ws.cell(r, 1, note)
        r += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def values(con, ags: str) -> dict[str, tuple]:
    rows = con.execute("SELECT merkmal, wert, marker FROM raw.sgb2__gemeinde_monat WHERE ags = ?", [ags]).fetchall()
    return {m: (w, k) for m, w, k in rows}


def test_loads_long_format_with_markers_and_lineage(paths, con):
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    result = load_sgb2(con, paths, REGION)
    assert not result.failed, result.quarantined
    assert result.rows["raw.sgb2__gemeinde_monat"] == 4 * 9
    assert result.rejected == 0
    assert result.suppressed == 3  # two `*` in the Kreis row, one in Babenhausen
    v = values(con, "06432002")
    assert v["bg_insgesamt"] == (480, None)
    assert v["bg_alleinerziehende"] == (None, "*")
    assert v["elb"] == (700, None) and v["nef"] == (290, None) and v["nef_unter_15"] == (260, None)
    assert values(con, "06432003")["slb"] == (0, "-")
    assert values(con, "06432")["lb_insgesamt"] == (1612, None)  # Kreis row kept with the 5-digit code
    (monat, demo, datei, name), = con.execute(
        "SELECT DISTINCT berichtsmonat, ist_demodaten, datei, gemeinde_name FROM raw.sgb2__gemeinde_monat "
        "WHERE ags = '06432001'").fetchall()
    assert str(monat) == "2016-12-01" and demo is True and datei == "sgb2_gemeinden_201612.xlsx"
    assert name == "Alsbach-Hähnlein"
    assert con.execute("SELECT typeof(ags), typeof(wert) FROM raw.sgb2__gemeinde_monat LIMIT 1").fetchone() == (
        "VARCHAR", "BIGINT")
    lief = con.execute("SELECT berichtszeitraum, zeilen, abgelehnt, ist_demodaten FROM raw.sgb2__lieferungen").fetchall()
    assert lief == [("2016-12", 36, 0, True)]


def test_header_found_by_labels_not_position(paths, con):
    """An extra title row and swapped ELB/NEF columns: still parsed, each value in its merkmal."""
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", extra_title_rows=2, swap_elb_nef=True,
               ags_as_number=True, demo=False)
    result = load_sgb2(con, paths, REGION)
    assert not result.failed, result.quarantined
    v = values(con, "06432001")  # AGS stored as a number in the sheet: text with the leading zero
    assert v["elb"] == (300, None) and v["nef"] == (115, None)
    assert con.execute("SELECT bool_or(ist_demodaten) FROM raw.sgb2__gemeinde_monat").fetchone() == (False,)


def test_same_file_again_is_skipped_and_history_kept(paths, con):
    f = write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    load_sgb2(con, paths, REGION)
    again = load_sgb2(con, paths, REGION)
    assert [d.path for d in again.skipped] == [f] and not again.loaded
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201701.xlsx", month="Januar 2017")
    third = load_sgb2(con, paths, REGION)
    assert len(third.loaded) == 1
    assert con.execute("SELECT count(DISTINCT berichtsmonat), count(*) FROM raw.sgb2__gemeinde_monat").fetchone() == (
        2, 72)


def test_sheet_without_header_is_quarantined_others_load(paths, con):
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201611.xlsx", month="November 2016", header=False)
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    result = load_sgb2(con, paths, REGION)
    assert [p.name for p, _ in result.quarantined] == ["sgb2_gemeinden_201611.xlsx"]
    assert "no header row" in result.quarantined[0][1] and "sgb2_gemeinden_201611.xlsx" in result.quarantined[0][1]
    assert len(result.loaded) == 1
    q = list((paths.landing / "_quarantine" / "sgb2").glob("*sgb2_gemeinden_201611.xlsx*"))
    assert len(q) == 2  # the file and its .reason.txt
    assert not (paths.landing / "sgb2" / "sgb2_gemeinden_201611.xlsx").exists()


def test_missing_sheet_and_missing_column_are_file_errors(paths, con):
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201610.xlsx", month="Oktober 2016", sheet="Tabelle1")
    short = [r[:10] for r in ROWS]  # no `sonstige` column values; header still has it? remove header too
    f = write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201609.xlsx", month="September 2016", rows=short)
    wb = openpyxl.load_workbook(f)
    ws = wb["Gemeinden"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "sonstige Leistungsberechtigte":
                cell.value = None
    wb.save(f)
    result = load_sgb2(con, paths, REGION)
    reasons = dict((p.name, r) for p, r in result.quarantined)
    assert "no sheet 'Gemeinden'" in reasons["sgb2_gemeinden_201610.xlsx"]
    assert "missing required column(s) slb" in reasons["sgb2_gemeinden_201609.xlsx"]
    assert con.execute("SELECT count(*) FROM raw.sgb2__gemeinde_monat").fetchone() == (0,)


def test_month_in_title_must_match_file_name(paths, con):
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", month="November 2016")
    result = load_sgb2(con, paths, REGION)
    assert result.failed and "does not match the file name" in result.quarantined[0][1]


def test_bad_rows_rejected_or_file_fails_over_threshold(paths, con):
    rows = ROWS + [("06411000", "Darmstadt", 1, 1, 1, 1, 1, 1, 1, 1, 1),
                   ("06432004", "Dieburg", "viele", 1, 1, 1, 1, 1, 1, 1, 1)]
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=rows)
    result = load_sgb2(con, paths, REGION)  # 2 of 6 rows bad: above the default 1 %
    assert result.failed and "2 of 6 records rejected" in result.quarantined[0][1]
    assert con.execute("SELECT count(*) FROM raw.sgb2__rejects").fetchone() == (0,)

    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=rows)
    result = load_sgb2(con, paths, REGION, options=Options(max_reject_share=0.5))
    assert not result.failed and result.rejected == 2
    rejects = dict(con.execute("SELECT json_extract_string(datensatz, '$.ags'), grund FROM raw.sgb2__rejects").fetchall())
    assert rejects["06411000"] == "AGS außerhalb der Region"
    assert "bg_insgesamt (Spalte C): erwartet ganze Zahl" in rejects["06432004"]
    assert con.execute("SELECT count(DISTINCT ags) FROM raw.sgb2__gemeinde_monat").fetchone() == (4,)


def test_an_empty_value_cell_is_a_rejected_row_not_a_value(paths, con):
    """An empty cell is neither a number nor a marker (* suppressed, - nothing): the row is rejected naming the
    column, not loaded as a value of NULL without a marker."""
    rows = ROWS + [("06432004", "Dieburg", 50, 10, None, 101, 100, 70, 31, 30, 1)]
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=rows)
    result = load_sgb2(con, paths, REGION, options=Options(max_reject_share=0.5))
    assert not result.failed and result.rejected == 1
    grund, = con.execute("SELECT grund FROM raw.sgb2__rejects WHERE json_extract_string(datensatz, '$.ags') = '06432004'"
                         ).fetchone()
    assert "personen_in_bg (Spalte E): erwartet ganze Zahl ≥ 0, * oder -" in grund, grund
    assert values(con, "06432004") == {}
    assert con.execute("SELECT count(*) FROM raw.sgb2__gemeinde_monat WHERE wert IS NULL AND marker IS NULL"
                       ).fetchone() == (0,)


def test_tables_exist_without_deliveries(paths, con):
    result = load_sgb2(con, paths, REGION)
    assert not result.loaded and not result.failed
    for table in ("gemeinde_monat", "rejects", "lieferungen"):
        assert con.execute(f"SELECT count(*) FROM raw.sgb2__{table}").fetchone() == (0,)
    cols = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = "
                            "'sgb2__gemeinde_monat'").fetchall())
    assert cols["berichtsmonat"] == "DATE" and cols["wert"] == "BIGINT" and cols["ist_demodaten"] == "BOOLEAN"


@pytest.mark.parametrize("label, code", [
    ("Bedarfsgemeinschaften (BG) | insgesamt", "bg_insgesamt"),
    ("Bedarfsgemeinschaften (BG) | davon Alleinerziehende-BG", "bg_alleinerziehende"),
    ("Personen in Bedarfsgemeinschaften", "personen_in_bg"),
    ("Leistungsberechtigte (LB) | insgesamt", "lb_insgesamt"),
    ("Leistungsberechtigte (LB) | Regelleistungsberechtigte (RLB) | insgesamt", "rlb"),
    ("Leistungsberechtigte (LB) | Regelleistungsberechtigte | davon erwerbsfähige LB (ELB)", "elb"),
    ("Leistungsberechtigte (LB) | davon nicht erwerbsfähige LB (NEF)", "nef"),
    ("Leistungsberechtigte (LB) | davon NEF unter 15 Jahren", "nef_unter_15"),
    ("sonstige Leistungsberechtigte", "slb"),
    ("Gemeinde", None),
])
def test_label_classification(label, code):
    assert classify(label) == code
    assert code is None or code in MERKMALE


def test_not_a_workbook_and_empty_file_are_quarantined(paths, con):
    folder = paths.landing / "sgb2"
    folder.mkdir(parents=True)
    (folder / "sgb2_gemeinden_201601.xlsx").write_bytes(b"AGS;Gemeinde\n06432001;Alsbach\n")
    (folder / "sgb2_gemeinden_201602.xlsx").write_bytes(b"")
    write_sgb2(folder / "sgb2_gemeinden_201612.xlsx")
    result = load_sgb2(con, paths, REGION)
    reasons = {p.name: r for p, r in result.quarantined}
    assert set(reasons) == {"sgb2_gemeinden_201601.xlsx", "sgb2_gemeinden_201602.xlsx"}
    assert all("not a readable .xlsx workbook" in r for r in reasons.values())
    assert [d.path.name for d in result.loaded] == ["sgb2_gemeinden_201612.xlsx"]


def test_an_empty_sheet_among_workbooks_of_one_run_is_named_as_empty(paths, con):
    """An empty sheet `Gemeinden` (read_xlsx names its columns A1, B1, … instead of A, B, …) is refused as empty;
    the workbooks read with it in the same run load."""
    folder = paths.landing / "sgb2"
    folder.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    workbook.active.title = "Gemeinden"
    workbook.save(folder / "sgb2_gemeinden_201611.xlsx")
    write_sgb2(folder / "sgb2_gemeinden_201612.xlsx")
    result = load_sgb2(con, paths, REGION)
    (path, reason), = result.quarantined
    assert path.name == "sgb2_gemeinden_201611.xlsx" and "sheet 'Gemeinden' is empty" in reason, reason
    assert [d.path.name for d in result.loaded] == ["sgb2_gemeinden_201612.xlsx"]


# ------------------------------------------------------------------ a month delivered twice (issue 12)


def _line_of(path: Path, text: str, start: int = 1) -> int:
    """1-based sheet row of the first cell in column A from row `start` on that starts with `text`."""
    ws = openpyxl.load_workbook(path)["Gemeinden"]
    return next(r for r in range(start, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith(text))


def test_same_gemeinde_twice_in_one_file_is_refused_with_line_and_column(paths, con):
    """One table with a Gemeinde's row twice delivers that Gemeinde's month twice: the file is quarantined
    naming the second line and the AGS column, even when the share of rows would be within the reject limit."""
    twice = ROWS + [("06432002", "Babenhausen", 481, 1, 1001, 1011, 991, 701, 290, 260, 20)]
    f = write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=twice)
    first = _line_of(f, "06432002")
    second = _line_of(f, "06432002", start=first + 1)
    result = load_sgb2(con, paths, REGION, options=Options(max_reject_share=0.5))
    assert [p.name for p, _ in result.quarantined] == ["sgb2_gemeinden_201612.xlsx"]
    reason = result.quarantined[0][1]
    assert reason.startswith(f"sgb2_gemeinden_201612.xlsx, line {second}, column A: "), reason
    assert "06432002" in reason and f"Zeilen {first} und {second}" in reason and "12/2016" in reason
    assert con.execute("SELECT count(*) FROM raw.sgb2__gemeinde_monat").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.sgb2__rejects").fetchone() == (0,)
    assert not (paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx").exists()


def test_two_berichtsmonate_in_one_file_are_refused(paths, con):
    f = write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    wb = openpyxl.load_workbook(f)
    ws = wb["Gemeinden"]
    ws.insert_rows(3)
    ws.cell(3, 1, "Berichtsmonat: November 2016")
    wb.save(f)
    result = load_sgb2(con, paths, REGION)
    reason = result.quarantined[0][1]
    assert reason.startswith("sgb2_gemeinden_201612.xlsx, line 3, column A: "), reason
    assert "second Berichtsmonat 11/2016" in reason and "line 2 names 12/2016" in reason
    # the same month named twice is no conflict
    f = write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    wb = openpyxl.load_workbook(f)
    wb["Gemeinden"].insert_rows(3)
    wb["Gemeinden"].cell(3, 1, "Berichtsmonat: 12/2016")
    wb.save(f)
    assert not load_sgb2(con, paths, REGION).failed


def _states(con) -> dict[str, tuple[str, str]]:
    return {d: (s, g) for d, s, g in con.execute(
        "SELECT datei, status, grund FROM raw.ingest__lieferstatus QUALIFY row_number() OVER "
        "(PARTITION BY sha256 ORDER BY nr DESC) = 1").fetchall()}


def test_second_delivery_of_a_month_is_refused_naming_file_line_and_column(paths, con):
    """Two deliveries with the same Gemeinde × month: the later one is refused (quarantined, its rows stay
    in raw as history) with the cell of its Berichtsmonat and the delivery that holds the month; the
    month's data stay those of the first delivery."""
    folder = paths.landing / "sgb2"
    first = write_sgb2(folder / "sgb2_gemeinden_201612.xlsx")
    load_sgb2(con, paths, REGION)
    line = _line_of(first, "Berichtsmonat")
    changed = [("06432001", "Alsbach-Hähnlein", 211, 40, 421, 431, 416, 301, 115, 100, 15), *ROWS[1:]]
    write_sgb2(folder / "sgb2_gemeinden_201612_nachlieferung.xlsx", rows=changed, extra_title_rows=1)
    result = load_sgb2(con, paths, REGION)
    assert [p.name for p, _ in result.quarantined] == ["sgb2_gemeinden_201612_nachlieferung.xlsx"]
    state, reason = _states(con)["sgb2_gemeinden_201612_nachlieferung.xlsx"]
    assert state == "abgelehnt"
    assert reason.startswith(f"sgb2_gemeinden_201612_nachlieferung.xlsx, line {line + 1}, column A: Konflikt"), reason
    assert f"sgb2_gemeinden_201612.xlsx (dort line {line}, column A)" in reason and "_korrektur" in reason
    assert _states(con)["sgb2_gemeinden_201612.xlsx"][0] == "angenommen"
    assert (paths.landing / "_quarantine" / "sgb2").is_dir()
    assert not (folder / "sgb2_gemeinden_201612_nachlieferung.xlsx").exists() and first.exists()

    # two new deliveries of another month in one run: both refused, each named with its own cell
    write_sgb2(folder / "sgb2_gemeinden_201701.xlsx", month="Januar 2017")
    write_sgb2(folder / "sgb2_gemeinden_201701_b.xlsx", month="Januar 2017", extra_title_rows=2)
    result = load_sgb2(con, paths, REGION)
    reasons = dict((p.name, r) for p, r in result.quarantined)
    assert set(reasons) == {"sgb2_gemeinden_201701.xlsx", "sgb2_gemeinden_201701_b.xlsx"}
    assert reasons["sgb2_gemeinden_201701.xlsx"].startswith(f"sgb2_gemeinden_201701.xlsx, line {line}, column A: ")
    assert reasons["sgb2_gemeinden_201701_b.xlsx"].startswith(f"sgb2_gemeinden_201701_b.xlsx, line {line + 2}, column A: ")
    assert all("liefern beide den Zeitraum 2017-01" in r for r in reasons.values())


def test_deliveries_table_of_an_older_warehouse_gets_the_cell_columns(paths, con):
    """A working database whose raw.sgb2__lieferungen predates the Berichtsmonat cell columns still loads;
    its earlier deliveries keep NULL there (and a conflict with one of them names no cell of it)."""
    from orchestration.ingest.runner import create_tables
    from orchestration.ingest.sgb2 import TABLES

    create_tables(con, "sgb2", TABLES)
    con.execute("INSERT INTO raw.sgb2__lieferungen VALUES ('alt', 'sgb2_gemeinden_201611.xlsx', '2016-11', true, 0, 0, now())")
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    result = load_sgb2(con, paths, REGION)
    assert not result.failed, result.quarantined
    rows = con.execute("SELECT datei, berichtsmonat_zeile, berichtsmonat_spalte FROM raw.sgb2__lieferungen "
                       "ORDER BY datei").fetchall()
    assert rows == [("sgb2_gemeinden_201611.xlsx", None, None), ("sgb2_gemeinden_201612.xlsx", 2, "A")]


def test_a_count_above_the_population_names_its_cell_once_the_population_of_the_run_has_loaded(paths, con):
    """The check waits for the population that loads beside SGB II (parallel.py: checked_against): the months
    load first, GENESIS loads while the check waits, and the file with a count above it is refused naming
    line and column letter; nothing of it stays in raw, the other month is accepted."""
    (paths.landing / "genesis").mkdir(parents=True)
    for table in ("12411-01-01-5", "12411-02-03-5"):
        shutil.copy(Path(__file__).resolve().parents[2] / "data" / "genesis" / "dadi" / f"{table}_06432_extract.csv",
                    paths.landing / "genesis")
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201611.xlsx", month="November 2016")
    too_many = [ROWS[0], (*ROWS[1][:5], 999999, *ROWS[1][6:]), *ROWS[2:]]
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", too_many)
    result = load_sgb2(con, paths, REGION, options=Options(
        checked_against_loaded=lambda: load_genesis(con, paths, REGION)))
    (path, reason), = result.quarantined
    einwohner, = con.execute("SELECT max(wert) FROM raw.genesis__werte WHERE ags = '06432002' AND jahr BETWEEN 2015 "
                             "AND 2017 AND merkmal IN ('Insgesamt', 'Insgesamt | Insgesamt')").fetchone()
    assert reason == (f"sgb2_gemeinden_201612.xlsx, line 11, column F: lb_insgesamt = 999999 für 06432002 ist größer "
                      f"als die Zahl der Einwohner ({int(einwohner)}, 2016 ±1 Jahr): unplausibel, erwartet höchstens "
                      f"die Bevölkerung, auf die sich die Zahl bezieht")
    assert [d.path.name for d in result.loaded] == ["sgb2_gemeinden_201611.xlsx"]
    assert con.execute("SELECT DISTINCT datei FROM raw.sgb2__gemeinde_monat UNION ALL "
                       "SELECT datei FROM raw.sgb2__lieferungen").fetchall() == [("sgb2_gemeinden_201611.xlsx",)] * 2
