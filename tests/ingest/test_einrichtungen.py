"""The facility register (orchestration/ingest/einrichtungen.py) on real files and the bundled region profile
(its real Gemeinde polygons, DuckDB spatial): typed rows without the address columns, and each bad input
refused as a whole file (quarantine) with file, line and column — the published register stays."""

from __future__ import annotations

import pytest

from orchestration import privacy
from orchestration.ingest.einrichtungen import load_einrichtungen
from orchestration.ingest.region import Region, load_region
from orchestration.settings import DEFAULT_REGION

HEADER = "einrichtung_id;art;name;traeger;strasse;hausnummer;ags;lon;lat;kapazitaet;gueltig_ab;gueltig_bis"
# points inside the real polygons of Alsbach-Hähnlein (06432001) and Babenhausen (06432002)
ALSBACH = "8.5953;49.74195"
BABENHAUSEN = "8.9453;49.95912"
GOOD = [
    f"K1;Kita;Kita Sonnenschein;Gemeinde;Hauptstraße;1;06432001;{ALSBACH};75;01.08.2010;",
    f"F1;Familienzentrum;Familienzentrum Mitte;Diakonie;Bahnhofstraße;5;06432002;{BABENHAUSEN};;2018-01-01;31.12.2030",
]
REGION = Region.load(DEFAULT_REGION)


@pytest.fixture
def region_con(con):
    load_region(con, REGION)
    return con


def _deliver(paths, write, lines: list[str], name: str = "einrichtungen_2024.csv"):
    return write(paths.landing / "einrichtungen" / name, lines)


def test_register_loads_typed_rows_without_address_columns(paths, region_con, write):
    _deliver(paths, write, ["# DEMODATEN – synthetisch erzeugt", HEADER, *GOOD])
    result = load_einrichtungen(region_con, paths, REGION)
    assert not result.failed, result.quarantined
    assert result.rows["raw.einrichtungen__einrichtungen"] == 2
    rows = region_con.execute(
        "SELECT einrichtung_id, art, name, traeger, ags, lon, lat, kapazitaet, gueltig_ab::VARCHAR, "
        "gueltig_bis::VARCHAR, zeile, ist_demodaten FROM raw.einrichtungen__einrichtungen ORDER BY zeile").fetchall()
    assert rows == [
        ("K1", "Kita", "Kita Sonnenschein", "Gemeinde", "06432001", 8.5953, 49.74195, 75, "2010-08-01", None, 3, True),
        ("F1", "Familienzentrum", "Familienzentrum Mitte", "Diakonie", "06432002", 8.9453, 49.95912, None,
         "2018-01-01", "2030-12-31", 4, True),
    ]
    columns = [r[0] for r in region_con.execute("DESCRIBE raw.einrichtungen__einrichtungen").fetchall()]
    assert "strasse" not in columns and "hausnummer" not in columns
    assert privacy.is_personal("strasse") and privacy.is_personal("hausnummer")  # why they are not loaded
    assert privacy.forbidden(columns) == []


BAD = [
    pytest.param("X1;Kita;Kita Fern;Gemeinde;;;06432001;9.9;50.9;10;;", 2, "8 (lon)",
                 "liegen außerhalb der Region", id="outside-region"),
    pytest.param(f"X1;Kita;Kita Falsch;Gemeinde;;;06432001;{BABENHAUSEN};10;;", 2, "8 (lon)",
                 "liegen in der Gemeinde 06432002, nicht in der Gemeinde 06432001", id="wrong-gemeinde"),
    pytest.param(f"X1;Kindergarten;Kita X;Gemeinde;;;06432001;{ALSBACH};10;;", 2, "2 (art)",
                 "unbekannte Art 'Kindergarten'", id="unknown-type"),
    pytest.param(f"X1;Kita;Kita X;Gemeinde;;;06432001;{ALSBACH};-5;;", 2, "10 (kapazitaet)",
                 "kapazitaet '-5': erwartet eine ganze Zahl ≥ 0", id="negative-capacity"),
    pytest.param(f"X1;Kita;Kita X;Gemeinde;;;06432001;{ALSBACH};12,5;;", 2, "10 (kapazitaet)",
                 "kapazitaet '12,5': erwartet eine ganze Zahl ≥ 0", id="fractional-capacity"),
    pytest.param(f"X1;Kita;Kita X;Gemeinde;;;06432001;{ALSBACH};12;01.01.2020;31.12.2019", 2, "11 (gueltig_ab)",
                 "gueltig_ab '01.01.2020' liegt nach gueltig_bis '31.12.2019'", id="from-after-to"),
    pytest.param(f"X1;Kita;Kita X;Gemeinde;;;05111000;{ALSBACH};12;;", 2, "7 (ags)",
                 "ags '05111000' liegt außerhalb der Region", id="ags-outside-region"),
]


@pytest.mark.parametrize(("line", "zeile", "spalte", "problem"), BAD)
def test_bad_register_is_quarantined_naming_file_line_and_column(paths, region_con, write, line, zeile, spalte,
                                                                 problem):
    _deliver(paths, write, [HEADER, *GOOD], "einrichtungen_2023.csv")
    assert not load_einrichtungen(region_con, paths, REGION).failed
    bad = _deliver(paths, write, [HEADER, line, *GOOD], "einrichtungen_2024.csv")
    result = load_einrichtungen(region_con, paths, REGION)
    assert result.failed and len(result.quarantined) == 1
    path, reason = result.quarantined[0]
    assert path == bad
    assert reason.startswith(f"einrichtungen_2024.csv, line {zeile}, column {spalte}: ")
    assert problem in reason
    assert not bad.exists()  # moved to quarantine
    assert list((paths.landing / "_quarantine").glob("einrichtungen/*_einrichtungen_2024.csv"))
    # the earlier register stays loaded and current; nothing of the bad file reached raw
    assert region_con.execute("SELECT DISTINCT datei FROM raw.einrichtungen__einrichtungen").fetchall() == [
        ("einrichtungen_2023.csv",)]
    assert region_con.execute("SELECT count(*) FROM aktuell.einrichtungen__einrichtungen").fetchone() == (2,)


def test_newer_register_replaces_the_older_as_current(paths, region_con, write):
    _deliver(paths, write, [HEADER, *GOOD], "einrichtungen_2023.csv")
    assert not load_einrichtungen(region_con, paths, REGION).failed
    _deliver(paths, write, [HEADER, GOOD[0]], "einrichtungen_2024.csv")
    result = load_einrichtungen(region_con, paths, REGION)
    assert not result.failed, result.quarantined
    assert region_con.execute("SELECT einrichtung_id, datei FROM aktuell.einrichtungen__einrichtungen").fetchall() == [
        ("K1", "einrichtungen_2024.csv")]
