"""Grundsicherung im Alter: markers, encodings, row rejects, file-level errors, history."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.ingest.grundsicherung import load_grundsicherung
from orchestration.ingest.runner import Options
from orchestration.settings import Paths

REGION = SimpleNamespace(ags_prefix="06432")
HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus"
GOOD = [
    "31.12.2016;06432001;Alsbach-Hähnlein;52",
    "31.12.2016;06432002;Babenhausen;.",
    "31.12.2016;06432003;Bickenbach;-",
    "31.12.2016;06432004;Dieburg;1.234",
]


def folder(paths: Paths) -> Path:
    return paths.landing / "grundsicherung"


def test_loads_values_markers_and_demo_flag(paths, con, write):
    write(folder(paths) / "grundsicherung_alter_2016.csv",
          ["# DEMODATEN – synthetisch erzeugt, keine echten Daten", HEADER, *GOOD], newline="\r\n")
    result = load_grundsicherung(con, paths, REGION)
    assert not result.failed, result.quarantined
    assert result.rows["raw.grundsicherung__empfaenger"] == 4 and result.suppressed == 1
    rows = con.execute("SELECT ags, gemeinde_name, anzahl, marker, stichtag::VARCHAR, zeile, ist_demodaten "
                       "FROM raw.grundsicherung__empfaenger ORDER BY ags").fetchall()
    assert rows == [
        ("06432001", "Alsbach-Hähnlein", 52, None, "2016-12-31", 3, True),
        ("06432002", "Babenhausen", None, ".", "2016-12-31", 4, True),
        ("06432003", "Bickenbach", 0, "-", "2016-12-31", 5, True),
        ("06432004", "Dieburg", 1234, None, "2016-12-31", 6, True),
    ]
    assert con.execute("SELECT berichtszeitraum, zeilen, abgelehnt FROM raw.grundsicherung__lieferungen").fetchall() == [
        ("2016", 4, 0)]


def test_latin1_is_accepted(paths, con, write):
    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD], encoding="latin-1")
    result = load_grundsicherung(con, paths, REGION)
    assert not result.failed
    assert con.execute("SELECT gemeinde_name FROM raw.grundsicherung__empfaenger WHERE ags = '06432001'").fetchone() == (
        "Alsbach-Hähnlein",)


def test_undecodable_bytes_quarantine_with_position(paths, con, write):
    f = write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD], encoding="latin-1")
    f.write_bytes(f.read_bytes().replace(b"Dieburg", b"Die\x81burg"))  # 0x81: not UTF-8, not ISO-8859-1 text
    result = load_grundsicherung(con, paths, REGION)
    (path, reason), = result.quarantined
    assert reason.startswith("grundsicherung_alter_2016.csv, line 5, column 24: undecodable byte 0x81")
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (0,)


def test_empty_file_and_missing_column_and_unknown_header(paths, con, write):
    write(folder(paths) / "grundsicherung_alter_2014.csv", ["stichtag;ags;gemeinde", "31.12.2014;06432001;Alsbach"])
    (folder(paths) / "grundsicherung_alter_2015.csv").write_bytes(b"")
    write(folder(paths) / "grundsicherung_alter_2013.csv", ["datum;schluessel;wert", "x;y;z"])
    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD])
    result = load_grundsicherung(con, paths, REGION)
    reasons = {p.name: r for p, r in result.quarantined}
    assert "line 1: missing required column(s) empfaenger_65_plus" in reasons["grundsicherung_alter_2014.csv"]
    assert "empty file" in reasons["grundsicherung_alter_2015.csv"]
    assert "unrecognised header" in reasons["grundsicherung_alter_2013.csv"]
    assert [d.path.name for d in result.loaded] == ["grundsicherung_alter_2016.csv"]
    for name in reasons:
        assert (paths.landing / "_quarantine" / "grundsicherung").glob(f"*_{name}.reason.txt")


def test_wrong_field_count_names_the_line(paths, con, write):
    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, GOOD[0], GOOD[1] + ";extra", GOOD[2]])
    (_, reason), = load_grundsicherung(con, paths, REGION).quarantined
    assert "line 3" in reason and "expected 4 fields" in reason and "found 5" in reason
    assert "Babenhausen" not in reason  # the record's content is not repeated


def test_row_rejects_below_and_above_threshold(paths, con, write):
    bad = ["31.13.2016;06432005;Eppertshausen;3", "31.12.2016;06411000;Darmstadt;4", "31.12.2016;06432006;Fischbachtal;x",
           "31.12.2016;06432001;Alsbach-Hähnlein;53"]
    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD, *bad])
    result = load_grundsicherung(con, paths, REGION)
    assert result.failed and "5 of 8 records rejected" in result.quarantined[0][1]
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__rejects").fetchone() == (0,)

    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD, *bad])
    result = load_grundsicherung(con, paths, REGION, options=Options(max_reject_share=0.7))
    assert not result.failed and result.rejected == 5  # both rows of the conflicting AGS 06432001
    grund = dict(con.execute("SELECT zeile, grund FROM raw.grundsicherung__rejects").fetchall())
    assert grund[6] == "stichtag: erwartet Datum TT.MM.JJJJ"
    assert grund[7] == "ags außerhalb der Region"
    assert grund[8].startswith("empfaenger_65_plus: erwartet ganze Zahl")
    assert grund[2] == grund[9] == "stichtag/ags mehrfach mit verschiedenen Werten"
    assert con.execute("SELECT list(ags ORDER BY ags) FROM raw.grundsicherung__empfaenger").fetchone() == (
        ["06432002", "06432003", "06432004"],)


def test_same_file_twice_changes_nothing(paths, con, write):
    write(folder(paths) / "grundsicherung_alter_2016.csv", [HEADER, *GOOD])
    load_grundsicherung(con, paths, REGION)
    result = load_grundsicherung(con, paths, REGION)
    assert len(result.skipped) == 1 and not result.loaded
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (4,)


def test_invalid_reject_share_is_a_clear_error():
    with pytest.raises(ValueError, match="max_reject_share=1.5: expected a number between 0 and 1"):
        Options(max_reject_share=1.5)
