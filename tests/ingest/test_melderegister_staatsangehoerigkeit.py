"""Melderegister extended layout: the nationality column (Destatis code list; a code outside it refuses the file
naming file, line and column), the household file (its own record type and period), and warehouses built
before the new columns."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

from orchestration import settings
from orchestration.ingest import lieferstatus
from orchestration.ingest.melderegister import HAUSHALTSTYPEN, load_melderegister, staatsangehoerigkeiten

REGION = SimpleNamespace(ags_prefix="06432")
HEADER = "stichtag;ags;ortsteil;geschlecht;alter;anzahl;staatsangehoerigkeit"
HH_HEADER = "stichtag;ags;ortsteil;haushaltstyp;anzahl"


def lines(codes=("000", "163")) -> list[str]:
    return [f"31.12.2016;{ags};;{sex};{age};{5 + i};{code}" for ags in ("06432001", "06432002") for sex in "mw"
            for age in range(101) for i, code in enumerate(codes)]


def households(stichtag: str = "31.12.2016") -> list[str]:
    return [f"{stichtag};{ags};;{typ};{100 + i}" for ags in ("06432001", "06432002")
            for i, typ in enumerate(HAUSHALTSTYPEN)]


def test_the_documented_list_is_the_destatis_key():
    with open(settings.SHIPPED_DATA / "reference" / "staatsangehoerigkeit_destatis.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = staatsangehoerigkeiten()
    assert len(codes) == len(rows) > 200 and all(len(c) == 3 and c.isdigit() for c in codes)
    assert {c for c, art in codes.items() if art == "deutsch"} == {"000"}
    assert {c for c, art in codes.items() if art == "ohne_angabe"} == {"999"}
    assert codes["997"] == codes["998"] == codes["163"] == "auslaendisch"  # staatenlos, ungeklärt count as foreign
    assert "910" not in codes  # "für interne Zwecke": not a nationality
    # the rule the indicator models apply (000 deutsch, 999 ohne Angabe, everything else foreign): one macro,
    # used by the Gemeinde and the Ortsteil model
    macros = (settings.DBT_PROJECT_DIR / "macros" / "indikatoren.sql").read_text(encoding="utf-8")
    assert "staatsangehoerigkeit not in ('000', '999')" in macros and "staatsangehoerigkeit <> '999'" in macros
    for model in ("int_indikatoren__melderegister.sql", "int_indikatoren__ortsteil.sql"):
        path = settings.DBT_PROJECT_DIR / "models" / "intermediate" / "melderegister" / model
        assert "{{ staatsangehoerigkeit_summen() }}" in path.read_text(encoding="utf-8"), model


def test_nationality_is_loaded_and_short_codes_are_padded(paths, con, write):
    rows = lines()
    rows[0] = rows[0].rsplit(";", 1)[0] + ";0"  # a spreadsheet dropped the zeros of 000
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *rows])
    result = load_melderegister(con, paths, REGION)
    assert not result.failed and result.rejected == 0
    assert result.rows["raw.melderegister__einwohner"] == len(rows) == 808
    assert con.execute("SELECT staatsangehoerigkeit, count(*), sum(anzahl) FROM raw.melderegister__einwohner "
                       "GROUP BY ALL ORDER BY 1").fetchall() == [("000", 404, 404 * 5), ("163", 404, 404 * 6)]
    assert con.execute("SELECT satzart FROM raw.melderegister__lieferungen").fetchall() == [("einwohner",)]


@pytest.mark.parametrize("code, shown", [("012", "'012'"), ("910", "'910'"), ("TR", "'TR'"), ("", "leer")])
def test_a_code_outside_the_list_refuses_the_file_naming_line_and_column(paths, con, write, code, shown):
    rows = lines()
    rows[250] = ";".join(rows[250].split(";")[:6] + [code])
    write(paths.landing / "melderegister" / "melderegister_20161231.csv",
          ["# DEMODATEN – synthetisch erzeugt, keine echten Daten", HEADER, *rows])
    result = load_melderegister(con, paths, REGION)
    (path, reason), = result.quarantined
    assert reason.startswith(f"melderegister_20161231.csv, line 253, column 7: staatsangehoerigkeit {shown} ist kein "
                             "Schlüssel der dokumentierten Liste"), reason
    assert "staatsangehoerigkeit_destatis.csv" in reason
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner").fetchone() == (0,)
    assert (paths.landing / "_quarantine" / "melderegister").is_dir() and not path.exists()


def test_an_extract_without_nationality_stays_valid_and_the_key_includes_it(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20151231.csv",
          ["stichtag;ags;ortsteil;geschlecht;alter;anzahl", "31.12.2015;06432001;;m;5;10", "31.12.2015;06432001;;w;5;11"])
    assert not load_melderegister(con, paths, REGION).failed
    assert con.execute("SELECT count(*), count(staatsangehoerigkeit) FROM raw.melderegister__einwohner").fetchone() == (2, 0)
    # the same cell twice with different nationalities is no duplicate; twice with the same one is
    write(paths.landing / "melderegister" / "melderegister_20161231.csv",
          [HEADER, "31.12.2016;06432003;;m;5;10;000", "31.12.2016;06432003;;m;5;3;163", "31.12.2016;06432003;;m;5;4;163",
           *lines()])
    result = load_melderegister(con, paths, REGION)
    assert not result.failed and result.rejected == 2
    assert {g for g, in con.execute("SELECT grund FROM raw.melderegister__rejects").fetchall()} == {
        "stichtag/ags/ortsteil/geschlecht/alter/staatsangehoerigkeit mehrfach mit verschiedener anzahl"}


def test_household_file_is_its_own_record_type_and_period(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines()])
    write(paths.landing / "melderegister" / "melderegister_haushalte_20161231.csv",
          ["# DEMODATEN – synthetisch erzeugt, keine echten Daten", HH_HEADER, *households()])
    result = load_melderegister(con, paths, REGION)
    assert not result.failed, result.quarantined
    assert result.rows["raw.melderegister__haushalte"] == 10
    assert con.execute("SELECT haushaltstyp, anzahl, ist_demodaten FROM raw.melderegister__haushalte WHERE ags = '06432002' "
                       "ORDER BY anzahl").fetchall() == [(t, 100 + i, True) for i, t in enumerate(HAUSHALTSTYPEN)]
    assert dict(con.execute("SELECT datei, satzart FROM raw.melderegister__lieferungen").fetchall()) == {
        "melderegister_20161231.csv": "einwohner", "melderegister_haushalte_20161231.csv": "haushalte"}
    states = {s.datei: s.status for s in lieferstatus.current(con, "melderegister").values()}
    assert set(states.values()) == {"angenommen"}, states  # same Stichtag, no conflict between the two types
    # a second household file for the date is a conflict with the first one only
    write(paths.landing / "melderegister" / "melderegister_haushalte_20161231_b.csv", [HH_HEADER, *households()[:5],
                                                                                       "31.12.2016;06432002;;sonstige;7"])
    (_, reason), = load_melderegister(con, paths, REGION).quarantined
    assert "Konflikt" in reason and "melderegister_haushalte_20161231.csv" in reason and "Haushalte" in reason


def test_a_household_type_outside_the_list_refuses_the_file(paths, con, write):
    rows = households()
    rows[3] = "31.12.2016;06432001;;wg;17"
    write(paths.landing / "melderegister" / "melderegister_haushalte_20161231.csv", [HH_HEADER, *rows])
    (_, reason), = load_melderegister(con, paths, REGION).quarantined
    assert reason.startswith("melderegister_haushalte_20161231.csv, line 5, column 4: haushaltstyp 'wg' ist kein "
                             "Haushaltstyp der dokumentierten Liste: erwartet einpersonen, paar_ohne_kinder"), reason


def test_a_warehouse_built_before_the_new_columns_keeps_loading(paths, con, write):
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.melderegister__einwohner (stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR, "
                "geschlecht VARCHAR NOT NULL, alter INTEGER NOT NULL, anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL, "
                "datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL, ist_demodaten BOOLEAN NOT NULL)")
    con.execute("INSERT INTO raw.melderegister__einwohner VALUES ('2015-12-31', '06432001', NULL, 'm', 5, 10, 2, 'alt.csv', "
                "'x', now(), false)")
    con.execute("CREATE TABLE raw.melderegister__lieferungen (sha256 VARCHAR PRIMARY KEY, datei VARCHAR NOT NULL, "
                "berichtszeitraum VARCHAR, ist_demodaten BOOLEAN NOT NULL, zeilen BIGINT NOT NULL, abgelehnt BIGINT NOT NULL, "
                "geladen_am TIMESTAMP NOT NULL)")
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines()])
    assert not load_melderegister(con, paths, REGION).failed
    assert con.execute("SELECT datei, count(*), count(staatsangehoerigkeit) FROM raw.melderegister__einwohner "
                       "GROUP BY 1 ORDER BY 1").fetchall() == [("alt.csv", 1, 0), ("melderegister_20161231.csv", 808, 808)]
    assert con.execute("SELECT satzart FROM raw.melderegister__lieferungen").fetchall() == [("einwohner",)]
