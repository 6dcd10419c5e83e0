"""Measures (orchestration/ingest/massnahmen.py): real files through the runner into raw.massnahmen__massnahmen;
every bad row refuses the file naming file, line, column and what was expected; the list published before stays;
the newest Stand is the current list."""

from __future__ import annotations

import pytest

from orchestration.ingest import lieferstatus
from orchestration.ingest.massnahmen import load_massnahmen

HEADER = "massnahme_id;gebiet_id;beginn;ende;titel;traeger;art"
GOOD = [
    "# DEMODATEN – synthetisch erzeugt, keine echten Daten",
    HEADER,
    "M1;06432004;2018-03-01;;Demodaten: Familienzentrum Dieburg eröffnet;Demo-Träger e. V.;Familienzentrum",
    "M2;SR3;01.09.2019;31.08.2021;Demodaten: Quartiersprojekt;Kreis;Quartiersprojekt",
    "M3;06432001001;2020-01-15;2020-12-31;Demodaten: Beratung <script>alert(1)</script>;;Beratungsangebot",
    "M4;06432;2017-05-01;;Demodaten: Kreisweites Bildungsangebot;Volkshochschule;Bildungsangebot",
]


def test_a_measure_list_is_loaded_with_its_area_levels(paths, con, write, region):
    write(paths.landing / "massnahmen" / "massnahmen_2026-11-30.csv", GOOD)
    result = load_massnahmen(con, paths, region)
    assert not result.quarantined and result.rows["raw.massnahmen__massnahmen"] == 4
    rows = con.execute("SELECT massnahme_id, gebiet_id, gebiet_ebene, beginn::VARCHAR, ende::VARCHAR, titel, traeger, "
                       "art, zeile, stand::VARCHAR, ist_demodaten FROM raw.massnahmen__massnahmen ORDER BY zeile"
                       ).fetchall()
    assert rows == [
        ("M1", "06432004", "gemeinde", "2018-03-01", None, "Demodaten: Familienzentrum Dieburg eröffnet",
         "Demo-Träger e. V.", "Familienzentrum", 3, "2026-11-30", True),
        ("M2", "SR3", "sozialraum", "2019-09-01", "2021-08-31", "Demodaten: Quartiersprojekt", "Kreis",
         "Quartiersprojekt", 4, "2026-11-30", True),
        ("M3", "06432001001", "ortsteil", "2020-01-15", "2020-12-31",
         "Demodaten: Beratung <script>alert(1)</script>", None, "Beratungsangebot", 5, "2026-11-30", True),
        ("M4", "06432", "kreis", "2017-05-01", None, "Demodaten: Kreisweites Bildungsangebot", "Volkshochschule",
         "Bildungsangebot", 6, "2026-11-30", True),
    ]
    assert con.execute("SELECT berichtszeitraum FROM raw.massnahmen__lieferungen").fetchall() == [("2026-11-30",)]


@pytest.mark.parametrize("row, line, column, expected", [
    ("M9;06499001;2018-01-01;;Titel;Träger;Sonstiges", 7, 2, "gebiet_id: unbekanntes Gebiet"),
    ("M9;SR9;2018-01-01;;Titel;Träger;Sonstiges", 7, 2, "gebiet_id: unbekanntes Gebiet"),
    ("M9;06432001;2019-01-01;2018-12-31;Titel;Träger;Sonstiges", 7, 4, "ende liegt vor beginn"),
    ("M9;06432001;2019-02-30;;Titel;Träger;Sonstiges", 7, 3, "beginn: erwartet ein Datum"),
    ("M9;06432001;bald;;Titel;Träger;Sonstiges", 7, 3, "beginn: erwartet ein Datum"),
    ("M9;06432001;2019-01-01;irgendwann;Titel;Träger;Sonstiges", 7, 4, "ende: erwartet ein Datum"),
    ("M9;06432001;2019-01-01;;Titel;Träger;Kunstprojekt", 7, 7, "art: erwartet eine von Familienzentrum"),
    ("M9;06432001;2019-01-01;;  ;Träger;Sonstiges", 7, 5, "titel: erwartet einen Titel (nicht leer)"),
    ("M9;06432001;2019-01-01;;" + "x" * 201 + ";Träger;Sonstiges", 7, 5, "titel: erwartet höchstens 200 Zeichen"),
    (";06432001;2019-01-01;;Titel;Träger;Sonstiges", 7, 1, "massnahme_id: erwartet eine Kennung"),
    ("M1;06432001;2019-01-01;;Titel;Träger;Sonstiges", 7, 1, "massnahme_id steht mehrfach"),
])
def test_bad_row_quarantines_the_file_and_keeps_the_published_list(paths, con, write, region, row, line, column,
                                                                   expected):
    write(paths.landing / "massnahmen" / "massnahmen_2026-10-31.csv", GOOD)
    assert not load_massnahmen(con, paths, region).quarantined
    write(paths.landing / "massnahmen" / "massnahmen_2026-11-30.csv", [*GOOD, row])
    (path, reason), = load_massnahmen(con, paths, region).quarantined
    assert reason.startswith(f"massnahmen_2026-11-30.csv, line {line}, column {column}: {expected}"), reason
    assert not path.exists() and (paths.landing / "_quarantine").is_dir()
    # nothing of the refused file is current, the list loaded before is
    assert con.execute("SELECT DISTINCT datei FROM aktuell.massnahmen__massnahmen WHERE sha256 NOT IN "
                       "(SELECT sha256 FROM raw.ingest__ausgeschlossen)").fetchall() == [("massnahmen_2026-10-31.csv",)]
    state = lieferstatus.current(con, "massnahmen")
    assert sorted(s.status for s in state.values()) == ["angenommen", "quarantaene"]


def test_file_name_without_stand_and_wrong_header_are_refused(paths, con, write, region):
    write(paths.landing / "massnahmen" / "massnahmen.csv", GOOD)
    write(paths.landing / "massnahmen" / "massnahmen_2026-11-30.csv",
          ["massnahme_id;gebiet_id;beginn;titel;art", "M1;06432004;2018-03-01;Titel;Sonstiges"])
    reasons = sorted(r for _, r in load_massnahmen(con, paths, region).quarantined)
    assert reasons[0].startswith("massnahmen.csv: file name without its Stand"), reasons
    assert reasons[1].startswith("massnahmen_2026-11-30.csv, line 1: missing required column(s) ende, traeger"), reasons


def test_newest_stand_replaces_the_older_list(paths, con, write, region):
    write(paths.landing / "massnahmen" / "massnahmen_2026-10-31.csv", GOOD)
    load_massnahmen(con, paths, region)
    write(paths.landing / "massnahmen" / "massnahmen_2026-11-30.csv", [HEADER, GOOD[2]])
    assert not load_massnahmen(con, paths, region).quarantined
    assert con.execute("SELECT massnahme_id, datei FROM aktuell.massnahmen__massnahmen").fetchall() == [
        ("M1", "massnahmen_2026-11-30.csv")]
    # an older Stand delivered later does not become current
    write(paths.landing / "massnahmen" / "massnahmen_2026-09-30.csv", GOOD)
    assert not load_massnahmen(con, paths, region).quarantined
    assert con.execute("SELECT DISTINCT datei FROM aktuell.massnahmen__massnahmen").fetchall() == [
        ("massnahmen_2026-11-30.csv",)]


def test_same_stand_twice_is_a_conflict(paths, con, write, region):
    write(paths.landing / "massnahmen" / "massnahmen_2026-11-30.csv", GOOD)
    load_massnahmen(con, paths, region)
    write(paths.landing / "massnahmen" / "massnahmen_20261130.csv", [HEADER, GOOD[2]])
    (_, reason), = load_massnahmen(con, paths, region).quarantined
    assert "Konflikt" in reason and "Stand 2026-11-30" in reason
