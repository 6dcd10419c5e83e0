"""The kommunale Jobcenter's SGB II counts per Ortsteil (`LANDING/sgb2/sgb2_ortsteile_YYYYMM.csv`, issue 12):
loaded next to the BA workbooks of the same family; a bad file is quarantined naming file, line and column, and
what was loaded before stays."""

from __future__ import annotations

import pytest

from orchestration.ingest.sgb2 import load_sgb2
from tests.ingest.test_sgb2 import ROWS, _states, write_sgb2

HEADER = "berichtsmonat;ags;ortsteil;lb_insgesamt;nef_unter_15"
DEMO = "# DEMODATEN – synthetisch erzeugt, keine echten Daten"
# Pfungstadt (06432018) in the workbook: lb 1000, nef_unter_15 250; its four Ortsteile add up to that
PFUNGSTADT = ("06432018", "Pfungstadt", 500, 80, 990, 1000, 980, 700, 300, 250, 20)
OT = [("001", 600, 150), ("002", 200, 50), ("003", 120, 30), ("004", 80, 20)]


def lines(month: str = "2016-12", ot=OT) -> list[str]:
    return [DEMO, HEADER, *(f"{month};06432018;{k};{lb};{nef}" for k, lb, nef in ot)]


@pytest.fixture
def workbook(paths):
    return write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=[*ROWS[:3], PFUNGSTADT])


def test_ortsteil_file_is_loaded_next_to_the_workbook(paths, con, write, region, workbook):
    write(paths.landing / "sgb2" / "sgb2_ortsteile_201612.csv", lines(ot=[("1", 600, 150), *OT[1:]]))
    result = load_sgb2(con, paths, region)
    assert not result.quarantined, result.quarantined
    assert result.rows["raw.sgb2__ortsteil_monat"] == 8
    rows = con.execute("SELECT ortsteil, merkmal, wert FROM raw.sgb2__ortsteil_monat ORDER BY ALL").fetchall()
    assert rows == sorted((k, m, v) for k, lb, nef in OT for m, v in (("lb_insgesamt", lb), ("nef_unter_15", nef)))
    assert con.execute("SELECT DISTINCT berichtsmonat::VARCHAR, ags, ist_demodaten, datei "
                       "FROM raw.sgb2__ortsteil_monat").fetchall() == [
        ("2016-12-01", "06432018", True, "sgb2_ortsteile_201612.csv")]
    assert _states(con)["sgb2_ortsteile_201612.csv"][0] == "angenommen"
    assert _states(con)["sgb2_gemeinden_201612.xlsx"][0] == "angenommen"  # not a conflict with the workbook


@pytest.mark.parametrize("change, where, text", [
    (lambda r: r.replace(";002;", ";099;"), "line 4, column 3", "ortsteil '099' ist kein Ortsteil der Gemeinde 06432018"),
    (lambda r: r.replace(";002;", ";;"), "line 4, column 3", "ortsteil: erwartet den Ortsteilschlüssel"),
    (lambda r: r.replace(";200;", ";2x0;"), "line 4, column 4", "lb_insgesamt: erwartet ganze Zahl"),
    (lambda r: r.replace(";50", ";-5"), "line 4, column 5", "nef_unter_15: erwartet ganze Zahl"),
    (lambda r: r.replace("2017-01;", "2016-11;"), "line 4, column 1", "berichtsmonat: erwartet 2017-01 wie im Dateinamen"),
    (lambda r: r.replace("2017-01;", "Jan 2017;"), "line 4, column 1", "berichtsmonat: erwartet Monat YYYY-MM"),
    (lambda r: r.replace(";002;", ";001;"), "line 4, column 3", "Ortsteil 001 der Gemeinde 06432018 steht zweimal"),
    (lambda r: r + ";x", "line 4", "expected 5 fields"),
])
def test_bad_row_quarantines_the_file_naming_line_and_column(paths, con, write, region, workbook, change, where, text):
    folder = paths.landing / "sgb2"
    write(folder / "sgb2_ortsteile_201612.csv", lines())
    load_sgb2(con, paths, region)
    rows = lines(month="2017-01")
    rows[3] = change(rows[3])
    write(folder / "sgb2_ortsteile_201701.csv", rows)
    result = load_sgb2(con, paths, region)
    (path, reason), = result.quarantined
    assert path.name == "sgb2_ortsteile_201701.csv"
    assert reason.startswith(f"sgb2_ortsteile_201701.csv, {where}"), reason
    assert text in reason, reason
    assert [p.name for p in (paths.landing / "_quarantine" / "sgb2").glob("*_sgb2_ortsteile_201701.csv")]
    # what was loaded before stays
    assert con.execute("SELECT count(*), min(berichtsmonat)::VARCHAR FROM raw.sgb2__ortsteil_monat").fetchone() == (
        8, "2016-12-01")


def test_sum_differing_from_the_workbook_is_refused_naming_gemeinde_and_month(paths, con, write, region, workbook):
    write(paths.landing / "sgb2" / "sgb2_ortsteile_201612.csv", lines(ot=[*OT[:3], ("004", 81, 20)]))
    (path, reason), = load_sgb2(con, paths, region).quarantined
    assert path.name == "sgb2_ortsteile_201612.csv"
    assert "lb_insgesamt: die Summe der Ortsteile der Gemeinde 06432018 im Berichtsmonat 12/2016 ist 1001" in reason
    assert "nennt 1000" in reason
    assert con.execute("SELECT count(*) FROM raw.sgb2__ortsteil_monat").fetchone() == (0,)


def test_suppressed_gemeinde_value_is_not_compared(paths, con, write, region):
    suppressed = PFUNGSTADT[:9] + ("*",) + PFUNGSTADT[10:]
    write_sgb2(paths.landing / "sgb2" / "sgb2_gemeinden_201612.xlsx", rows=[*ROWS[:3], suppressed])
    write(paths.landing / "sgb2" / "sgb2_ortsteile_201612.csv", lines(ot=[*OT[:3], ("004", 80, 21)]))
    assert not load_sgb2(con, paths, region).quarantined


def test_same_month_delivered_twice_is_a_conflict(paths, con, write, region, workbook):
    folder = paths.landing / "sgb2"
    write(folder / "sgb2_ortsteile_201612.csv", lines())
    load_sgb2(con, paths, region)
    write(folder / "sgb2_ortsteile_201612_b.csv", lines(ot=[*OT[:2], ("003", 110, 30), ("004", 90, 20)]))
    result = load_sgb2(con, paths, region)
    (path, reason), = result.quarantined
    assert path.name == "sgb2_ortsteile_201612_b.csv"
    assert "Konflikt" in reason and "Ortsteile 2016-12" in reason and "sgb2_ortsteile_201612.csv" in reason
    assert _states(con)["sgb2_ortsteile_201612.csv"][0] == "angenommen"


def test_files_of_one_run_are_judged_together_each_named_with_its_own_line(paths, con, write, region, workbook):
    """All new files of a run are read and checked together: each bad one is quarantined naming its own line
    (counted in its own file), one DuckDB cannot read among them too, and the others load with their lines."""
    folder = paths.landing / "sgb2"
    write(folder / "sgb2_ortsteile_201612.csv", lines())
    unknown = lines(month="2017-01")
    unknown[4] = unknown[4].replace(";003;", ";099;")
    write(folder / "sgb2_ortsteile_201701.csv", unknown)
    unreadable = lines(month="2017-02")
    unreadable[5] += ";x"
    write(folder / "sgb2_ortsteile_201702.csv", unreadable)
    write(folder / "sgb2_ortsteile_201703.csv", lines(month="2017-03"))
    result = load_sgb2(con, paths, region)
    reasons = {path.name: reason for path, reason in result.quarantined}
    assert reasons.keys() == {"sgb2_ortsteile_201701.csv", "sgb2_ortsteile_201702.csv"}
    assert reasons["sgb2_ortsteile_201701.csv"].startswith("sgb2_ortsteile_201701.csv, line 5, column 3")
    assert "ortsteil '099' ist kein Ortsteil" in reasons["sgb2_ortsteile_201701.csv"]
    assert reasons["sgb2_ortsteile_201702.csv"].startswith("sgb2_ortsteile_201702.csv, line 6")
    assert "expected 5 fields" in reasons["sgb2_ortsteile_201702.csv"]
    assert con.execute("SELECT datei, min(zeile), max(zeile), count(*) FROM raw.sgb2__ortsteil_monat "
                       "GROUP BY datei ORDER BY datei").fetchall() == [
        ("sgb2_ortsteile_201612.csv", 3, 6, 8), ("sgb2_ortsteile_201703.csv", 3, 6, 8)]
    states = _states(con)
    assert [states[f"sgb2_ortsteile_2017{m}.csv"][0] for m in ("01", "02", "03")] == [
        "quarantaene", "quarantaene", "angenommen"]
    assert states["sgb2_ortsteile_201612.csv"][0] == states["sgb2_gemeinden_201612.xlsx"][0] == "angenommen"
