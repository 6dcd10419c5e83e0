"""Grundsicherung per Ortsteil (`LANDING/grundsicherung/grundsicherung_ortsteile_YYYY.csv`, issue 12): loaded next to
the Gemeinde file of the same family; a bad file is quarantined naming file, line and column, and what was loaded
before stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.grundsicherung import load_grundsicherung

DEMO = "# DEMODATEN – synthetisch erzeugt, keine echten Daten"
HEADER = "stichtag;ags;ortsteil;empfaenger_65_plus;empfaenger_erwerbsminderung"
# Alsbach-Hähnlein (06432001, Ortsteile 001-003): 60 recipients 65+, 30 Erwerbsminderung; Bickenbach (06432003)
# has no Ortsteile in the region profile
OT = [("001", 30, 15), ("002", 20, 10), ("003", 10, 5)]


def gemeinde_file(jahr: int, g65: int | str = 60, gem: int | str = 30) -> list[str]:
    return [DEMO, "stichtag;ags;gemeinde;empfaenger_65_plus;empfaenger_erwerbsminderung",
            f"31.12.{jahr};06432001;Alsbach-Hähnlein;{g65};{gem}", f"31.12.{jahr};06432003;Bickenbach;7;3"]


def lines(jahr: int = 2016, ot=OT) -> list[str]:
    return [DEMO, HEADER, *(f"31.12.{jahr};06432001;{k};{a};{b}" for k, a, b in ot)]


def folder(paths) -> Path:
    return paths.landing / "grundsicherung"


def test_ortsteil_file_is_loaded_next_to_the_gemeinde_file(paths, con, write, region):
    write(folder(paths) / "grundsicherung_alter_2016.csv", gemeinde_file(2016))
    write(folder(paths) / "grundsicherung_ortsteile_2016.csv", lines(ot=[("1", 30, 15), *OT[1:]]))
    result = load_grundsicherung(con, paths, region)
    assert not result.quarantined, result.quarantined
    assert result.rows["raw.grundsicherung__ortsteile"] == 6
    rows = con.execute("SELECT ortsteil, merkmal, anzahl FROM raw.grundsicherung__ortsteile ORDER BY ALL").fetchall()
    assert rows == sorted((k, m, v) for k, a, b in OT
                          for m, v in (("empfaenger_65_plus", a), ("empfaenger_erwerbsminderung", b)))
    assert con.execute("SELECT DISTINCT stichtag::VARCHAR, ags, ist_demodaten, datei "
                       "FROM raw.grundsicherung__ortsteile").fetchall() == [
        ("2016-12-31", "06432001", True, "grundsicherung_ortsteile_2016.csv")]
    # the Gemeinde file is untouched by the Ortsteil file
    assert con.execute("SELECT ags, anzahl FROM raw.grundsicherung__empfaenger ORDER BY ags").fetchall() == [
        ("06432001", 60), ("06432003", 7)]


def test_suppressed_gemeinde_value_is_not_compared(paths, con, write, region):
    write(folder(paths) / "grundsicherung_alter_2016.csv", gemeinde_file(2016, g65="."))
    write(folder(paths) / "grundsicherung_ortsteile_2016.csv", lines())
    assert not load_grundsicherung(con, paths, region).quarantined


def test_ortsteil_file_without_gemeinde_file_loads(paths, con, write, region):
    write(folder(paths) / "grundsicherung_ortsteile_2016.csv", lines())
    result = load_grundsicherung(con, paths, region)
    assert not result.quarantined, result.quarantined
    assert con.execute("SELECT sum(anzahl) FROM raw.grundsicherung__ortsteile").fetchone() == (90,)


@pytest.mark.parametrize("change, where, text", [
    (lambda r: r.replace(";002;", ";099;"), "line 4, column 3",
     "ortsteil '099' ist kein Ortsteil der Gemeinde 06432001"),
    (lambda r: r.replace("06432001;002;", "06432003;001;"), "line 4, column 3",
     "das Regionsprofil (ortsteile.csv) nennt für 06432003 keine Ortsteile"),
    (lambda r: r.replace(";002;", ";001;"), "line 4, column 3", "Ortsteil 001 der Gemeinde 06432001 steht zweimal"),
    (lambda r: r.replace(";002;", ";;"), "line 4, column 3", "ortsteil: erwartet den Ortsteilschlüssel"),
    (lambda r: r.replace(";20;", ";2x;"), "line 4, column 4", "empfaenger_65_plus: erwartet ganze Zahl"),
    (lambda r: r.replace(";10", ";-1"), "line 4, column 5", "empfaenger_erwerbsminderung: erwartet ganze Zahl"),
    (lambda r: r.replace(";20;", ";21;"), "line 3, column 4",
     "empfaenger_65_plus: die Summe der Ortsteile der Gemeinde 06432001 am 31.12.2017 ist 61, die Gemeindedatei"),
    (lambda r: r.replace(";10", ";11"), "line 3, column 5", "empfaenger_erwerbsminderung: die Summe der Ortsteile"),
    (lambda r: r.replace("31.12.2017", "31.12.2016"), "line 4, column 1", "stichtag: erwartet 31.12.2017"),
    (lambda r: r.replace("31.12.2017", "Ende 2017"), "line 4, column 1", "stichtag: erwartet Datum"),
    (lambda r: r.replace("06432001", "0643200x"), "line 4, column 2", "ags: erwartet 8-stelligen AGS"),
    (lambda r: r.replace("06432001", "06411000"), "line 4, column 2", "ags außerhalb der Region"),
    (lambda r: r + ";x", "line 4", "expected 5 fields"),
])
def test_bad_row_quarantines_the_file_naming_line_and_column(paths, con, write, region, change, where, text):
    write(folder(paths) / "grundsicherung_alter_2016.csv", gemeinde_file(2016))
    write(folder(paths) / "grundsicherung_ortsteile_2016.csv", lines())
    write(folder(paths) / "grundsicherung_alter_2017.csv", gemeinde_file(2017))
    assert not load_grundsicherung(con, paths, region).quarantined
    rows = lines(jahr=2017)
    rows[3] = change(rows[3])
    write(folder(paths) / "grundsicherung_ortsteile_2017.csv", rows)
    result = load_grundsicherung(con, paths, region)
    (path, reason), = result.quarantined
    assert path.name == "grundsicherung_ortsteile_2017.csv"
    assert reason.startswith(f"grundsicherung_ortsteile_2017.csv, {where}"), reason
    assert text in reason, reason
    assert list((paths.landing / "_quarantine" / "grundsicherung").glob("*_grundsicherung_ortsteile_2017.csv"))
    # what was loaded before stays
    assert con.execute("SELECT count(*), min(stichtag)::VARCHAR, max(stichtag)::VARCHAR "
                       "FROM raw.grundsicherung__ortsteile").fetchone() == (6, "2016-12-31", "2016-12-31")
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (4,)
