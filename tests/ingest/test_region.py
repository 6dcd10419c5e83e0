"""Region profile: region.yml, master data, Sozialräume, Gemeinde geometries (bundled Darmstadt-Dieburg profile)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.delivery import DeliveryError
from orchestration.ingest.region import Region, RegionError, load_region

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"
DEUTSCHLAND = REPO_ROOT / "benchmarks" / "regions" / "deutschland"
PERIODEN = "ags,sozialraum_id,sozialraum_name,gueltig_ab,gueltig_bis\n"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def profile(tmp_path: Path, yml: str = 'ags: "06432"\nname: "Testkreis"\n', **files: str) -> Path:
    """A profile folder with region.yml and the given files (name with '.' written as '_dot_' in kwargs)."""
    folder = tmp_path / "profil"
    folder.mkdir(exist_ok=True)
    (folder / "region.yml").write_text(yml, encoding="utf-8")
    for name, text in files.items():
        (folder / name.replace("_dot_", ".")).write_text(text, encoding="utf-8")
    return folder


# --- region.yml ----------------------------------------------------------------------------------------------

def test_bundled_and_germany_profiles_load():
    region = Region.load(BUNDLED)
    assert (region.ags_prefix, region.name, region.path) == ("06432", "Landkreis Darmstadt-Dieburg", BUNDLED)
    assert Region.load(BUNDLED / "region.yml") == region
    germany = Region.load(DEUTSCHLAND)
    assert (germany.ags_prefix, germany.name) == ("", "Deutschland")


@pytest.mark.parametrize("yml, ags", [('ags: "DG"\nname: Deutschland\n', ""), ('ags: "06"\nname: Hessen\n', "06"),
                                      ('ags: ""\nname: Deutschland\n', "")])
def test_all_of_germany_and_land_prefixes(tmp_path, yml, ags):
    assert Region.load(profile(tmp_path, yml)).ags_prefix == ags


@pytest.mark.parametrize("yml, expected", [
    ('name: "Ohne AGS"\n', "key 'ags' is missing"),
    ('ags: 6432\nname: "Zahl"\n', "'ags' must be quoted text"),
    ('ags: "6432"\nname: "Vierstellig"\n', "is not a Land (2 digits)"),
    ('ags: "06432"\n', "key 'name' is missing"),
    ('ags: "06432"\nname: [\n', "not valid YAML"),
])
def test_invalid_region_yml_names_the_file(tmp_path, yml, expected):
    folder = profile(tmp_path, yml)
    with pytest.raises(RegionError) as error:
        Region.load(folder)
    assert str(folder / "region.yml") in str(error.value) and expected in str(error.value)


def test_missing_region_yml(tmp_path):
    with pytest.raises(RegionError, match="region profile not found"):
        Region.load(tmp_path)


# --- load_region ---------------------------------------------------------------------------------------------

def test_bundled_profile_loads_all_tables(con):
    result = load_region(con, Region.load(BUNDLED))
    assert result.rows == {"raw.region__profil": 1, "raw.region__gemeinden": 23, "raw.region__sozialraeume": 23,
                           "raw.region__ortsteile": 57, "raw.region__geometrien": 23}
    assert con.execute("SELECT region_ags, region_name, datei FROM raw.region__profil").fetchall() == [
        ("06432", "Landkreis Darmstadt-Dieburg", "region.yml")]
    griesheim = con.execute("""SELECT gemeinde_name, flaeche_km2, laengengrad, breitengrad, datei
                               FROM raw.region__gemeinden WHERE ags = '06432008'""").fetchone()
    with open(BUNDLED / "gemeinden_stammdaten.csv", encoding="utf-8", newline="") as handle:
        source = next(r for r in csv.DictReader(handle) if r["ags"] == "06432008")
    assert griesheim == (source["name_gv"], float(source["flaeche_km2_2023"]), float(source["laengengrad"]),
                         float(source["breitengrad"]), "gemeinden_stammdaten.csv")
    total_area = con.execute("SELECT round(sum(flaeche_km2), 1) FROM raw.region__gemeinden").fetchone()[0]
    assert total_area == 658.6  # Destatis: Landkreis Darmstadt-Dieburg 658.6 km² (31.12.2023)
    assert con.execute("SELECT count(DISTINCT sozialraum_id) FROM raw.region__sozialraeume").fetchone()[0] >= 2
    # every Gemeinde of the master data has a Sozialraum and a geometry
    assert con.execute("""SELECT count(*) FROM raw.region__gemeinden g JOIN raw.region__sozialraeume s USING (ags)
                          JOIN raw.region__geometrien USING (ags)""").fetchone()[0] == 23
    geo = json.loads(con.execute("SELECT geojson FROM raw.region__geometrien WHERE ags = '06432008'").fetchone()[0])
    lon, lat = geo["coordinates"][0][0]
    assert geo["type"] == "Polygon" and 8.4 < lon < 8.7 and 49.8 < lat < 49.9


def test_multipolygons_are_exploded_into_numbered_parts(tmp_path, con):
    source = json.loads((BUNDLED / "gemeinden.geojson").read_text(encoding="utf-8"))
    features = source["features"]
    # Gemeinde 06432001 gets a second part: the polygon of its neighbour 06432003 (whose feature is removed)
    first = next(f for f in features if f["properties"]["AGS"] == "06432001")
    other = next(f for f in features if f["properties"]["AGS"] == "06432003")
    first["geometry"] = {"type": "MultiPolygon",
                         "coordinates": [first["geometry"]["coordinates"], other["geometry"]["coordinates"]]}
    source["features"] = [f for f in features if f is not other]
    folder = profile(tmp_path, gemeinden_dot_geojson=json.dumps(source))
    load_region(con, Region.load(folder))
    rows = con.execute("""SELECT ags, teil, geojson FROM raw.region__geometrien WHERE ags = '06432001'
                          ORDER BY teil""").fetchall()
    assert [(a, t) for a, t, _ in rows] == [("06432001", 1), ("06432001", 2)]
    parts = [json.loads(g) for _, _, g in rows]
    assert all(p["type"] == "Polygon" for p in parts)
    assert parts[1]["coordinates"][0][0] == pytest.approx(other["geometry"]["coordinates"][0][0])
    assert con.execute("SELECT count(*), count(DISTINCT ags) FROM raw.region__geometrien").fetchone() == (23, 22)


@pytest.mark.parametrize("text, line, expected", [
    ("ags,sozialraum_id,sozialraum_name\n06432001,SR1,Nord\n6432002,SR1,Nord\n", 3, "is not an 8-digit"),
    ("ags,sozialraum_id,sozialraum_name\n06432001,SR1,Nord\n06432002,SR2,Süd\n06432001,SR2,Süd\n", 4,
     "appears twice (first in line 2)"),
    ("ags,sozialraum_id,sozialraum_name\n06432001,SR1,Nord\n\n06411000,SR2,Darmstadt\n", 4, "outside the region"),
    ("ags,sozialraum_id,sozialraum_name\n06432001,,Nord\n", 2, "sozialraum_id is empty"),
    # periods of a re-cut
    (f"{PERIODEN}06432001,SR1,Nord,,2018\n06432001,SR2,Süd,2018,\n", 3, "overlapping periods (line 2 and this line)"),
    (f"{PERIODEN}06432001,SR1,Nord,2015,\n06432001,SR2,Süd,,\n", 3, "overlapping periods"),
    (f"{PERIODEN}06432001,SR1,Nord,,18\n", 2, "gueltig_bis '18' is not a year"),
    (f"{PERIODEN}06432001,SR1,Nord,2019,2017\n", 2, "gueltig_bis 2017 is before gueltig_ab 2019"),
    ("ags,sozialraum_id,sozialraum_name,gueltig_ab\n06432001,SR1,Nord,2019\n", 1, "optionally followed by ortsteil_schluessel and/or gueltig_ab,gueltig_bis"),
])
def test_bad_sozialraeume_name_file_and_line(tmp_path, con, text, line, expected):
    folder = profile(tmp_path, sozialraeume_dot_csv=text)
    with pytest.raises(DeliveryError) as error:
        load_region(con, Region.load(folder))
    assert error.value.file.name == "sozialraeume.csv" and error.value.line == line
    assert expected in str(error.value) and str(error.value).startswith(f"sozialraeume.csv, line {line}")


# --- ortsteile.csv ---------------------------------------------------------------------------------------------

OT = "ags,ortsteil_schluessel,ortsteil_name\n"


def test_bundled_ortsteile_belong_to_gemeinden_of_the_profile(con):
    load_region(con, Region.load(BUNDLED))
    rows = con.execute("""SELECT o.ags, count(*) FROM raw.region__ortsteile o JOIN raw.region__gemeinden g USING (ags)
                          GROUP BY o.ags""").fetchall()
    per_gemeinde = dict(rows)
    assert len(per_gemeinde) == 13 and sum(per_gemeinde.values()) == 57
    assert per_gemeinde["06432018"] == 4 and per_gemeinde["06432023"] == 5  # Pfungstadt, Weiterstadt
    assert "06432008" not in per_gemeinde  # Griesheim: no Ortsteile besides the town itself
    assert con.execute("SELECT ortsteil_name FROM raw.region__ortsteile WHERE ags = '06432018' "
                       "AND ortsteil_schluessel = '002'").fetchone() == ("Eschollbrücken",)


@pytest.mark.parametrize("text, line, column, expected", [
    ("ags,ortsteil,name\n06432018,001,Pfungstadt\n", 1, None, "expected the header ags,ortsteil_schluessel,ortsteil_name"),
    (f"{OT}06432018,001,Kernstadt\n06432018,1,Eich\n", 3, "ortsteil_schluessel", "'1' is not a 3-digit key"),
    (f"{OT}06432018,001,Kernstadt\n06432018,002,\n", 3, "ortsteil_name", "ortsteil_name is empty"),
    (f"{OT}06432018,001,Kernstadt\n06432023,001,Kernstadt\n06432018,001,Eich\n", 4, "ortsteil_schluessel",
     "Ortsteil 001 of Gemeinde 06432018 appears twice (first in line 2)"),
    (f"{OT}06411000,001,Bessungen\n", 2, "ags", "outside the region"),
])
def test_bad_ortsteile_name_file_line_and_column(tmp_path, con, text, line, column, expected):
    folder = profile(tmp_path, ortsteile_dot_csv=text)
    with pytest.raises(DeliveryError) as error:
        load_region(con, Region.load(folder))
    assert error.value.file.name == "ortsteile.csv" and error.value.line == line
    assert str(error.value).startswith(f"ortsteile.csv, line {line}")
    if column:
        assert f"column {column}" in str(error.value)
    assert expected in str(error.value)


def test_sozialraeume_with_periods_load_once_per_period(tmp_path, con):
    """A re-cut: one Gemeinde moves from SR1 to SR2 in 2019, another joins SR1 in 2017; open ends are NULL."""
    folder = profile(tmp_path, sozialraeume_dot_csv=(
        f"{PERIODEN}06432001,SR1,Nord,,2018\n06432001,SR2,Süd,2019,\n06432002,SR1,Nord,2017,\n"))
    load_region(con, Region.load(folder))
    assert con.execute("SELECT ags, sozialraum_id, gueltig_ab, gueltig_bis FROM raw.region__sozialraeume "
                       "ORDER BY ags, gueltig_ab NULLS FIRST").fetchall() == [
        ("06432001", "SR1", None, 2018), ("06432001", "SR2", 2019, None), ("06432002", "SR1", 2017, None)]


# --- Sozialräume cut from Ortsteile ------------------------------------------------------------------------------

SR_OT = "ags,sozialraum_id,sozialraum_name,ortsteil_schluessel,gueltig_ab,gueltig_bis\n"
# Alsbach-Hähnlein (06432001) has the Ortsteile 001 Alsbach, 002 Hähnlein, 003 Sandwiese
ALSBACH_ALT = "06432001,SR2,Süd,,,2018\n"  # whole Gemeinde up to 2018
ALSBACH_GETEILT = "06432001,SR1,Nord,001,2019,\n06432001,SR2,Süd,002,2019,\n06432001,SR2,Süd,003,2019,\n"


def test_a_gemeinde_split_across_sozialraeume_by_ortsteile_loads(tmp_path, con):
    """From 2019 Alsbach-Hähnlein is split: Ortsteil Alsbach to SR1, the others to SR2; before, whole in SR2."""
    folder = profile(tmp_path, sozialraeume_dot_csv=SR_OT + ALSBACH_ALT + ALSBACH_GETEILT,
                     ortsteile_dot_csv=(BUNDLED / "ortsteile.csv").read_text(encoding="utf-8"))
    load_region(con, Region.load(folder))
    assert con.execute("SELECT ags, ortsteil_schluessel, sozialraum_id, gueltig_ab, gueltig_bis "
                       "FROM raw.region__sozialraeume ORDER BY gueltig_ab NULLS FIRST, ortsteil_schluessel"
                       ).fetchall() == [("06432001", None, "SR2", None, 2018), ("06432001", "001", "SR1", 2019, None),
                                        ("06432001", "002", "SR2", 2019, None), ("06432001", "003", "SR2", 2019, None)]


def test_ortsteil_column_without_periods_loads(tmp_path, con):
    folder = profile(tmp_path, sozialraeume_dot_csv=(
        "ags,sozialraum_id,sozialraum_name,ortsteil_schluessel\n06432001,SR1,Nord,001\n06432001,SR2,Süd,002\n"
        "06432001,SR2,Süd,003\n06432002,SR2,Süd,\n"),
        ortsteile_dot_csv=(BUNDLED / "ortsteile.csv").read_text(encoding="utf-8"))
    load_region(con, Region.load(folder))
    assert con.execute("SELECT count(*), count(ortsteil_schluessel), count(gueltig_ab) FROM raw.region__sozialraeume"
                       ).fetchone() == (4, 3, 0)


@pytest.mark.parametrize("text, line, column, expected", [
    # whole and by Ortsteile in overlapping periods
    (SR_OT + "06432001,SR2,Süd,,,2019\n" + ALSBACH_GETEILT, 3, "ortsteil_schluessel",
     "Gemeinde 06432001 is assigned both whole and by Ortsteile in overlapping periods (line 2 and this line)"),
    (SR_OT + ALSBACH_GETEILT + "06432001,SR3,Ost,,2020,\n", 5, "ortsteil_schluessel", "both whole and by Ortsteile"),
    # the same Ortsteil twice in a year
    (SR_OT + ALSBACH_ALT + ALSBACH_GETEILT + "06432001,SR3,Ost,003,2021,\n", 6, "gueltig_ab",
     "Ortsteil 003 of Gemeinde 06432001 has overlapping periods (line 5 and this line)"),
    # a key not in ortsteile.csv (Griesheim has no Ortsteile; Alsbach-Hähnlein has no 004)
    (SR_OT + ALSBACH_ALT + ALSBACH_GETEILT + "06432001,SR2,Süd,004,2019,\n", 6, "ortsteil_schluessel",
     "Ortsteil '004' of Gemeinde 06432001 is not in ortsteile.csv"),
    (SR_OT + "06432008,SR1,Nord,001,,\n", 2, "ortsteil_schluessel", "Ortsteil '001' of Gemeinde 06432008 is not in"),
    # a split Gemeinde with an Ortsteil missing: from the start, and in a later year only
    (SR_OT + ALSBACH_ALT + "06432001,SR1,Nord,001,2019,\n06432001,SR2,Süd,002,2019,\n", 3, "ortsteil_schluessel",
     "Gemeinde 06432001 is split into Ortsteile in 2019, but Ortsteil 003 Sandwiese is not assigned then"),
    (SR_OT + ALSBACH_ALT + "06432001,SR1,Nord,001,2019,\n06432001,SR2,Süd,002,2019,\n06432001,SR2,Süd,003,2019,2020\n",
     3, "ortsteil_schluessel", "split into Ortsteile in 2021, but Ortsteil 003 Sandwiese is not assigned"),
    (SR_OT + "06432001,SR1,Nord,001,,\n", 2, "ortsteil_schluessel",
     "split into Ortsteile before the first gueltig_ab, but Ortsteil 002 Hähnlein, 003 Sandwiese is not assigned"),
])
def test_bad_ortsteil_cut_names_file_line_and_column(tmp_path, con, text, line, column, expected):
    folder = profile(tmp_path, sozialraeume_dot_csv=text,
                     ortsteile_dot_csv=(BUNDLED / "ortsteile.csv").read_text(encoding="utf-8"))
    with pytest.raises(DeliveryError) as error:
        load_region(con, Region.load(folder))
    assert error.value.file.name == "sozialraeume.csv" and error.value.line == line
    assert str(error.value).startswith(f"sozialraeume.csv, line {line}") and f"column {column}" in str(error.value)
    assert expected in str(error.value)


def test_a_working_database_from_before_periods_gets_the_columns(tmp_path, con):
    con.execute("CREATE SCHEMA raw")
    con.execute("""CREATE TABLE raw.region__sozialraeume (ags VARCHAR NOT NULL, sozialraum_id VARCHAR NOT NULL,
        sozialraum_name VARCHAR, datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL)""")
    load_region(con, Region.load(BUNDLED))
    assert con.execute("SELECT count(*), count(gueltig_ab), count(gueltig_bis), count(ortsteil_schluessel) "
                       "FROM raw.region__sozialraeume").fetchone() == (23, 0, 0, 0)


def test_geometry_must_be_wgs84_and_inside_the_region(tmp_path, con):
    source = json.loads((BUNDLED / "gemeinden.geojson").read_text(encoding="utf-8"))
    projected = json.loads(json.dumps(source))
    ring = projected["features"][0]["geometry"]["coordinates"][0]
    projected["features"][0]["geometry"]["coordinates"][0] = [[x * 1e5, y * 1e5] for x, y in ring]
    with pytest.raises(DeliveryError, match="not WGS84"):
        load_region(con, Region.load(profile(tmp_path, gemeinden_dot_geojson=json.dumps(projected))))
    with pytest.raises(DeliveryError, match="outside the region"):
        load_region(con, Region.load(profile(tmp_path, 'ags: "06411"\nname: Darmstadt\n',
                                             gemeinden_dot_geojson=json.dumps(source))))


def test_tables_are_replaced_on_every_load_and_a_failed_load_keeps_the_old_ones(tmp_path, con):
    load_region(con, Region.load(BUNDLED))
    load_region(con, Region.load(BUNDLED))
    assert con.execute("SELECT count(*) FROM raw.region__sozialraeume").fetchone()[0] == 23
    assert con.execute("SELECT count(*) FROM raw.region__profil").fetchone()[0] == 1

    bad = profile(tmp_path, sozialraeume_dot_csv="ags,sozialraum_id,sozialraum_name\n064320011,SR1,Nord\n")
    with pytest.raises(DeliveryError):
        load_region(con, Region.load(bad))
    assert con.execute("SELECT count(*) FROM raw.region__gemeinden").fetchone()[0] == 23  # rolled back

    minimal = tmp_path / "minimal"
    minimal.mkdir()
    shutil.copyfile(DEUTSCHLAND / "region.yml", minimal / "region.yml")
    result = load_region(con, Region.load(minimal))
    assert result.rows == {"raw.region__profil": 1, "raw.region__gemeinden": 0, "raw.region__sozialraeume": 0,
                           "raw.region__ortsteile": 0, "raw.region__geometrien": 0}
    assert con.execute("SELECT region_ags, region_name FROM raw.region__profil").fetchall() == [("", "Deutschland")]
    for table in ("region__gemeinden", "region__sozialraeume", "region__ortsteile", "region__geometrien"):
        assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == 0
