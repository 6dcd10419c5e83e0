"""Melderegister extracts with addresses (`strasse;hausnummer`) are assigned to Ortsteile at ingest through the
region profile's strassenverzeichnis.csv: normalised street names, house-number ranges and sides, letter
suffixes; unknown addresses up to 1 % are loaded without Ortsteil and named, above 1 % the file is refused
naming file, line and column; no street name or house number reaches any table of the warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.ingest.delivery import DeliveryError
from orchestration.ingest.melderegister import load_melderegister
from orchestration.ingest.region import Region, load_region

BUNDLED = Path(__file__).resolve().parents[2] / "seeds" / "regions" / "darmstadt-dieburg"
HEADER = "stichtag;ags;strasse;hausnummer;geschlecht;alter;anzahl"
VERZEICHNIS = [
    "ags,strasse,hausnummer_von,hausnummer_bis,seite,ortsteil_schluessel",
    "06432018,Hauptstraße,1,49,alle,001",
    "06432018,Hauptstraße,50,199,,002",
    "06432018,Ernst-Ludwig-Straße,,,gerade,003",
    "06432018,Ernst-Ludwig-Straße,,,ungerade,004",
    "06432018,Am Eicher Weg,,,,003",
]
# delivered spelling, house number -> expected Ortsteil (Pfungstadt: 001 Kernstadt … 004 Hahn)
ADRESSEN = {
    ("HAUPTSTR.", "12a"): "001",
    ("Hauptstrasse", "50"): "002",
    ("Ernst Ludwig Str", "8"): "003",
    ("ernst-ludwig-straße", "7 b"): "004",
    ("Am Eicher  Weg", ""): "003",  # no number: the street has one Ortsteil
}
STREET_WORDS = ("haupt", "ludwig", "eicher", "gibtsnicht")


def make_region(tmp_path: Path, verzeichnis: list[str] | None = VERZEICHNIS) -> Region:
    folder = tmp_path / "profil"
    folder.mkdir()
    for name in ("region.yml", "ortsteile.csv"):
        shutil.copy(BUNDLED / name, folder / name)
    if verzeichnis is not None:
        (folder / "strassenverzeichnis.csv").write_text("\n".join(verzeichnis) + "\n", encoding="utf-8")
    return Region.load(folder)


@pytest.fixture
def region(tmp_path, con):
    profile = make_region(tmp_path)
    load_region(con, profile)
    return profile


def lines(stichtag: str = "31.12.2016", extra: list[tuple[str, str]] = ()) -> list[str]:
    addresses = [*ADRESSEN, *extra]
    return [f"{stichtag};06432018;{street};{number};{sex};{age};{age % 7 + 1}"
            for street, number in addresses for sex in "mw" for age in range(101)]


def anzahl(line: str) -> int:
    return int(line.rsplit(";", 1)[1])


def test_addresses_are_assigned_to_their_ortsteil_and_summed(paths, con, write, region):
    data = lines()
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    assert not result.quarantined and result.rejected == 0 and not result.hints
    got = dict(con.execute("SELECT ortsteil, sum(anzahl) FROM raw.melderegister__einwohner GROUP BY ortsteil"
                           ).fetchall())
    expected: dict[str, int] = {}
    for (street, number), key in ADRESSEN.items():
        expected[key] = expected.get(key, 0) + sum(anzahl(x) for x in data if f";{street};{number};" in x)
    assert got == expected and sum(got.values()) == sum(anzahl(x) for x in data)
    # one raw row per Ortsteil × sex × age: two addresses of Eich are summed
    assert con.execute("SELECT count(*), count(DISTINCT (ortsteil, geschlecht, alter)) "
                       "FROM raw.melderegister__einwohner").fetchone() == (4 * 2 * 101, 4 * 2 * 101)


def test_few_unknown_addresses_are_loaded_without_ortsteil_and_named(paths, con, write, region):
    data = lines()
    data.insert(10, "31.12.2016;06432018;Gibtsnichtweg;3;d;40;5")  # line 12 of the file
    data.insert(20, "31.12.2016;06432018;Hauptstraße;500;d;41;6")  # number outside every range
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    assert not result.quarantined
    hint, = result.hints
    assert "melderegister_20161231.csv: 2 von 1012 Zeilen (0.20%, 11 Einwohner)" in hint
    assert "zuerst Zeile 12, Spalte 3 (strasse)" in hint and "06432018" in hint
    assert con.execute("SELECT sum(anzahl) FROM raw.melderegister__einwohner WHERE ortsteil IS NULL"
                       ).fetchone() == (11,)
    # the Gemeinde total stays complete
    assert con.execute("SELECT sum(anzahl) FROM raw.melderegister__einwohner").fetchone() == (
        sum(anzahl(x) for x in data),)


@pytest.mark.parametrize("street, number, column", [
    ("Gibtsnichtweg", "3", "column 3 (strasse)"),
    ("Hauptstraße", "500", "column 4 (hausnummer)"),
])
def test_many_unknown_addresses_refuse_the_file_and_keep_earlier_data(paths, con, write, region, street, number,
                                                                      column):
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines()])
    assert not load_melderegister(con, paths, region).quarantined
    before = con.execute("SELECT count(*), sum(anzahl) FROM raw.melderegister__einwohner").fetchone()
    data = lines("31.12.2017")
    data[30:30] = [f"31.12.2017;06432018;{street};{number};d;{age};1" for age in range(20)]  # 20 of 1030 = 1.9 %
    write(paths.landing / "melderegister" / "melderegister_20171231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    (path, reason), = result.quarantined
    assert path.name == "melderegister_20171231.csv"
    assert reason.startswith(f"melderegister_20171231.csv, line 32, {column}: 20 von 1030 Zeilen (1.94%)"), reason
    assert "strassenverzeichnis.csv" in reason
    assert con.execute("SELECT count(*), sum(anzahl) FROM raw.melderegister__einwohner").fetchone() == before
    # the refused file is moved unchanged (with its addresses) to the landing's quarantine folder
    moved, = (paths.landing / "_quarantine" / "melderegister").glob("*_melderegister_20171231.csv")
    assert "Gibtsnichtweg" in moved.read_text(encoding="utf-8") or "500" in moved.read_text(encoding="utf-8")


def test_no_address_reaches_any_table(paths, con, write, region):
    data = lines(extra=[("Gibtsnichtweg", "1")])[:-200]  # a few unknown rows (< 1 %)
    data.insert(5, "31.12.2016;06432018;Hauptstraße;3;x;40;5")  # rejected row (sex)
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    assert not result.quarantined and result.rejected == 1 and result.hints
    assert con.execute("SELECT count(*) FROM raw.melderegister__rejects").fetchone() == (1,)
    tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
    assert len(tables) > 5
    for schema, table in tables:
        columns = [row[0] for row in con.execute(f'DESCRIBE "{schema}"."{table}"').fetchall()]
        assert not [col for col in columns if "strasse" in col or "hausnummer" in col], (schema, table)
        for col in columns:
            found = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE '
                + " OR ".join(f"contains(lower(\"{col}\"::VARCHAR), '{word}')" for word in STREET_WORDS)
            ).fetchone()[0]
            assert found == 0, (schema, table, col)


def test_gemeinden_without_ortsteile_load_without_ortsteil(paths, con, write, region):
    data = lines()
    griesheim = [f"31.12.2016;06432008;Irgendeine Gasse;{n};m;{n};2" for n in range(1, 101)]  # no Ortsteile
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data, *griesheim])
    result = load_melderegister(con, paths, region)
    assert not result.quarantined and not result.hints
    assert con.execute("SELECT count(*), sum(anzahl) FROM raw.melderegister__einwohner WHERE ags = '06432008' "
                       "AND ortsteil IS NULL").fetchone() == (100, 200)
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner WHERE ags = '06432018' "
                       "AND ortsteil IS NULL").fetchone() == (0,)


def test_address_extract_without_verzeichnis_is_refused(tmp_path, paths, con, write):
    profile = make_region(tmp_path, verzeichnis=None)
    load_region(con, profile)
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines()])
    (path, reason), = load_melderegister(con, paths, profile).quarantined
    assert reason.startswith("melderegister_20161231.csv, line 1, column 3 (strasse): "), reason
    assert "no strassenverzeichnis.csv" in reason


@pytest.mark.parametrize("bad_line, expected", [
    ("06432018,Hauptstraße,40,60,alle,002", "line 7, column hausnummer_von: the house number range overlaps line 2"),
    ("06432018,Ernst-Ludwig-Str.,10,12,alle,001", "line 7, column hausnummer_von: the house number range overlaps "
                                                  "line 4"),
    ("06432018,Neue Straße,1,9,alle,009", "line 7, column ortsteil_schluessel: ortsteil_schluessel '009' is not an "
                                          "Ortsteil"),
    ("06432008,Neue Straße,1,9,alle,001", "line 7, column ortsteil_schluessel"),  # Griesheim has no Ortsteile
    ("06432018,Neue Straße,1a,9,alle,001", "line 7, column hausnummer_von: hausnummer_von '1a' is not a whole"),
    ("06432018,Neue Straße,1,neun,alle,001", "line 7, column hausnummer_bis: hausnummer_bis 'neun'"),
    ("06432018,Neue Straße,9,1,alle,001", "line 7, column hausnummer_von: hausnummer_von '9' is greater"),
    ("06432018,Neue Straße,1,9,links,001", "line 7, column seite: seite 'links'"),
    ("06432018,,1,9,alle,001", "line 7, column strasse: strasse None is empty"),
    ("6432018,Neue Straße,1,9,alle,001", "line 7, column ags: AGS '6432018' is not an 8-digit"),
])
def test_bad_verzeichnis_line_stops_the_region_load(tmp_path, con, bad_line, expected):
    profile = make_region(tmp_path, [*VERZEICHNIS, bad_line])
    with pytest.raises(DeliveryError) as error:
        load_region(con, profile)
    assert str(error.value).startswith(f"strassenverzeichnis.csv, {expected}"), str(error.value)


def test_sides_split_one_street_without_overlap(tmp_path, con):
    profile = make_region(tmp_path, [*VERZEICHNIS, "06432018,Lange Gasse,1,99,gerade,001",
                                     "06432018,Lange Gasse,1,99,ungerade,002"])
    assert load_region(con, profile).rows["raw.region__ortsteile"] > 0


def test_the_unknown_address_limit_is_the_runs_reject_share_setting(paths, con, write, region):
    """The 1 % is the setting max_reject_share (Options of the run), not a constant of its own."""
    from orchestration.ingest.runner import Options

    data = lines(extra=[("Gibtsnichtweg", "1")])[:-200]  # a few unknown rows: under the default 1 %
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    (path, reason), = load_melderegister(con, paths, region, options=Options(max_reject_share=0.0)).quarantined
    assert "mehr als die erlaubten 0% (SOZIALMONITOR_MAX_REJECT_SHARE)" in reason, reason
