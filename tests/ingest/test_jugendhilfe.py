"""Jugendamt exports: record-type recognition, pseudonyms, name dropping, row checks, file errors, key rules.

The exports are written here in the documented layout (docs/deliveries.md) with distinctive fake names,
so that a privacy scan of the whole DuckDB file can look for them.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from orchestration.ingest import pseudonym as ps
from orchestration.ingest.jugendhilfe import load_jugendhilfe
from orchestration.ingest.runner import Options
from orchestration.settings import Paths
from tests.ingest.conftest import CountingConnection

REGION = SimpleNamespace(ags_prefix="06432")
KEY = b"test-key-0123456789abcdef"
DEMO = "# DEMODATEN – synthetisch erzeugt, keine echten Daten"

HILFEN_HEADER = ("fall_id;hilfeart;beginn;ende;geburtsmonat;geburtsjahr;geschlecht;wohnort_ags;alleinerziehend;"
                 "transferleistung;beendigungsgrund;nachname;vorname;strasse;hausnummer;plz;ort")
GEF_HEADER = "fall_id;datum;alter;geschlecht;wohnort_ags;ergebnis;nachname;vorname;strasse;plz;ort"
IOB_HEADER = "fall_id;paragraph;beginn;ende;anlass;unbegleitet;alter;geschlecht;wohnort_ags;nachname;vorname;strasse;plz;ort"

SURNAMES = [f"Zqxnachname{i:03d}" for i in range(400)]
FIRSTNAMES = [f"Vqxvorname{i:03d}" for i in range(400)]
STREETS = [f"Qqxstrasse{i:03d}weg" for i in range(400)]


def person(i: int, with_hausnummer: bool = True) -> str:
    parts = [SURNAMES[i % 400], FIRSTNAMES[i % 400], STREETS[i % 400]]
    if with_hausnummer:
        parts.append(str(i % 90 + 1))
    else:
        parts[-1] += f" {i % 90 + 1}"
    return ";".join(parts + ["64807", "Dieburg"])


def hilfen_rows(n: int = 200, year: int = 2016, start: int = 0) -> list[str]:
    codes = ["27_2", "28", "29", "30", "31", "32", "33", "34", "35", "35a", "41"]
    rows = []
    for i in range(start, start + n):
        beginn = f"{year - i % 3}-{i % 12 + 1:02d}"
        ende = f"{year}-{i % 12 + 1:02d}" if i % 4 == 0 else ""
        grund = "Beendigung gemäß Hilfeplan" if ende else ""
        rows.append(f"06432-H{i:07d};{codes[i % 11]};{beginn};{ende};{i % 12 + 1};{year - 6 - i % 10};{'mw'[i % 2]};"
                    f"0643200{i % 9 + 1};{'jnu'[i % 3]};{'nju'[i % 3]};{grund};{person(i)}")
    return rows


def gef_rows(n: int = 150, year: int = 2016) -> list[str]:
    res = ["akut", "latent", "hilfebedarf", "keine"]
    return [f"06432-G{year}-{i:05d};{year}-{i % 12 + 1:02d}-{i % 28 + 1:02d};{i % 18};{'wm'[i % 2]};"
            f"0643201{i % 9};{res[i % 4]};{person(1000 + i, False)}" for i in range(n)]


def iob_rows(n: int = 120, year: int = 2016) -> list[str]:
    return [f"06432-I{year}-{i:05d};{'42' if i % 5 else '42a'};{year}-{i % 12 + 1:02d}-{i % 28 + 1:02d};"
            f"{'' if i % 7 == 0 else f'{year}-12-31'};Überforderung der Eltern / eines Elternteils;{'jn'[i % 2]};"
            f"{12 + i % 6};{'mw'[i % 2]};0643202{i % 3};{person(2000 + i, False)}" for i in range(n)]


@pytest.fixture
def demo_key_file(tmp_path) -> Path:
    return tmp_path / "var" / "secrets" / "pseudonym.key"


def options(demo_key_file: Path | None = None, secret: str | None = KEY.decode(), max_reject_share: float = 0.01):
    """The run's options: this module's key (or none), the demo key file (or no demo fallback)."""
    return Options(max_reject_share=max_reject_share, key=ps.KeySource(secret=secret, demo_file=demo_key_file))


def jh(paths: Paths) -> Path:
    return paths.landing / "jugendhilfe"


def ref(fall_id: str, key: bytes = KEY) -> str:
    return hmac.new(key, fall_id.encode(), hashlib.sha256).hexdigest()


def varchar_cells(con) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR/JSON cell of every table in the database."""
    out = []
    cols = con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                       "WHERE data_type IN ('VARCHAR', 'JSON') AND NOT internal AND database_name = current_database()"
                       ).fetchall()
    for schema, table, column in cols:
        for (value,) in con.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM "{schema}"."{table}" '
                                    f'WHERE "{column}" IS NOT NULL').fetchall():
            out.append((f"{schema}.{table}", column, value))
    return out


def assert_no_personal_data(con, fall_ids: list[str], texts: list[str] = ()) -> None:
    needles = set(SURNAMES) | set(FIRSTNAMES) | set(STREETS) | set(fall_ids) | {KEY.decode()}
    cells = varchar_cells(con)
    assert cells, "nothing loaded?"
    for table, column, value in cells:
        hits = [n for n in needles if n in value]
        assert not hits, f"{table}.{column} contains {hits[:3]}"
    for text in texts:
        hits = [n for n in needles if n in text]
        assert not hits, f"{text[:200]} contains {hits[:3]}"


def test_three_record_types_recognised_by_header_pseudonymised_and_names_dropped(paths, con, write):
    # file names deliberately do not say the type: the header decides
    write(jh(paths) / "export_a_2016.csv", [DEMO, HILFEN_HEADER, *hilfen_rows()])
    write(jh(paths) / "export_b_2016.csv", [GEF_HEADER, *gef_rows()], encoding="latin-1")
    write(jh(paths) / "export_c_2016.csv", [IOB_HEADER, *iob_rows()])
    result = load_jugendhilfe(con, paths, REGION, options=options())
    assert not result.failed, result.quarantined
    assert result.rejected == 0
    assert result.rows == {"raw.jugendhilfe__hilfen": 200, "raw.jugendhilfe__gefaehrdungen": 150,
                           "raw.jugendhilfe__inobhutnahmen": 120, "raw.jugendhilfe__rejects": 0}
    h = con.execute("SELECT fall_pseudonym, hilfeart, beginn::VARCHAR, ende::VARCHAR, geburtsdatum::VARCHAR, geschlecht, "
                    "wohnort_ags, alleinerziehend, transferleistung, beendigungsgrund, zeile, ist_demodaten "
                    "FROM raw.jugendhilfe__hilfen ORDER BY zeile LIMIT 1").fetchone()
    assert h == (ref("06432-H0000000"), "27_2", "2016-01-01", "2016-01-01", "2010-01-01", "m", "06432001", "j", "n",
                 "Beendigung gemäß Hilfeplan", 3, True)
    i = con.execute("SELECT paragraph, unbegleitet, alter, ende, ist_demodaten FROM raw.jugendhilfe__inobhutnahmen "
                    "WHERE zeile = 2").fetchone()
    assert i == ("42a", True, 12, None, False)
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name LIKE 'jugendhilfe__%'"
                                      ).fetchall()}
    assert not cols & {"fall_id", "nachname", "vorname", "strasse", "hausnummer", "plz", "ort"}
    lief = dict(con.execute("SELECT datei, satzart FROM raw.jugendhilfe__lieferungen").fetchall())
    assert lief == {"export_a_2016.csv": "hilfen", "export_b_2016.csv": "gefaehrdungen",
                    "export_c_2016.csv": "inobhutnahmen"}
    all_ids = [r.split(";")[0] for r in hilfen_rows() + gef_rows() + iob_rows()]
    assert_no_personal_data(con, all_ids)


def test_row_checks_reasons_and_pseudonymised_rejects(paths, con, write):
    good = hilfen_rows(200)
    p = person(7)
    bad = [
        f"06432-X0001;99;2016-01;;5;2008;m;06432001;j;n;;{p}",          # unknown Hilfeart
        f"06432-X0002;31;2016-05;2016-02;5;2008;m;06432001;j;n;;{p}",   # ende before beginn
        f"06432-X0003;31;2016-05;;5;2017;m;06432001;j;n;;{p}",          # born after the export's reference date
        f"06432-X0004;31;2016-05;;8;2016;m;06432001;j;n;;{p}",          # born after the begin of the Hilfe
        f"06432-X0005;31;2016-05;;5;2008;m;06411000;j;n;;{p}",          # Wohnort outside the region
        f"06432-X0006;31;2016-05;;5;2008;x;06432001;j;n;;{p}",          # invalid sex
        f"06432-X0007;31;2016-13;;5;2008;m;06432001;j;n;;{p}",          # invalid month
        f"06432-X0008;31;2016-05;;13;2008;m;06432001;j;n;;{p}",         # invalid birth month
        f"06432-X0009;31;2016-05;;5;2008;m;6432001;j;ja;;{p}",          # invalid flag (AGS 7 digits is restored)
        f";31;2016-05;;5;2008;m;06432001;j;n;;{p}",                      # missing fall_id
        good[5].replace(";2016-", ";2015-", 1).replace("2014-06", "2014-07"),  # same fall_id, other content
        good[9],                                                         # identical repetition
    ]
    write(jh(paths) / "hilfen_2016.csv", [HILFEN_HEADER, *good, *bad])
    result = load_jugendhilfe(con, paths, REGION, options=options(max_reject_share=0.2))
    assert not result.failed, result.quarantined
    assert result.rejected == 13  # 12 bad lines + the original line of the conflicting fall_id
    rejects = con.execute("SELECT zeile, grund, json_extract_string(datensatz, '$.fall_pseudonym'), datensatz "
                          "FROM raw.jugendhilfe__rejects ORDER BY zeile").fetchall()
    by_line = {z: g for z, g, _, _ in rejects}
    base = 2 + len(good)
    assert by_line[7] == by_line[base + 10] == "fall_id mehrfach mit widersprüchlichem Inhalt"
    assert by_line[base] == "hilfeart: unbekannter Code (erwartet 27_2, 28, 29, 30, 31, 32, 33, 34, 35, 35a, 41)"
    assert by_line[base + 1] == "ende vor beginn"
    assert by_line[base + 2] == "Geburtsdatum in der Zukunft (nach dem Stichtag des Exports)"
    assert by_line[base + 3] == "Geburtsdatum nach beginn der Hilfe"
    assert by_line[base + 4] == "wohnort_ags außerhalb der Region"
    assert by_line[base + 5] == "geschlecht: erwartet m, w oder d"
    assert by_line[base + 6] == "beginn: erwartet Monat YYYY-MM"
    assert by_line[base + 7] == "geburtsmonat/geburtsjahr: erwartet Monat 1-12 und vierstelliges Jahr"
    assert by_line[base + 8] == "transferleistung: erwartet j, n oder u"
    assert by_line[base + 9] == "fall_id fehlt"
    assert by_line[base + 11] == "Datensatz doppelt (identische Wiederholung)"
    pseudonyms = {z: pseud for z, _, pseud, _ in rejects}
    assert pseudonyms[base] == ref("06432-X0001") and pseudonyms[base + 9] is None
    assert all("fall_id" not in d and "nachname" not in d for _, _, _, d in rejects)
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (199,)
    ids = [r.split(";")[0] for r in good + bad if r.split(";")[0]]
    assert_no_personal_data(con, ids)


def test_gefaehrdungen_and_inobhutnahmen_checks(paths, con, write):
    p = person(3, False)
    gef = gef_rows(100) + [f"06432-G9-1;2016-02-30;5;m;06432001;akut;{p}", f"06432-G9-2;2017-01-05;5;m;06432001;akut;{p}",
                           f"06432-G9-3;2016-01-05;18;m;06432001;akut;{p}", f"06432-G9-4;2016-01-05;5;m;06432001;naja;{p}"]
    iob = iob_rows(100) + [f"06432-I9-1;43;2016-01-05;;Vernachlässigung;j;5;m;06432001;{p}",
                           f"06432-I9-2;42;2016-03-05;2016-03-01;Vernachlässigung;j;5;m;06432001;{p}",
                           f"06432-I9-3;42;2016-03-05;;Vernachlässigung;vielleicht;5;m;06432001;{p}"]
    write(jh(paths) / "gefaehrdungen_8a_2016.csv", [GEF_HEADER, *gef])
    write(jh(paths) / "inobhutnahmen_42_2016.csv", [IOB_HEADER, *iob])
    result = load_jugendhilfe(con, paths, REGION, options=options(max_reject_share=0.1))
    assert not result.failed, result.quarantined
    grund = [g for g, in con.execute("SELECT grund FROM raw.jugendhilfe__rejects ORDER BY datei, zeile").fetchall()]
    assert grund == ["datum: erwartet Datum YYYY-MM-DD", "datum nach dem Stichtag des Exports",
                     "alter: erwartet ganze Zahl 0-17", "ergebnis: erwartet akut, latent, hilfebedarf, keine",
                     "paragraph: erwartet 42 oder 42a", "ende vor beginn", "unbegleitet: erwartet j oder n"]


def test_text_fields_take_only_the_listed_labels_and_no_delivered_text_is_kept(paths, con, write):
    """beendigungsgrund and anlass are free text in a Fachverfahren: only the documented labels are accepted (case
    and spacing free, stored as listed); anything else rejects the row, and its reject keeps no delivered text."""
    sql, html = "Robert'); DROP TABLE raw.jugendhilfe__hilfen; --", "<script>alert(1)</script>"
    hilfen = hilfen_rows(200)
    hilfen[0] = hilfen[0].replace(";Beendigung gemäß Hilfeplan;", ";  BEENDIGUNG   gemäß hilfeplan ;")
    hilfen[4] = hilfen[4].replace(";Beendigung gemäß Hilfeplan;", f';"{sql}";')
    hilfen[8] = hilfen[8].replace(";Beendigung gemäß Hilfeplan;", ";Frau Zqxnachname123 ist umgezogen;")
    iob = iob_rows(120)
    iob[3] = iob[3].replace(";Überforderung der Eltern / eines Elternteils;", f";{html};")
    write(jh(paths) / "hilfen_2016.csv", [HILFEN_HEADER, *hilfen])
    write(jh(paths) / "inobhutnahmen_42_2016.csv", [IOB_HEADER, *iob])
    result = load_jugendhilfe(con, paths, REGION, options=options(max_reject_share=0.02))
    assert not result.failed, result.quarantined
    rejects = con.execute("SELECT datei, zeile, grund, datensatz FROM raw.jugendhilfe__rejects ORDER BY datei, zeile"
                          ).fetchall()
    assert [(d, z) for d, z, _, _ in rejects] == [("hilfen_2016.csv", 6), ("hilfen_2016.csv", 10),
                                                  ("inobhutnahmen_42_2016.csv", 5)]
    assert rejects[0][2].startswith("beendigungsgrund: kein Grund der Liste (docs/deliveries.md: Beendigung gemäß")
    assert rejects[2][2] == "anlass: kein Anlass der Liste (docs/deliveries.md)"
    assert '"beendigungsgrund":null' in rejects[0][3].replace(" ", "") and '"anlass":null' in rejects[2][3].replace(" ", "")
    # the label in another case and spacing is stored as listed
    grund, = con.execute("SELECT DISTINCT beendigungsgrund FROM raw.jugendhilfe__hilfen WHERE beendigungsgrund "
                         "IS NOT NULL").fetchone()
    assert grund == "Beendigung gemäß Hilfeplan"
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (198,)
    for text in (sql, html, "umgezogen"):
        assert not [cell for cell in varchar_cells(con) if text in cell[2]], text
    assert_no_personal_data(con, [r.split(";")[0] for r in hilfen + iob])


def test_reject_share_over_limit_fails_whole_file_others_load(paths, con, write):
    rows = hilfen_rows(100)
    rows[:2] = [r.replace(";27_2;", ";99;").replace(";28;", ";99;") for r in rows[:2]]  # 2 % > 1 %
    write(jh(paths) / "hilfen_2016.csv", [HILFEN_HEADER, *rows])
    write(jh(paths) / "gefaehrdungen_8a_2016.csv", [GEF_HEADER, *gef_rows()])
    result = load_jugendhilfe(con, paths, REGION, options=options())
    (path, reason), = result.quarantined
    assert path.name == "hilfen_2016.csv" and "2 of 100 records rejected" in reason
    assert "line 2: hilfeart" in reason
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__rejects").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__gefaehrdungen").fetchone() == (150,)
    assert_no_personal_data(con, [r.split(";")[0] for r in rows], [reason])


def test_file_level_errors_are_quarantined_without_personal_data(paths, con, write):
    folder = jh(paths)
    write(folder / "hilfen_2014.csv", [HILFEN_HEADER.replace("beginn;", ""), *[";".join(
        r.split(";")[:2] + r.split(";")[3:]) for r in hilfen_rows(5)]])                      # missing column
    latin = write(folder / "hilfen_2015.csv", [HILFEN_HEADER, *hilfen_rows(5)], encoding="latin-1")
    latin.write_bytes(latin.read_bytes().replace(b"Zqxnachname002", b"Zqxnachname\x9d02"))  # undecodable
    write(folder / "hilfen_2013.csv", ["id;art;von;bis", "1;2;3;4"])                         # unknown header
    (folder / "hilfen_2012.csv").write_bytes(b"")                                             # empty
    rows = hilfen_rows(5)
    rows[3] = rows[3] + ";Zusatz mit Zqxnachname999"
    write(folder / "hilfen_2011.csv", [HILFEN_HEADER, *rows])                                # field count
    result = load_jugendhilfe(con, paths, REGION, options=options())
    reasons = {p.name: r for p, r in result.quarantined}
    assert "missing required column(s) beginn" in reasons["hilfen_2014.csv"]
    assert reasons["hilfen_2015.csv"].startswith("hilfen_2015.csv, line 4, column ")
    assert "undecodable byte 0x9D" in reasons["hilfen_2015.csv"]
    assert "unrecognised header" in reasons["hilfen_2013.csv"]
    assert "empty file" in reasons["hilfen_2012.csv"]
    assert reasons["hilfen_2011.csv"] == ("hilfen_2011.csv, line 5: expected 17 fields separated by ';' "
                                          "(as many as the header has), found 18")
    texts = list(reasons.values()) + [p.read_text() for p in (paths.landing / "_quarantine").rglob("*.reason.txt")]
    for text in texts:
        assert not any(n in text for n in SURNAMES + FIRSTNAMES + STREETS + ["Zqxnachname999"])
    assert not result.loaded


def test_same_export_skipped_newer_export_kept_as_history(paths, con, write):
    write(jh(paths) / "hilfen_2016.csv", [HILFEN_HEADER, *hilfen_rows(50)])
    load_jugendhilfe(con, paths, REGION, options=options())
    again = load_jugendhilfe(con, paths, REGION, options=options())
    assert len(again.skipped) == 1 and not again.loaded
    write(jh(paths) / "hilfen_2016_v2.csv", [HILFEN_HEADER, *hilfen_rows(60)])
    load_jugendhilfe(con, paths, REGION, options=options())
    assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM raw.jugendhilfe__hilfen").fetchone() == (110, 2)
    same = con.execute("SELECT count(DISTINCT fall_pseudonym) FROM raw.jugendhilfe__hilfen").fetchone()
    assert same == (60,)  # the same fall_id gets the same pseudonym in both exports
    assert con.execute("SELECT list(DISTINCT berichtszeitraum), list(DISTINCT satzart) "
                       "FROM raw.jugendhilfe__lieferungen").fetchone() == (["2016"], ["hilfen"])


def test_real_export_without_key_refuses_before_loading(paths, con, write, demo_key_file):
    write(jh(paths) / "hilfen_2016.csv", [HILFEN_HEADER, *hilfen_rows(20)])
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured"):
        load_jugendhilfe(con, paths, REGION, options=options(demo_key_file, secret=None))
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (0,)
    assert (jh(paths) / "hilfen_2016.csv").exists()  # not quarantined: the build is at fault, not the file


def test_demo_export_without_key_uses_demo_key_file(paths, con, write, demo_key_file):
    write(jh(paths) / "hilfen_2016.csv", [DEMO, HILFEN_HEADER, *hilfen_rows(20)])
    result = load_jugendhilfe(con, paths, REGION, options=options(demo_key_file, secret=None))
    assert not result.failed
    demo_key = demo_key_file.read_bytes().strip()
    first = con.execute("SELECT fall_pseudonym FROM raw.jugendhilfe__hilfen ORDER BY zeile LIMIT 1").fetchone()[0]
    assert first == ref("06432-H0000000", demo_key) != ref("06432-H0000000", KEY)


def test_demo_export_outside_a_demo_run_needs_a_key(paths, con, write):
    write(jh(paths) / "hilfen_2016.csv", [DEMO, HILFEN_HEADER, *hilfen_rows(20)])
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured"):
        load_jugendhilfe(con, paths, REGION, options=options(None, secret=None))
    assert con.execute("SELECT count(*) FROM raw.jugendhilfe__hilfen").fetchone() == (0,)


def test_tables_exist_without_deliveries(paths, con):
    result = load_jugendhilfe(con, paths, REGION, options=options())
    assert not result.loaded
    types = dict(con.execute("SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
                             "WHERE schema_name = 'raw'").fetchall())
    assert types["jugendhilfe__hilfen.geburtsdatum"] == "DATE"
    assert types["jugendhilfe__inobhutnahmen.unbegleitet"] == "BOOLEAN"
    assert types["jugendhilfe__gefaehrdungen.alter"] == "INTEGER"
    assert types["jugendhilfe__rejects.datensatz"] == "JSON"
    assert types["jugendhilfe__lieferungen.zeilen"] == "BIGINT"


# ------------------------------------------------------------------ the generated demo landing folder


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory):
    """A full generated demo landing folder (all families, 2015–2024) loaded by the four loaders."""
    from orchestration.demo import generate_demo_deliveries
    from orchestration.ingest.asylblg import load_asylblg
    from orchestration.ingest.grundsicherung import load_grundsicherung
    from orchestration.ingest.melderegister import load_melderegister
    from orchestration.ingest.region import Region, load_region
    from orchestration.ingest.sgb2 import load_sgb2
    from orchestration.ingest.wohngeld import load_wohngeld
    from orchestration.settings import DEFAULT_REGION

    base = tmp_path_factory.mktemp("demo_landing")
    paths = Paths(region=base / "region", landing=base / "landing", out=base / "out")
    summary = generate_demo_deliveries(paths.landing, progress=False)
    # the inputs as delivered, kept aside for the privacy scan (quarantine would move bad files)
    inputs = sorted(str(p) for p in (paths.landing / "jugendhilfe").glob("*.csv"))
    paths.out.mkdir(parents=True)
    con = duckdb.connect(str(paths.warehouse))
    region = Region.load(DEFAULT_REGION)  # the bundled region profile (ags prefix 06432)
    load_region(con, region)  # as every run does first: the Melderegister's Ortsteil keys are checked against it
    results = {f.__name__: f(con, paths, region, options=options()) for f in
               (load_sgb2, load_grundsicherung, load_melderegister, load_jugendhilfe, load_asylblg, load_wohngeld)}
    yield SimpleNamespace(paths=paths, con=con, results=results, summary=summary, inputs=inputs)
    con.close()


def test_demo_landing_loads_with_zero_rejects(demo_landing):
    results, summary = demo_landing.results, demo_landing.summary
    for name, result in results.items():
        assert not result.failed, (name, result.quarantined)
        assert result.rejected == 0, name
        assert result.loaded and not result.skipped, name
    records = summary["datensaetze"]
    jh_rows = results["load_jugendhilfe"].rows
    assert jh_rows["raw.jugendhilfe__hilfen"] == records["jugendhilfe_hilfen"]
    assert jh_rows["raw.jugendhilfe__gefaehrdungen"] == records["jugendhilfe_gefaehrdungen_8a"]
    assert jh_rows["raw.jugendhilfe__inobhutnahmen"] == records["jugendhilfe_inobhutnahmen_42"]
    assert results["load_melderegister"].rows["raw.melderegister__einwohner"] == records["melderegister_einwohner"]
    assert results["load_melderegister"].rows["raw.melderegister__haushalte"] == records["melderegister_haushalte"]
    assert results["load_grundsicherung"].rows["raw.grundsicherung__empfaenger"] == records["grundsicherung"]
    assert results["load_grundsicherung"].rows["raw.grundsicherung__leistungen"] == 2 * records["grundsicherung"]
    assert results["load_asylblg"].rows["raw.asylblg__empfaenger"] == records["asylblg"]
    assert results["load_wohngeld"].rows["raw.wohngeld__haushalte"] == records["wohngeld"]
    assert results["load_sgb2"].rows["raw.sgb2__gemeinde_monat"] == 9 * (records["sgb2"] + summary["dateien"]["sgb2"])
    con = demo_landing.con
    for table in ("jugendhilfe__hilfen", "jugendhilfe__lieferungen", "sgb2__gemeinde_monat", "melderegister__einwohner",
                  "melderegister__haushalte", "grundsicherung__empfaenger", "grundsicherung__leistungen",
                  "asylblg__empfaenger", "wohngeld__haushalte"):
        assert con.execute(f"SELECT bool_and(ist_demodaten) FROM raw.{table}").fetchone() == (True,), table


def test_demo_export_privacy_scan_of_every_varchar_column(demo_landing):
    """No fall_id, name or street of the input appears in any VARCHAR/JSON cell of any table."""
    files = demo_landing.inputs
    wh = demo_landing.con
    wh.execute("CREATE OR REPLACE TEMP TABLE needles (tok VARCHAR)")
    for column in ("fall_id", "nachname", "vorname", "strasse"):
        wh.execute(f"INSERT INTO needles SELECT DISTINCT {column} FROM read_csv($files, delim=';', header=true, "
                   f"all_varchar=true, union_by_name=true, skip=1) WHERE {column} IS NOT NULL", {"files": files})
    # official area names of the region profile are public facts, also where a demo surname equals one
    # (e.g. the Ortsteil Hahn of Pfungstadt)
    wh.execute("DELETE FROM needles WHERE tok IN (SELECT ortsteil_name FROM raw.region__ortsteile "
               "UNION SELECT gemeinde_name FROM raw.region__gemeinden)")
    n_ids, n_all = wh.execute("SELECT count(*) FILTER (WHERE tok LIKE '06432-%'), count(*) FROM needles").fetchone()
    hilfen_ids, = wh.execute("SELECT count(DISTINCT fall_id) FROM read_csv($f, delim=';', header=true, "
                             "all_varchar=true, skip=1)", {"f": [f for f in files if "hilfen_" in f]}).fetchone()
    records = demo_landing.summary["datensaetze"]
    assert n_ids == hilfen_ids + records["jugendhilfe_gefaehrdungen_8a"] + records["jugendhilfe_inobhutnahmen_42"]
    assert n_all > n_ids + 100  # names and streets are in the needle set too
    cols = wh.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE data_type IN "
                      "('VARCHAR', 'JSON') AND database_name = current_database() AND NOT internal"
                      ).fetchall()
    assert len(cols) > 20
    for schema, table, column in cols:
        # whole cells and every part of a cell split at JSON/list punctuation
        hits = wh.execute(
            f'SELECT DISTINCT tok FROM (SELECT DISTINCT trim(unnest(regexp_split_to_array("{column}"::VARCHAR, '
            f"'[\";:,{{}}\\[\\]]'))) AS tok FROM \"{schema}\".\"{table}\") JOIN needles USING (tok) LIMIT 3"
        ).fetchall()
        assert not hits, f"{schema}.{table}.{column} contains input values {hits}"
    wh.execute("DROP TABLE needles")


# ------------------------------------------------------------------ the files of a run loaded together


def loaded_by_file(con) -> dict[str, dict[str, list[tuple]]]:
    """file -> raw table -> its rows there (all columns but the file name and the load time)."""
    rows: dict[str, dict[str, list[tuple]]] = {}
    for table in ("hilfen", "gefaehrdungen", "inobhutnahmen", "rejects", "lieferungen"):
        for datei, *row in con.execute(f"SELECT datei, * EXCLUDE (datei, geladen_am) FROM raw.jugendhilfe__{table} "
                                       "ORDER BY ALL").fetchall():
            rows.setdefault(datei, {}).setdefault(table, []).append(tuple(row))
    return rows


def test_the_files_of_a_run_are_loaded_together_each_as_if_alone(tmp_path, write):
    """All new exports of a run are read and checked together: every file gets exactly the rows, rejects, deliveries
    row and outcome it gets when it is loaded alone (the three record types, two encodings and line endings, a
    preamble or none, the same fall_ids in two files, an empty export, bad files among them), and the queries do not
    grow with the number of files (fewer than two files loaded one after the other)."""
    from orchestration.ingest.region import Region, load_region
    from orchestration.settings import DEFAULT_REGION

    def gef_ortsteile(year: int) -> list[str]:
        return [GEF_HEADER.replace(";ergebnis", ";wohnort_ortsteil;ergebnis"), *[
            f"06432-G{year}-{i:05d};{year}-03-{i % 28 + 1:02d};{i % 18};{'mw'[i % 2]};06432018;"
            f"{('001', '002', '003', '004')[i % 4]};akut;{person(i, False)}" for i in range(60)]]

    over_limit = hilfen_rows(100, year=2017)
    over_limit[:2] = [r.replace(";27_2;", ";99;").replace(";28;", ";99;") for r in over_limit[:2]]
    unknown_key = gef_ortsteile(2017)
    unknown_key[30] = unknown_key[30].replace(";06432018;002;", ";06432018;099;")
    files = {  # name -> (lines, encoding, line ending)
        "hilfen_2015.csv": ([DEMO, HILFEN_HEADER, *hilfen_rows(120, year=2015), hilfen_rows(120, year=2015)[7]],
                            "utf-8", "\n"),
        "hilfen_2016.csv": ([HILFEN_HEADER, *hilfen_rows(150, year=2016)], "utf-8", "\n"),  # the same fall_ids
        "export_2016.csv": ([GEF_HEADER, *gef_rows(150, year=2016)], "latin-1", "\n"),
        "inobhutnahmen_2016.csv": ([DEMO, IOB_HEADER, *iob_rows(120, year=2016)], "utf-8", "\r\n"),
        "inobhutnahmen_2015.csv": ([IOB_HEADER], "utf-8", "\n"),  # no records
        "hilfen_2017.csv": ([HILFEN_HEADER, *over_limit], "utf-8", "\n"),  # reject share over the limit
        "hilfen_2014.csv": ([HILFEN_HEADER.replace("beginn;", ""), *hilfen_rows(5)], "utf-8", "\n"),  # no beginn
        "gefaehrdungen_2015.csv": (gef_ortsteile(2015), "utf-8", "\n"),
        "gefaehrdungen_2017.csv": (unknown_key, "utf-8", "\n"),  # an Ortsteil key Pfungstadt does not have
    }
    profile = Region.load(DEFAULT_REGION)

    def load(name: str, names: list[str]) -> tuple[dict[str, str | None], dict, int]:
        base = tmp_path / name
        paths = Paths(region=base / "region", landing=base / "landing", out=base / "out")
        for file in names:
            lines, encoding, newline = files[file]
            write(jh(paths) / file, lines, encoding=encoding, newline=newline)
        paths.out.mkdir(parents=True)
        con = duckdb.connect(str(paths.warehouse))
        try:
            load_region(con, profile)
            counting = CountingConnection(con)
            result = load_jugendhilfe(counting, paths, profile, options=options())
            outcomes = {file: None for file in names} | {path.name: reason for path, reason in result.quarantined}
            return outcomes, loaded_by_file(con), counting.queries
        finally:
            con.close()

    outcomes, rows, queries = {}, {}, 0
    for nr, file in enumerate(files):
        alone = load(f"alone{nr}", [file])
        outcomes |= alone[0]
        rows |= alone[1]
        queries += alone[2]
    together = load("together", list(files))
    assert together[0] == outcomes
    assert together[1] == rows
    refused = {file for file, reason in outcomes.items() if reason}
    assert refused == {"hilfen_2017.csv", "hilfen_2014.csv", "gefaehrdungen_2017.csv"}, outcomes
    assert "2 of 100 records rejected" in outcomes["hilfen_2017.csv"]
    assert "missing required column(s) beginn" in outcomes["hilfen_2014.csv"]
    assert "wohnort_ortsteil '099' ist kein Ortsteil" in outcomes["gefaehrdungen_2017.csv"]
    assert [len(rows[f].get("hilfen", [])) for f in ("hilfen_2015.csv", "hilfen_2016.csv")] == [120, 150]
    assert rows["hilfen_2015.csv"]["rejects"][0][1:3] == (123, "Datensatz doppelt (identische Wiederholung)")
    assert "inobhutnahmen_2015.csv" in {d for d, r in rows.items() if r.get("lieferungen")}
    assert together[2] < 2 * queries / len(files), (together[2], queries)
