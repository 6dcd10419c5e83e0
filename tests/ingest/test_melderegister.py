"""Melderegister extracts: typed rows, row checks, duplicates, file-level errors, always-present tables."""

from __future__ import annotations

from types import SimpleNamespace

from orchestration.ingest.melderegister import load_melderegister
from orchestration.ingest.runner import Options

REGION = SimpleNamespace(ags_prefix="06432")
HEADER = "stichtag;ags;ortsteil;geschlecht;alter;anzahl"


def good_lines(stichtag: str = "31.12.2016") -> list[str]:
    lines = []
    for ags in ("06432001", "06432002"):
        for sex in "mw":
            for age in range(0, 101):
                lines.append(f"{stichtag};{ags};;{sex};{age};{(age * 7 + len(sex)) % 40 + 1}")
    lines.append(f"{stichtag};06432001;;d;30;1")
    return lines


def test_loads_typed_rows(paths, con, write):
    lines = good_lines()
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines])
    result = load_melderegister(con, paths, REGION)
    assert not result.failed and result.rejected == 0
    assert result.rows["raw.melderegister__einwohner"] == len(lines) == 405
    assert con.execute("SELECT typeof(stichtag), typeof(alter), typeof(anzahl), typeof(ags) "
                       "FROM raw.melderegister__einwohner LIMIT 1").fetchone() == ("DATE", "INTEGER", "BIGINT", "VARCHAR")
    expected = sum(int(line.rsplit(";", 1)[1]) for line in lines)
    assert con.execute("SELECT sum(anzahl) FROM raw.melderegister__einwohner").fetchone() == (expected,)
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner WHERE ortsteil IS NOT NULL").fetchone() == (0,)
    assert con.execute("SELECT berichtszeitraum, ist_demodaten FROM raw.melderegister__lieferungen").fetchall() == [
        ("2016-12-31", False)]


def test_row_checks(paths, con, write):
    bad = [
        "31.12.2016;06432003;;x;5;1",          # sex
        "31.12.2016;06432003;;m;101;1",        # age
        "31.12.2016;06432003;;m;-1;1",         # age
        "31.12.2016;06432003;;m;7;-3",         # anzahl
        "31.12.2016;064320011;;m;7;3",         # AGS not 8 digits
        "31.12.2016;06411000;;m;7;3",          # outside the region
        "30.06.2016;06432003;;m;8;3",          # stichtag differs from the file name
        "31.12.2016;06432001;;m;0;99",         # conflicts with the good row of the same key
        "31.12.2016;06432002;;w;5;" + str((5 * 7 + 1) % 40 + 1),  # identical repetition
    ]
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *good_lines(), *bad])
    result = load_melderegister(con, paths, REGION, options=Options(max_reject_share=0.05))
    assert not result.failed, result.quarantined
    assert result.rejected == 10  # 9 bad rows + the good row that conflicts
    reasons = [r for r, in con.execute("SELECT grund FROM raw.melderegister__rejects ORDER BY zeile").fetchall()]
    assert reasons[0] == "stichtag/ags/ortsteil/geschlecht/alter mehrfach mit verschiedener anzahl"
    assert reasons[1:] == [
        "geschlecht: erwartet m, w oder d", "alter: erwartet ganze Zahl 0-100", "alter: erwartet ganze Zahl 0-100",
        "anzahl: erwartet ganze Zahl ≥ 0", "ags: erwartet 8-stelligen AGS", "ags außerhalb der Region",
        "stichtag weicht vom Datum im Dateinamen ab",
        "stichtag/ags/ortsteil/geschlecht/alter mehrfach mit verschiedener anzahl",
        "Datensatz doppelt (identische Wiederholung)",
    ]
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner").fetchone() == (404,)


def test_reject_share_above_limit_fails_file_and_keeps_earlier_loads(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20151231.csv", [HEADER, *good_lines("31.12.2015")])
    assert not load_melderegister(con, paths, REGION).failed
    lines = good_lines()
    lines[:10] = [line.replace(";m;", ";q;") for line in lines[:10]]  # 10 of 405 = 2.5 %
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines])
    result = load_melderegister(con, paths, REGION)
    (path, reason), = result.quarantined
    assert "10 of 405 records rejected" in reason and "line 2: geschlecht" in reason
    assert con.execute("SELECT count(*), min(stichtag)::VARCHAR, max(stichtag)::VARCHAR "
                       "FROM raw.melderegister__einwohner").fetchone() == (405, "2015-12-31", "2015-12-31")
    assert con.execute("SELECT count(*) FROM raw.melderegister__rejects").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.melderegister__lieferungen").fetchone() == (1,)


def test_missing_columns_and_binary_file(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20161231.csv",
          ["stichtag;ags;geschlecht;alter", "31.12.2016;06432001;m;5"])
    (paths.landing / "melderegister" / "melderegister_20171231.csv").write_bytes(
        "stichtag;ags;ortsteil;geschlecht;alter;anzahl\n".encode("utf-16"))
    result = load_melderegister(con, paths, REGION)
    reasons = {p.name: r for p, r in result.quarantined}
    assert "missing required column(s) ortsteil, anzahl" in reasons["melderegister_20161231.csv"]
    assert "undecodable byte" in reasons["melderegister_20171231.csv"]


def test_tables_exist_without_deliveries(paths, con):
    load_melderegister(con, paths, REGION)
    cols = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                            "WHERE table_name = 'melderegister__einwohner'").fetchall())
    assert cols["alter"] == "INTEGER" and cols["stichtag"] == "DATE" and cols["geladen_am"] == "TIMESTAMP"
    assert con.execute("SELECT count(*) FROM raw.melderegister__rejects").fetchone() == (0,)
