"""Melderegister extracts with the Ortsteil key: keys of the region profile's ortsteile.csv are loaded (padded
when a spreadsheet dropped the leading zeros); an unknown key, or a Gemeinde whose rows carry a key only in part,
refuses the whole file naming file, line and column (quarantine), for residents and households alike."""

from __future__ import annotations

import pytest

from orchestration.ingest.melderegister import load_melderegister

HEADER = "stichtag;ags;ortsteil;geschlecht;alter;anzahl"
HAUSHALTE = "stichtag;ags;ortsteil;haushaltstyp;anzahl"
PFUNGSTADT = {"001": 30, "002": 8, "003": 2, "004": 4}  # Kernstadt, Eschollbrücken, Eich, Hahn


def lines(ortsteile: dict[str, int] = PFUNGSTADT, stichtag: str = "31.12.2016") -> list[str]:
    out = [f"{stichtag};06432001;;{sex};{age};{age % 9 + 1}" for sex in "mw" for age in range(101)]
    out += [f"{stichtag};06432018;{key};{sex};{age};{(age % 5 + 1) * n}"
            for key, n in ortsteile.items() for sex in "mw" for age in range(101)]
    return out


def test_known_keys_load_and_ortsteil_sums_equal_the_gemeinde(paths, con, write, region):
    data = lines()
    data = [line.replace(";06432018;003;", ";06432018;3;") for line in data]  # lost leading zeros
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    assert not result.quarantined and result.rejected == 0
    per_ortsteil = dict(con.execute("SELECT ortsteil, sum(anzahl) FROM raw.melderegister__einwohner "
                                    "WHERE ags = '06432018' GROUP BY ortsteil").fetchall())
    assert set(per_ortsteil) == set(PFUNGSTADT)
    gemeinde = sum(int(line.rsplit(";", 1)[1]) for line in data if ";06432018;" in line)
    assert sum(per_ortsteil.values()) == gemeinde
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner WHERE ags = '06432001' "
                       "AND ortsteil IS NOT NULL").fetchone() == (0,)


@pytest.mark.parametrize("bad_line, column_text, expected", [
    # a key the profile does not list for Pfungstadt
    ("31.12.2016;06432018;099;m;5;3", "ortsteil '099' ist kein Ortsteil der Gemeinde 06432018",
     "001 Pfungstadt (Kernstadt), 002 Eschollbrücken, 003 Eich, 004 Hahn"),
    # a key for a Gemeinde without Ortsteile (Alsbach-Hähnlein has keys 001-003, Griesheim none)
    ("31.12.2016;06432008;001;m;5;3", "ortsteil '001' ist kein Ortsteil der Gemeinde 06432008",
     "nennt für 06432008 keine Ortsteile"),
    # an Ortsteil name instead of its key
    ("31.12.2016;06432018;Eich;m;5;3", "ortsteil 'Eich' ist kein Ortsteil der Gemeinde 06432018", "oder leer"),
    # a row without a key in a Gemeinde whose rows carry keys
    ("31.12.2016;06432018;;m;5;3", "ortsteil ist leer, aber andere Zeilen der Gemeinde 06432018",
     "Ortsteilsummen"),
])
def test_unknown_key_quarantines_the_file_naming_line_and_column(paths, con, write, region, bad_line, column_text,
                                                                expected):
    data = lines()
    data.insert(150, bad_line.replace(";m;5;", ";d;5;"))  # a new key (sex d), line 152 of the file
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *data])
    result = load_melderegister(con, paths, region)
    (path, reason), = result.quarantined
    assert path.name == "melderegister_20161231.csv"
    assert reason.startswith("melderegister_20161231.csv, line 152, column 3: "), reason
    assert column_text in reason and expected in reason
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner").fetchone() == (0,)
    assert (paths.landing / "_quarantine" / "melderegister").is_dir()


def test_household_file_is_checked_the_same_way(paths, con, write, region):
    rows = [f"31.12.2016;06432018;{key};{typ};{n}" for key, n in PFUNGSTADT.items()
            for typ in ("einpersonen", "paar_ohne_kinder", "paar_mit_kindern", "alleinerziehende", "sonstige")]
    write(paths.landing / "melderegister" / "melderegister_haushalte_20161231.csv", [HAUSHALTE, *rows])
    assert not load_melderegister(con, paths, region).quarantined
    rows.append("31.12.2016;06432023;006;einpersonen;7")
    write(paths.landing / "melderegister" / "melderegister_haushalte_20171231.csv",
          [HAUSHALTE, *[r.replace("2016", "2017") for r in rows]])
    (path, reason), = load_melderegister(con, paths, region).quarantined
    assert reason.startswith("melderegister_haushalte_20171231.csv, line 22, column 3: ortsteil '006' ist kein "
                             "Ortsteil der Gemeinde 06432023"), reason
