"""Gebietsstand conversion keys: the shipped BBSR keys, newer keys delivered to LANDING/gebietsstand/,
hostile key files, and the region's choice of the target Gebietsstand."""

from __future__ import annotations

import gzip

import duckdb
import pytest

from orchestration.ingest import lieferstatus
from orchestration.ingest.gebietsstand import SHIPPED, load_gebietsstand, load_shipped
from orchestration.ingest.region import Region, RegionError

HEADER = "jahr,ags_alt,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,ags_2021"
GOOD = [HEADER,
        "2020,06432001,1.0,1.0,1.0,06432001",
        "2020,06432002,0.25,0.3,0.2,06432001",
        "2020,06432002,0.75,0.7,0.8,06432003",
        "2021,06432001,1,1,1,06432001"]


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def region(tmp_path, text='ags: "06432"\nname: "Testkreis"\n') -> Region:
    folder = tmp_path / "region"
    folder.mkdir(exist_ok=True)
    (folder / "region.yml").write_text(text, encoding="utf-8")
    return Region.load(folder)


def test_shipped_keys_load_once_with_known_rows(con):
    rows = load_shipped(con)
    assert rows == 253_281 + one(con, "SELECT count(*) FROM read_csv(?)",
                                 [str(SHIPPED / "bbsr_umstieg_kreise_2000_2020.csv")])[0]
    assert load_shipped(con) == 0  # by checksum: nothing twice
    assert sorted(con.execute("SELECT ebene, ziel_jahr, jahr_von, jahr_bis, ist_mitgeliefert "
                              "FROM raw.gebietsstand__lieferungen").fetchall()) == [
        ("gemeinde", 2020, 2000, 2020, True), ("kreis", 2020, 2000, 2020, True)]
    # Vorpommern-Greifswald: Gemeinde 13062001 of the former Kreis Uecker-Randow is 13075001 today
    assert one(con, "SELECT ags_ziel, anteil_bevoelkerung FROM raw.gebietsstand__schluessel "
                    "WHERE jahr = 2008 AND ags_alt = '13062001'") == ("13075001", 1.0)
    # Greiz: 16076091 was split between 16076022 (40 % of its residents) and 16076087
    split = con.execute("SELECT ags_ziel, round(anteil_bevoelkerung, 4) FROM raw.gebietsstand__schluessel "
                        "WHERE jahr = 2008 AND ags_alt = '16076091' ORDER BY 1").fetchall()
    assert split == [("16076022", 0.3999), ("16076087", 0.6001)]
    # Göttingen 2016: the former Kreis Osterode am Harz (03156) is part of 03159
    assert one(con, "SELECT ags_ziel FROM raw.gebietsstand__schluessel WHERE ebene = 'kreis' AND jahr = 2015 "
                    "AND ags_alt = '03156'") == ("03159",)
    # line numbers point into the file (header = line 1)
    assert one(con, "SELECT min(zeile) FROM raw.gebietsstand__schluessel WHERE ebene = 'gemeinde'")[0] == 2


def test_a_newer_key_is_delivered_csv_or_gzip_and_recorded(paths, con, write, tmp_path):
    write(paths.landing / "gebietsstand" / "umstieg_2021.csv", GOOD)
    kreise = ["jahr,kreis_alt,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,kreis_2021",
              "2020,06432,1.0,1.0,1.0,06432"]
    gz = paths.landing / "gebietsstand" / "kreise_2021.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join(kreise) + "\n").encode()))
    result = load_gebietsstand(con, paths, region(tmp_path))
    assert result.quarantined == []
    assert sorted(d.path.name for d in result.loaded) == ["kreise_2021.csv.gz", "umstieg_2021.csv"]
    assert sorted(con.execute("SELECT datei, ebene, ziel_jahr, zeilen, ist_mitgeliefert FROM raw.gebietsstand__lieferungen "
                              "WHERE NOT ist_mitgeliefert").fetchall()) == [
        ("kreise_2021.csv.gz", "kreis", 2021, 1, False), ("umstieg_2021.csv", "gemeinde", 2021, 4, False)]
    assert one(con, "SELECT zeile, anteil_beschaeftigte FROM raw.gebietsstand__schluessel WHERE datei = 'umstieg_2021.csv' "
                    "AND ags_alt = '06432002' AND ags_ziel = '06432003'") == (4, 0.8)
    states = {s.datei: s.status for s in lieferstatus.current(con, "gebietsstand").values()}
    assert states == {"kreise_2021.csv.gz": "angenommen", "umstieg_2021.csv": "angenommen"}
    # a second run loads nothing again
    again = load_gebietsstand(con, paths, region(tmp_path))
    assert again.loaded == [] and len(again.skipped) == 2


def _bad(lines: list[str], line: int, column: int, text: str):
    return lines, line, column, text


BAD = {
    "summe.csv": _bad([HEADER, "2020,06432001,0.9,1,1,06432001"], 2, 3, "add up to 0.9"),
    "doppelt.csv": _bad(GOOD + ["2020,06432002,0.25,0.3,0.2,06432001"], 6, 2, "appears twice (first in line 3)"),
    "text.csv": _bad([HEADER, "2020,06432001,eins,1,1,06432001"], 2, 3, "anteil_bevoelkerung = 'eins'"),
    "kurz.csv": _bad([HEADER, "2020,0643200,1,1,1,06432001"], 2, 2, "a key of 8 digits"),
    "kopf.csv": _bad(["jahr,gemeinde,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,ags_2021",
                      "2020,06432001,1,1,1,06432001"], 1, 2, "expected ags_alt"),
    "zukunft.csv": _bad([HEADER, "2022,06432001,1,1,1,06432001"], 2, 1, "not after the target year 2021"),
    "spalten.csv": _bad([HEADER, "2020,06432001,1,1,06432001"], 2, 6, "5 fields: expected 6"),
    "fremd.csv": _bad([HEADER, "2020,06432001,1,1,1,06432099"], 2, 6, "06432099 is not a Gemeinde of the region"),
    "leer.csv": _bad([], 1, None, "empty file"),
}


def test_hostile_key_files_are_quarantined_naming_line_and_column(paths, con, write, tmp_path):
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.region__gemeinden AS SELECT * FROM (VALUES ('06432001'), ('06432002'), "
                "('06432003')) t(ags)")
    folder = paths.landing / "gebietsstand"
    for name, (lines, *_rest) in BAD.items():
        if lines:
            write(folder / name, lines)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(b"")
    (folder / "kaputt.csv.gz").write_bytes(gzip.compress(("\n".join(GOOD) + "\n").encode())[:60])
    write(folder / "gut.csv", GOOD)
    result = load_gebietsstand(con, paths, region(tmp_path))

    assert [d.path.name for d in result.loaded] == ["gut.csv"]
    reasons = {p.name: r for p, r in result.quarantined}
    assert set(reasons) == set(BAD) | {"kaputt.csv.gz"}
    for name, (_, line, column, text) in BAD.items():
        where = f"{name}, line {line}" + (f", column {column}" if column else "")
        assert reasons[name].startswith(where) and text in reasons[name], (name, reasons[name])
        assert not (folder / name).exists() and list((paths.quarantine / "gebietsstand").glob(f"*_{name}"))
    assert "cannot be read as a Gebietsstand key" in reasons["kaputt.csv.gz"]
    # nothing of the refused files; the good file complete
    assert one(con, "SELECT count(DISTINCT datei) FROM raw.gebietsstand__schluessel WHERE NOT datei LIKE 'bbsr%'") == (1,)
    assert one(con, "SELECT count(*) FROM raw.gebietsstand__schluessel WHERE datei = 'gut.csv'") == (4,)


def test_bbsr_convention_for_split_uninhabited_areas_is_accepted(paths, con, write, tmp_path):
    """An uninhabited area split between two targets: population and employment share 1 on both parts,
    area shares 0.5 + 0.5 (as in the BBSR key, e.g. 2000/09172444)."""
    write(paths.landing / "gebietsstand" / "forst.csv",
          [HEADER, "2020,09172444,1,0.5,1,09172118", "2020,09172444,1,0.5,1,09172451"])
    result = load_gebietsstand(con, paths, region(tmp_path, 'ags: "09"\nname: "Bayern"\n'))
    assert result.quarantined == [] and [d.path.name for d in result.loaded] == ["forst.csv"]
    # ... but area shares that do not add up are refused even then
    write(paths.landing / "gebietsstand" / "forst_falsch.csv",
          [HEADER, "2020,09172444,1,0.5,1,09172118", "2020,09172444,1,0.7,1,09172451"])
    result = load_gebietsstand(con, paths, region(tmp_path, 'ags: "09"\nname: "Bayern"\n'))
    assert "forst_falsch.csv, line 2, column 4" in result.quarantined[0][1]


def test_the_shipped_shares_add_up_only_with_the_convention(con):
    """Without the convention 589 old areas of the shipped Gemeinde key would not add up: the rule is needed."""
    load_shipped(con)
    n = one(con, """SELECT count(*) FROM (SELECT jahr, ags_alt FROM raw.gebietsstand__schluessel WHERE ebene = 'gemeinde'
                   GROUP BY ALL HAVING abs(sum(anteil_bevoelkerung) - 1) > 0.001)""")[0]
    assert n == 589


def test_a_replacement_for_the_same_target_year_must_be_declared_a_correction(paths, con, write, tmp_path):
    same_year = [h.replace("ags_2021", "ags_2020") for h in GOOD[:4]]
    write(paths.landing / "gebietsstand" / "umstieg_2020.csv", same_year)
    result = load_gebietsstand(con, paths, region(tmp_path))
    assert result.loaded == [] and result.quarantined[0][0].name == "umstieg_2020.csv"
    assert "Konflikt" in result.quarantined[0][1] and "bbsr_umstieg_gemeinden_2000_2020_korrektur.csv.gz" in \
        result.quarantined[0][1]
    corrected = same_year[:2] + ["2020,06432002,0.5,0.5,0.5,06432001", "2020,06432002,0.5,0.5,0.5,06432003"]
    gz = paths.landing / "gebietsstand" / "umstieg_2020_korrektur.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join(corrected) + "\n").encode()))
    result = load_gebietsstand(con, paths, region(tmp_path))
    assert [d.path.name for d in result.loaded] == ["umstieg_2020_korrektur.csv.gz"]


def test_region_chooses_the_target_gebietsstand(paths, con, tmp_path):
    with pytest.raises(RegionError, match="'gebietsstand' must be a year"):
        region(tmp_path, 'ags: "06432"\nname: "X"\ngebietsstand: abc\n')
    assert region(tmp_path, 'ags: "06432"\nname: "X"\ngebietsstand: 2020\n').gebietsstand == 2020
    with pytest.raises(RegionError, match=r"gebietsstand 2019 requested.*available: 2020"):
        load_gebietsstand(con, paths, region(tmp_path, 'ags: "06432"\nname: "X"\ngebietsstand: 2019\n'))
    assert isinstance(con, duckdb.DuckDBPyConnection)
