"""Jugendamt exports with the optional `wohnort_ortsteil` key: keys of the region profile's ortsteile.csv are
loaded (padded when a spreadsheet dropped the leading zeros); a key unknown for the case's Gemeinde, or a Gemeinde
whose cases carry a key only in part, refuses the whole file naming file, line and column (quarantine) — the
Melderegister's rule (_confidential.check_ortsteile), for all three record types."""

from __future__ import annotations

import pytest

from orchestration.ingest.jugendhilfe import load_jugendhilfe
from tests.ingest.test_jugendhilfe import DEMO, KEY, options

HILFEN = ("fall_id;hilfeart;beginn;ende;geburtsmonat;geburtsjahr;geschlecht;wohnort_ags;wohnort_ortsteil;"
          "alleinerziehend;transferleistung;beendigungsgrund;nachname")
GEF = "fall_id;datum;alter;geschlecht;wohnort_ags;wohnort_ortsteil;ergebnis"
PFUNGSTADT = ("001", "002", "003", "004")


def hilfen(n: int = 120) -> list[str]:
    """Cases in Pfungstadt (with Ortsteil keys) and Alsbach-Hähnlein (without)."""
    rows = []
    for i in range(n):
        ags, key = ("06432018", PFUNGSTADT[i % 4]) if i % 3 else ("06432001", "")
        rows.append(f"F{i:05d};{'29' if i % 2 else '34'};2016-{i % 12 + 1:02d};;5;2008;{'mw'[i % 2]};{ags};{key};"
                    f"j;n;;Zqxname")
    return rows


def test_known_keys_are_loaded(paths, con, write, region):
    rows = [r.replace(";06432018;003;", ";06432018;3;") for r in hilfen()]  # lost leading zeros
    write(paths.landing / "jugendhilfe" / "hilfen_2016.csv", [DEMO, HILFEN, *rows])
    result = load_jugendhilfe(con, paths, region, options=options())
    assert not result.quarantined and result.rejected == 0
    per_ortsteil = dict(con.execute(
        "SELECT coalesce(wohnort_ortsteil, '-'), count(*) FROM raw.jugendhilfe__hilfen "
        "WHERE wohnort_ags = '06432018' GROUP BY ALL").fetchall())
    expected = {key: sum(1 for r in hilfen() if f";06432018;{key};" in r) for key in PFUNGSTADT}
    assert per_ortsteil == expected
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen WHERE wohnort_ags = '06432001' "
                       "AND wohnort_ortsteil IS NOT NULL").fetchone() == (0,)
    assert KEY.decode() not in str(con.execute("SELECT * FROM raw.jugendhilfe__hilfen").fetchall())


def test_export_without_the_column_loads_as_before(paths, con, write, region):
    header = HILFEN.replace("wohnort_ortsteil;", "")
    rows = [";".join(r.split(";")[:8] + r.split(";")[9:]) for r in hilfen()]
    write(paths.landing / "jugendhilfe" / "hilfen_2016.csv", [DEMO, header, *rows])
    result = load_jugendhilfe(con, paths, region, options=options())
    assert not result.quarantined and result.rejected == 0
    assert con.execute("SELECT count(*), count(wohnort_ortsteil) FROM raw.jugendhilfe__hilfen").fetchone() == (120, 0)


@pytest.mark.parametrize("bad, text, expected", [
    # a key the profile does not list for Pfungstadt
    ("099", "wohnort_ortsteil '099' ist kein Ortsteil der Gemeinde 06432018",
     "001 Pfungstadt (Kernstadt), 002 Eschollbrücken, 003 Eich, 004 Hahn"),
    # an Ortsteil name instead of its key
    ("Eich", "wohnort_ortsteil 'Eich' ist kein Ortsteil der Gemeinde 06432018", "oder leer"),
    # a case without a key in a Gemeinde whose other cases carry one
    ("", "wohnort_ortsteil ist leer, aber andere Zeilen der Gemeinde 06432018", "Fälle in den Ortsteilsummen"),
])
def test_bad_key_quarantines_the_file_naming_line_and_column(paths, con, write, region, bad, text, expected):
    rows = hilfen()
    fields = rows[49].split(";")  # a Pfungstadt case (49 % 3 != 0), line 52 of the file (demo line, header)
    assert fields[7] == "06432018"
    fields[8] = bad
    rows[49] = ";".join(fields)
    write(paths.landing / "jugendhilfe" / "hilfen_2016.csv", [DEMO, HILFEN, *rows])
    result = load_jugendhilfe(con, paths, region, options=options())
    (path, reason), = result.quarantined
    assert path.name == "hilfen_2016.csv"
    assert reason.startswith("hilfen_2016.csv, line 52, column 9: "), reason
    assert text in reason and expected in reason
    assert "Zqxname" not in reason
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (0,)
    assert (paths.landing / "_quarantine" / "jugendhilfe").is_dir()


def test_key_for_a_gemeinde_without_ortsteile_is_refused_in_a_gefaehrdung_export(paths, con, write, region):
    rows = [f"G{i:04d};2016-03-{i % 28 + 1:02d};{i % 18};m;06432008;;akut" for i in range(40)]
    rows[10] = rows[10].replace(";06432008;;", ";06432008;001;")
    write(paths.landing / "jugendhilfe" / "gefaehrdungen_2016.csv", [DEMO, GEF, *rows])
    (path, reason), = load_jugendhilfe(con, paths, region, options=options()).quarantined
    assert reason.startswith("gefaehrdungen_2016.csv, line 13, column 6: "), reason
    assert "nennt für 06432008 keine Ortsteile" in reason
