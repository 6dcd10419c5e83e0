"""GENESIS / Regionalstatistik ingest on the real tables.

The Darmstadt-Dieburg extracts shipped in data/genesis/dadi/ are always available; the unfiltered
full-Germany tables in ../shared/data/genesis/germany/ are used when present (those tests skip otherwise).
Bad files are made by editing copies of the real files in tmp_path. Expected figures for the Germany tests
are computed here with plain `csv` over the file, independently of the loader's SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from orchestration.ingest.delivery import DeliveryError
from orchestration.ingest.genesis import SUPPORTED_TABLES, load_genesis, parse_files
from orchestration.settings import Paths
from tests.ingest.conftest import CountingConnection

REPO_ROOT = Path(__file__).resolve().parents[2]
DADI = REPO_ROOT / "data" / "genesis" / "dadi"
GERMANY = REPO_ROOT.parent / "shared" / "data" / "genesis" / "germany"
DADI_REGION = SimpleNamespace(ags_prefix="06432", name="Landkreis Darmstadt-Dieburg")
ALL_GERMANY = SimpleNamespace(ags_prefix="", name="Deutschland")

POP = "12411-01-01-5_06432_extract.csv"
AGE = "12411-02-03-5_06432_extract.csv"
ALO = "13211-01-03-5_06432_extract.csv"


def dadi(name: str) -> Path:
    return DADI / name


def germany(name: str) -> Path:
    path = GERMANY / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


def make_paths(tmp_path: Path) -> Paths:
    return Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "landing",
                 out=tmp_path / "out")


def deliver(paths: Paths, source: Path, name: str | None = None, *, text: str | None = None,
            encoding: str = "utf-8") -> Path:
    """Put a file into LANDING/genesis/: a copy of `source`, or `text` (an edited copy) in `encoding`."""
    folder = paths.landing / "genesis"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    if text is None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(text.encode(encoding))
    return target


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def replace_line(text: str, line_no: int, new: str) -> str:
    lines = text.split("\n")
    lines[line_no - 1] = new
    return "\n".join(lines)


def line_of(text: str, startswith: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line starts with {startswith!r}")


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def one(con, sql, params=()):
    return con.execute(sql, params).fetchone()


# --- the shipped Darmstadt-Dieburg extracts --------------------------------------------------------------

def test_all_dadi_tables_load_with_lineage_and_known_values(tmp_path, con):
    paths = make_paths(tmp_path)
    for source in sorted(DADI.glob("*.csv")):
        deliver(paths, source)
    result = load_genesis(con, paths, DADI_REGION)

    assert result.quarantined == []
    assert len(result.loaded) == 9
    tables = {row[0] for row in con.execute("SELECT tabelle FROM raw.genesis__lieferungen").fetchall()}
    assert tables == {p.name.split("_")[0] for p in DADI.glob("*.csv")}
    assert tables <= set(SUPPORTED_TABLES)
    assert result.rows["raw.genesis__werte"] == one(con, "SELECT count(*) FROM raw.genesis__werte")[0]
    assert one(con, "SELECT sum(zeilen) FROM raw.genesis__lieferungen")[0] == result.rows["raw.genesis__werte"]

    # Griesheim, population 31.12.2015 (the figure published by Destatis)
    row = one(con, """
        SELECT wert, marker, jahr, stichtag, gebiet_ebene, gebiet_name, regionalschluessel, zeile, datei, stand
        FROM raw.genesis__werte WHERE tabelle = '12411-01-01-5' AND ags = '06432008'
          AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'""")
    assert row == (26907.0, None, 2015, dt.date(2015, 12, 31), "gemeinde", "Griesheim", "06432008",
                   line_of(read_text(dadi(POP)), "06432008;"), POP, dt.datetime(2017, 10, 10, 11, 1, 3))
    # the Kreis row and 23 Gemeinden, and Germany and Hessen as comparison rows; nothing else outside
    # the region (no Regierungsbezirk, no other Kreis)
    assert con.execute("""
        SELECT gebiet_ebene, count(DISTINCT regionalschluessel) FROM raw.genesis__werte WHERE tabelle = '12411-01-01-5'
        GROUP BY ALL ORDER BY ALL""").fetchall() == [("bund", 1), ("gemeinde", 23), ("kreis", 1), ("land", 1)]
    outside = ("SELECT count(*) FROM raw.genesis__werte WHERE NOT starts_with(regionalschluessel, '06432') "
               "AND regionalschluessel NOT IN ('DG', '06')")
    assert one(con, outside)[0] == 0
    assert one(con, """SELECT wert FROM raw.genesis__werte WHERE tabelle = '12411-01-01-5' AND regionalschluessel = '06'
                        AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'""")[0] == 6176172  # Hessen, Destatis

    # header paths as in docs/contracts.md
    merkmale = {r[0] for r in con.execute("SELECT DISTINCT merkmal FROM raw.genesis__werte").fetchall()}
    assert "männlich | 15 bis unter 18 Jahre" in merkmale
    assert "Arbeitslose | und zwar | langzeitarbeitslos" in merkmale
    assert "Zuzüge über die Gemeindegrenzen | weiblich | 65 Jahre und mehr" in merkmale
    assert "Ausländer(innen) | weiblich" in merkmale
    assert one(con, "SELECT count(DISTINCT merkmal) FROM raw.genesis__werte WHERE tabelle='12411-02-03-5'")[0] == 54

    # time from a title line (`Jahr: 2016`, annual average: no Stichtag), from a header row (`2015` under
    # `Bevölkerungsstand 30.06.`), from column 1 with decimal comma (12411-07-01-5), negative numbers
    assert one(con, """SELECT zeit, jahr, stichtag, wert FROM raw.genesis__werte WHERE tabelle = '13211-01-03-5'
                       AND ags = '06432008' AND merkmal = 'Arbeitslose | und zwar | langzeitarbeitslos'""") \
        == ("2016", 2016, None, 262.0)
    assert one(con, """SELECT zeit, stichtag, wert FROM raw.genesis__werte WHERE tabelle = '12411-06-01-5'
                       AND ags = '06432008' AND merkmal = 'Insgesamt'""") == ("2015", dt.date(2015, 6, 30), 26690.0)
    assert con.execute("""SELECT merkmal, wert FROM raw.genesis__werte WHERE tabelle = '12411-07-01-5'
                          AND ags = '06432008' ORDER BY merkmal""").fetchall() == [
        ("Durchschnittsalter der Bevölkerung", 42.8), ("Durchschnittsalter der Bevölkerung | männlich", 41.4),
        ("Durchschnittsalter der Bevölkerung | weiblich", 44.2)]
    assert one(con, """SELECT wert FROM raw.genesis__werte WHERE tabelle = '13111-08-02-5' AND ags = '06432008'
                       AND merkmal = 'Pendlersaldo (über Gemeindegrenze)'""")[0] == -5061.0
    # Kreis rows of the commuter table are blocked (`x`)
    assert one(con, """SELECT wert, marker FROM raw.genesis__werte WHERE tabelle = '13111-08-02-5' AND ags = '06432'
                       AND merkmal = 'Pendlersaldo (über Gemeindegrenze)'""") == (None, "x")
    # ... with the blocked cells of the comparison rows (Land, Bund)
    assert result.suppressed == one(con, "SELECT count(*) FROM raw.genesis__werte WHERE wert IS NULL")[0] == 6

    lieferung = one(con, """SELECT tabelle, titel, stand, encoding, ist_demodaten, zeilen FROM raw.genesis__lieferungen
                            WHERE datei = ?""", [ALO])
    assert lieferung[0] == "13211-01-03-5"
    assert lieferung[1].startswith("Arbeitslose nach ausgewählten Personengruppen - Jahresdurchschnitt -")
    assert lieferung[2:] == (dt.datetime(2017, 10, 10, 14, 10, 42), "UTF-8", False, 26 * 7)  # + Land, Bund


def test_sum_of_gemeinden_equals_kreis_row_in_dadi_tables(tmp_path, con):
    paths = make_paths(tmp_path)
    for source in sorted(DADI.glob("*.csv")):
        deliver(paths, source)
    load_genesis(con, paths, DADI_REGION)
    rows = con.execute("""
        WITH g AS (SELECT tabelle, zeit, merkmal, sum(wert) AS summe, count(*) AS n FROM raw.genesis__werte
                   WHERE gebiet_ebene = 'gemeinde' AND tabelle NOT IN ('12411-07-01-5') GROUP BY ALL),
             k AS (SELECT tabelle, zeit, merkmal, wert FROM raw.genesis__werte WHERE gebiet_ebene = 'kreis')
        SELECT tabelle, zeit, merkmal, k.wert, g.summe, g.n FROM g JOIN k USING (tabelle, zeit, merkmal)
    """).fetchall()
    assert len(rows) > 100
    report = [r for r in rows if r[3] is not None and r[3] != r[4]]
    print(f"Σ Gemeinden vs Kreis row, DaDi extracts: {len(rows)} comparisons, {len(report)} differ: {report[:5]}")
    assert all(r[5] == 23 for r in rows)
    # counts and stocks add up exactly; annual averages (13211) are rounded per Gemeinde: at most ±0.5 each
    assert [r for r in report if r[0] != "13211-01-03-5"] == []
    assert all(abs(r[4] - r[3]) <= 23 * 0.5 for r in report)


def test_table_is_recognised_from_the_header_not_the_file_name(tmp_path, con):
    paths = make_paths(tmp_path)
    deliver(paths, dadi(POP), "13211-01-03-5_irrefuehrend.csv")
    load_genesis(con, paths, DADI_REGION)
    assert one(con, "SELECT tabelle, datei FROM raw.genesis__lieferungen") == \
        ("12411-01-01-5", "13211-01-03-5_irrefuehrend.csv")
    assert con.execute("SELECT DISTINCT tabelle FROM raw.genesis__werte").fetchall() == [("12411-01-01-5",)]


def test_iso_8859_1_and_utf8_give_the_same_rows(tmp_path, con):
    paths = make_paths(tmp_path)
    # the Latin-1 copy carries a newer `Stand` (a declared correction): else the two are a conflict
    text = re.sub(r"Stand: \d{2}\.\d{2}\.\d{4}", "Stand: 01.01.2030", read_text(dadi(AGE)))
    deliver(paths, dadi(AGE), "utf8.csv")
    deliver(paths, dadi(AGE), "latin1.csv", text=text, encoding="iso-8859-1")
    assert (paths.landing / "genesis" / "latin1.csv").read_bytes() != dadi(AGE).read_bytes()
    result = load_genesis(con, paths, DADI_REGION)
    assert result.quarantined == [] and len(result.loaded) == 2
    assert dict(con.execute("SELECT datei, encoding FROM raw.genesis__lieferungen").fetchall()) == \
        {"utf8.csv": "UTF-8", "latin1.csv": "ISO-8859-1"}
    differences = one(con, """
        SELECT count(*) FROM (
            (SELECT zeit, regionalschluessel, gebiet_name, merkmal, wert, marker, zeile FROM raw.genesis__werte
             WHERE datei = 'utf8.csv'
             EXCEPT SELECT zeit, regionalschluessel, gebiet_name, merkmal, wert, marker, zeile FROM raw.genesis__werte
             WHERE datei = 'latin1.csv')
            UNION ALL
            (SELECT zeit, regionalschluessel, gebiet_name, merkmal, wert, marker, zeile FROM raw.genesis__werte
             WHERE datei = 'latin1.csv'
             EXCEPT SELECT zeit, regionalschluessel, gebiet_name, merkmal, wert, marker, zeile FROM raw.genesis__werte
             WHERE datei = 'utf8.csv'))""")[0]
    assert differences == 0
    latin1 = "SELECT DISTINCT {} FROM raw.genesis__werte WHERE datei = 'latin1.csv'"
    names = {r[0] for r in con.execute(latin1.format("gebiet_name")).fetchall()}
    assert {"Mühltal", "Roßdorf b Darmstadt", "Groß-Bieberau"} <= names
    assert "männlich | 75 Jahre und mehr" in {r[0] for r in con.execute(latin1.format("merkmal")).fetchall()}


def test_same_table_and_time_twice_without_a_newer_stand_is_a_conflict(tmp_path, con):
    """Two deliveries of one table × time with the same `Stand` (here: the same table in two encodings):
    neither is a declared correction, so both are refused and quarantined; nothing of them is valid."""
    paths = make_paths(tmp_path)
    deliver(paths, dadi(POP))
    deliver(paths, dadi(AGE), "utf8.csv")
    deliver(paths, dadi(AGE), "latin1.csv", text=read_text(dadi(AGE)), encoding="iso-8859-1")
    result = load_genesis(con, paths, DADI_REGION)
    assert [d.path.name for d in result.loaded] == [POP]
    # the refused files' rows are not counted as loaded (they were written, then the conflict refused them)
    werte = con.execute("SELECT count(*) FROM raw.genesis__werte WHERE datei = ?", [POP]).fetchone()[0]
    assert result.rows == {"raw.genesis__lieferungen": 1, "raw.genesis__werte": werte}
    assert sorted(p.name for p, _ in result.quarantined) == ["latin1.csv", "utf8.csv"]
    assert all("Konflikt" in reason and "Korrektur" in reason for _, reason in result.quarantined)
    assert sorted(p.name for p in (paths.landing / "_quarantine" / "genesis").glob("*.csv")) == [
        p.name for p in sorted((paths.landing / "_quarantine" / "genesis").glob("*.csv"))]
    assert len(list((paths.landing / "_quarantine" / "genesis").glob("*.reason.txt"))) == 2
    states = dict(con.execute("SELECT datei, status FROM raw.ingest__lieferstatus QUALIFY row_number() OVER "
                              "(PARTITION BY sha256 ORDER BY nr DESC) = 1").fetchall())
    assert states == {POP: "angenommen", "utf8.csv": "abgelehnt", "latin1.csv": "abgelehnt"}
    # a later download with a newer `Stand` is a correction and is accepted
    newer = re.sub(r"Stand: \d{2}\.\d{2}\.\d{4}", "Stand: 01.01.2030", read_text(dadi(AGE)))
    deliver(paths, dadi(AGE), "neu.csv", text=newer)
    result = load_genesis(con, paths, DADI_REGION)
    assert [d.path.name for d in result.loaded] == ["neu.csv"] and result.quarantined == []


def test_markers_not_in_the_real_files_edited_into_a_copy(tmp_path, con):
    """`...`, `/` and `()` do not occur in the shipped tables: put them into a copy of a real file."""
    paths = make_paths(tmp_path)
    text = read_text(dadi(ALO))
    number = line_of(text, "06432001;")  # Alsbach-Hähnlein;174;45;16;3;19;46;66
    fields = text.split("\n")[number - 1].split(";")
    fields[2:9] = ["...", "/", "(16)", "(2,5)", "-", ".", "x"]
    deliver(paths, dadi(ALO), "markers.csv", text=replace_line(text, number, ";".join(fields)))
    result = load_genesis(con, paths, DADI_REGION)
    assert result.quarantined == []
    rows = con.execute("""SELECT merkmal, wert, marker FROM raw.genesis__werte WHERE ags = '06432001'
                          ORDER BY zeile, merkmal""").fetchall()
    assert dict((m, (w, k)) for m, w, k in rows) == {
        "Arbeitslose insgesamt": (None, "..."),
        "Arbeitslose | und zwar | Ausländer": (None, "/"),
        "Arbeitslose | und zwar | schwerbehindert": (16.0, "()"),
        "Arbeitslose | und zwar | 15 bis unter 20 Jahre": (2.5, "()"),
        "Arbeitslose | und zwar | 15 bis unter 25 Jahre": (0.0, "-"),
        "Arbeitslose | und zwar | 55 bis unter 65 Jahre": (None, "."),
        "Arbeitslose | und zwar | langzeitarbeitslos": (None, "x"),
    }
    assert result.suppressed == 4


def test_demo_marker_in_footer_sets_ist_demodaten(tmp_path, con):
    paths = make_paths(tmp_path)
    text = read_text(dadi(POP))
    stand = line_of(text, "Stand:")
    demo = replace_line(text, stand, "DEMODATEN - synthetisch, keine amtlichen Zahlen\n" + text.split("\n")[stand - 1])
    deliver(paths, dadi(POP), "demo.csv", text=demo)
    deliver(paths, dadi(POP), "echt.csv")
    load_genesis(con, paths, DADI_REGION)
    assert dict(con.execute("SELECT datei, ist_demodaten FROM raw.genesis__lieferungen").fetchall()) == \
        {"demo.csv": True, "echt.csv": False}


def test_raw_tables_exist_without_any_delivery(tmp_path, con):
    result = load_genesis(con, make_paths(tmp_path), DADI_REGION)
    assert result.loaded == [] and result.quarantined == []
    assert one(con, "SELECT count(*) FROM raw.genesis__werte")[0] == 0
    columns = con.execute("""SELECT column_name, data_type FROM information_schema.columns
                             WHERE table_schema = 'raw' AND table_name = 'genesis__werte'
                             ORDER BY ordinal_position""").fetchall()
    assert columns == [
        ("tabelle", "VARCHAR"), ("zeit", "VARCHAR"), ("jahr", "INTEGER"), ("stichtag", "DATE"),
        ("regionalschluessel", "VARCHAR"), ("ags", "VARCHAR"), ("gebiet_ebene", "VARCHAR"),
        ("gebiet_name", "VARCHAR"), ("merkmal", "VARCHAR"), ("wert", "DOUBLE"), ("marker", "VARCHAR"),
        ("zeile", "INTEGER"), ("sha256", "VARCHAR"), ("datei", "VARCHAR"), ("stand", "TIMESTAMP"),
        ("geladen_am", "TIMESTAMP")]
    assert [c[0] for c in con.execute("""SELECT column_name FROM information_schema.columns
                                         WHERE table_schema = 'raw' AND table_name = 'genesis__lieferungen'
                                         ORDER BY ordinal_position""").fetchall()] == [
        "sha256", "datei", "tabelle", "titel", "stand", "encoding", "ist_demodaten", "zeilen", "geladen_am"]


def test_reloading_the_same_file_changes_nothing(tmp_path, con):
    paths = make_paths(tmp_path)
    deliver(paths, dadi(AGE))
    first = load_genesis(con, paths, DADI_REGION)
    before = one(con, "SELECT count(*), sum(wert) FROM raw.genesis__werte")
    again = load_genesis(con, paths, DADI_REGION)
    deliver(paths, dadi(AGE), "same_content_other_name.csv")
    third = load_genesis(con, paths, DADI_REGION)
    assert len(first.loaded) == 1 and again.loaded == [] and len(again.skipped) == 1
    assert third.loaded == [] and len(third.skipped) == 2
    assert one(con, "SELECT count(*), sum(wert) FROM raw.genesis__werte") == before
    assert one(con, "SELECT count(*) FROM raw.genesis__lieferungen")[0] == 1


def test_newer_stand_for_the_same_table_is_appended(tmp_path, con):
    paths = make_paths(tmp_path)
    deliver(paths, dadi(POP))
    load_genesis(con, paths, DADI_REGION)
    text = read_text(dadi(POP))
    griesheim = line_of(text, "06432008;")
    fields = text.split("\n")[griesheim - 1].split(";")
    fields[2] = "26910"  # corrected figure
    newer = replace_line(text, griesheim, ";".join(fields))
    newer = replace_line(newer, line_of(newer, "Stand:"), "Stand: 01.02.2018 / 09:30:00")
    deliver(paths, dadi(POP), "12411-01-01-5_korrigiert.csv", text=newer)
    result = load_genesis(con, paths, DADI_REGION)
    assert [d.path.name for d in result.loaded] == ["12411-01-01-5_korrigiert.csv"]
    assert con.execute("""SELECT stand, wert FROM raw.genesis__werte WHERE ags = '06432008' AND zeit = '31.12.2015'
                          AND merkmal = 'Insgesamt' ORDER BY stand""").fetchall() == [
        (dt.datetime(2017, 10, 10, 11, 1, 3), 26907.0), (dt.datetime(2018, 2, 1, 9, 30), 26910.0)]
    latest = one(con, """SELECT wert FROM raw.genesis__werte WHERE ags = '06432008' AND zeit = '31.12.2015'
                         AND merkmal = 'Insgesamt' QUALIFY stand = max(stand) OVER ()""")
    assert latest == (26910.0,)


# --- bad files ---------------------------------------------------------------------------------------------

def bad_files() -> dict[str, tuple[str, str]]:
    """name -> (edited text, expected fragment of the reason). Every file is an edited copy of a real one."""
    pop = read_text(dadi(POP))
    alo = read_text(dadi(ALO))
    griesheim = line_of(pop, "06432008;")
    g_fields = pop.split("\n")[griesheim - 1].split(";")
    shifted = replace_line(pop, griesheim, ";".join(g_fields[:2] + g_fields[3:]))  # one value missing
    extra = replace_line(pop, griesheim, ";".join(g_fields[:2] + ["26907"] + g_fields[2:]))  # one value too many
    a_line = line_of(alo, "06432004;")
    a_fields = alo.split("\n")[a_line - 1].split(";")
    a_fields[5] = "5a"
    unparseable = replace_line(alo, a_line, ";".join(a_fields))
    lines = pop.split("\n")
    cut = "\n".join(lines[:griesheim + 2] + [lines[griesheim + 2][:15]])  # truncated in the middle of a row
    no_stand = "\n".join(line for line in pop.split("\n") if not line.startswith("Stand:"))
    return {
        "not_genesis.csv": ("Tabelle: Bevölkerung\n" + pop.split("\n", 1)[1], "line 1, column 1: not a GENESIS table"),
        "unsupported.csv": (pop.replace("GENESIS-Tabelle: 12411-01-01-5", "GENESIS-Tabelle: 99999-01-01-5", 1),
                            "unsupported GENESIS table '99999-01-01-5'"),
        "truncated.csv": (cut, f"line {griesheim + 3}: no footer line"),
        "no_stand.csv": (no_stand, "expected 'Stand: dd.mm.yyyy / hh:mm:ss' as the last line"),
        "shifted.csv": (shifted, f"line {griesheim}, column 25: data row has 25 fields but the column header has 26"),
        "extra_field.csv": (extra, f"line {griesheim}, column 27: data row has 27 fields but the column header has 26"),
        "unparseable.csv": (unparseable, f"line {a_line}, column 6: value '5a' in column "
                                         f"'Arbeitslose | und zwar | 15 bis unter 20 Jahre' is not a number"),
    }


def test_bad_files_are_quarantined_with_reason_and_the_rest_loads(tmp_path, con):
    paths = make_paths(tmp_path)
    deliver(paths, dadi(AGE))
    load_genesis(con, paths, DADI_REGION)  # an earlier, good load that must survive
    before = one(con, "SELECT count(*), sum(wert) FROM raw.genesis__werte")

    cases = bad_files()
    for name, (text, _) in cases.items():
        deliver(paths, dadi(POP), name, text=text)
    deliver(paths, dadi(ALO))  # a good file in the same batch
    result = load_genesis(con, paths, DADI_REGION)

    assert [d.path.name for d in result.loaded] == [ALO]
    assert len(result.skipped) == 1
    reasons = {path.name: reason for path, reason in result.quarantined}
    assert set(reasons) == set(cases)
    for name, (_, expected) in cases.items():
        assert name in reasons[name] and expected in reasons[name], (name, reasons[name])
        assert not (paths.landing / "genesis" / name).exists()
        moved = list((paths.quarantine / "genesis").glob(f"*_{name}"))
        assert len(moved) == 1
        reason_file = moved[0].with_name(moved[0].name + ".reason.txt")
        assert expected in reason_file.read_text(encoding="utf-8")
    assert result.failed and "7 delivery file(s) refused" in result.failure_message()

    # nothing of the bad files, the earlier load intact, the good file complete
    assert one(con, "SELECT count(*) FROM raw.genesis__lieferungen")[0] == 2
    assert one(con, """SELECT count(*), sum(wert) FROM raw.genesis__werte WHERE tabelle = '12411-02-03-5'""") == before
    # 23 Gemeinden + Kreis + Hessen + Germany, 7 columns
    assert one(con, "SELECT count(*) FROM raw.genesis__werte WHERE tabelle = '13211-01-03-5'")[0] == 26 * 7
    assert one(con, "SELECT count(DISTINCT datei) FROM raw.genesis__werte")[0] == 2


def test_parse_error_names_file_line_column(tmp_path, con):
    text, _ = bad_files()["unparseable.csv"]
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    error, = parse_files(con, [path], "06432")
    assert isinstance(error, DeliveryError)
    assert error.file == path and error.line == line_of(text, "06432004;") and error.column == 6
    assert str(error).startswith("x.csv, line ")


def parsed_rows(con) -> dict[int, list[tuple]]:
    rows: dict[int, list[tuple]] = {}
    for nr, *row in con.execute("SELECT * FROM _genesis_neu ORDER BY ALL").fetchall():
        rows.setdefault(nr, []).append(tuple(row))
    return rows


def test_the_files_of_a_run_are_parsed_together_each_as_if_alone(tmp_path, con):
    """All new files are parsed in one go: the queries do not grow with the number of files (18 files, two
    encodings, both layouts, eight widths: fewer queries than two files parsed one after the other), and every
    file gets exactly the rows and the outcome it gets alone, a bad file among them included."""
    folder = tmp_path / "files"
    folder.mkdir()
    files = []
    for source in sorted(DADI.glob("*.csv")):
        text = read_text(source)
        for encoding in ("utf-8", "latin-1"):
            files.append(folder / f"{encoding}_{source.name}")
            files[-1].write_bytes(text.encode(encoding))
    bad_text, expected = bad_files()["unparseable.csv"]
    files.insert(5, folder / "unparseable.csv")
    files[5].write_text(bad_text, encoding="utf-8")

    alone = CountingConnection(con)
    outcomes, rows = [], {}
    for nr, path in enumerate(files):
        outcome, = parse_files(alone, [path], "06432")
        outcomes.append(outcome)
        rows[nr] = parsed_rows(con).get(0, [])
    together = CountingConnection(con)
    assert [str(o) for o in parse_files(together, files, "06432")] == [str(o) for o in outcomes]
    assert isinstance(outcomes[5], DeliveryError) and expected in str(outcomes[5]) and rows[5] == []
    assert {nr: r for nr, r in rows.items() if r} == parsed_rows(con)
    assert sum(1 for o in outcomes if not isinstance(o, DeliveryError)) == 18
    assert together.queries < 2 * alone.queries / len(files)


def test_footer_notes_with_quotes_and_semicolons_do_not_break_parsing(tmp_path, con):
    paths = make_paths(tmp_path)
    text = read_text(dadi(POP))
    footer = line_of(text, "__________")
    notes = ('__________\n"Hinweis; mit Semikolon;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;\n'
             'und ""Anführungszeichen""; über\n\nmehrere Zeilen"\nfreie Fußnote;ohne;Quote')
    noisy = replace_line(text, footer, notes)
    deliver(paths, dadi(POP), "noisy.csv", text=noisy)
    result = load_genesis(con, paths, DADI_REGION)
    assert result.quarantined == []
    assert one(con, "SELECT count(*) FROM raw.genesis__werte")[0] == 26 * 24  # 23 Gemeinden, Kreis, Land, Bund


# --- the full-Germany tables -------------------------------------------------------------------------------

def independent_gemeinden(path: Path, kreis: str, column: int = 2) -> dict[str, float]:
    """AGS -> value of `column` for every Gemeinde of a Kreis, read with plain csv (not the loader's SQL).

    Codes: 8 digits = Gemeinde unless it is a Gemeindeverband (longer codes below it, or a Samtgemeinde by
    name); 10-11 digits = Gemeinde inside a Verband (AGS = first 5 + last 3 digits); 7 digits = Verband.
    A Gemeinde that appears under two Verbände (membership changed) counts once, with its number.
    """
    with open(path, encoding="utf-8", newline="") as handle:
        rows = []
        for row in csv.reader(handle, delimiter=";"):
            if row and row[0].startswith("____"):
                break
            if row and re.fullmatch(r"[0-9]{2,12}", row[0]) and len(row) > 2 and row[1].strip():
                rows.append(row)
    codes = {r[0] for r in rows}
    result: dict[str, float] = {}
    for r in rows:
        code, name, value = r[0], r[1].strip(), r[column]
        if not code.startswith(kreis) or len(code) <= 5:
            continue
        if len(code) in (7, 9):
            continue
        if len(code) == 8 and (any(c != code and c.startswith(code) for c in codes) or "Samtgemeinde" in name):
            continue
        ags = code if len(code) == 8 else code[:5] + code[-3:]
        if value in ("-", ".", "x", "...", "/"):
            result.setdefault(ags, None)
            continue
        result[ags] = float(value.replace(",", "."))
    return result


def kreis_value(path: Path, kreis: str, column: int = 2) -> float:
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            if row and row[0] == kreis:
                return float(row[column])
    raise AssertionError(kreis)


@pytest.fixture(scope="module")
def germany_db(tmp_path_factory):
    """12411-01-01-5 and 13211-01-03-5 for all of Germany, loaded once for the module."""
    files = [germany("12411-01-01-5_00.csv"), germany("13211-01-03-5_00.csv")]
    base = tmp_path_factory.mktemp("germany")
    paths = make_paths(base)
    for source in files:
        deliver(paths, source)
    connection = duckdb.connect(str(base / "warehouse.duckdb"))
    result = load_genesis(connection, paths, ALL_GERMANY)
    assert result.quarantined == []
    yield connection
    connection.close()


# Kreise with Samtgemeinden (Gifhorn, NI), Verbandsgemeinden (Altenkirchen, RP), Ämter (Herzogtum Lauenburg,
# SH: the Ämter are not rows of these tables, their Gemeinden are) and Darmstadt-Dieburg (HE).
# Gemeinden with inhabitants on 31.12.2015 according to the Gemeindeverzeichnis: Gifhorn 41 (+ the
# uninhabited gemeindefreie Gebiet Giebel), Altenkirchen 119, Herzogtum Lauenburg 132 (+ Sachsenwald), DaDi 23.
KREISE = {"03151": 41, "07132": 119, "01053": 132, "06432": 23}


@pytest.mark.parametrize("kreis", sorted(KREISE))
def test_gemeinden_of_a_kreis_match_an_independent_count(germany_db, kreis):
    path = germany("12411-01-01-5_00.csv")
    expected = independent_gemeinden(path, kreis)
    rows = dict(germany_db.execute("""
        SELECT ags, wert FROM raw.genesis__werte
        WHERE tabelle = '12411-01-01-5' AND gebiet_ebene = 'gemeinde' AND zeit = '31.12.2015'
          AND merkmal = 'Insgesamt' AND left(ags, 5) = ?""", [kreis]).fetchall())
    assert set(rows) == set(expected)  # no Gemeinde lost, none invented
    assert sum(1 for v in rows.values() if v and v > 0) == KREISE[kreis]
    total = sum(v for v in rows.values() if v)
    assert total == sum(v for v in expected.values() if v)
    kreis_row = kreis_value(path, kreis)
    print(f"Kreis {kreis}: {len(rows)} Gemeinde rows, Σ Gemeinden 31.12.2015 = {total:,.0f}, "
          f"Kreis row = {kreis_row:,.0f}, difference {total - kreis_row:,.0f}")
    assert total == kreis_row


def test_no_gemeinde_is_duplicated_and_verbaende_are_not_gemeinden(germany_db):
    duplicates = germany_db.execute("""
        SELECT tabelle, ags, zeit, merkmal, count(*) FROM raw.genesis__werte
        WHERE gebiet_ebene IN ('gemeinde', 'kreis') GROUP BY ALL HAVING count(*) > 1 LIMIT 5""").fetchall()
    assert duplicates == []
    levels = dict(germany_db.execute("""
        SELECT DISTINCT regionalschluessel || ' ' || gebiet_name, gebiet_ebene FROM raw.genesis__werte
        WHERE tabelle = '12411-01-01-5' AND gebiet_ebene <> 'gemeinde' OR regionalschluessel IN
              ('03355049', '16070028', '01053130', '03151401002', '0713100007', '03151501')""").fetchall())
    assert levels["03151401 Boldecker Land, Samtgemeinde"] == "gemeindeverband"
    assert levels["03153402 Samtgemeinde Oberharz"] == "gemeindeverband"  # dissolved: no member rows
    assert levels["0713201 Altenkirchen (Westerwald), Verbandsgem."] == "gemeindeverband"
    assert levels["03355049 Amt Neuhaus"] == "gemeinde"  # a Gemeinde named "Amt ..."
    assert levels["16070028 Amt Wachsenburg"] == "gemeinde"
    assert levels["01053130 Wentorf (Amt Sandesneben)"] == "gemeinde"
    assert levels["03151401002 Barwedel"] == "gemeinde"
    assert levels["0713100007 Bad Neuenahr-Ahrweiler, verbandsfr. Gemeinde"] == "gemeinde"
    assert levels["11001 Berlin-Mitte"] == "bezirk"
    assert germany_db.execute("""SELECT DISTINCT ags FROM raw.genesis__werte WHERE regionalschluessel = '03151401002'
                                 """).fetchall() == [("03151002",)]
    # a Gemeinde that changed its Samtgemeinde (Denkte: Asse -> Elm-Asse) is one Gemeinde per year
    denkte = germany_db.execute("""SELECT zeit, regionalschluessel, wert FROM raw.genesis__werte
                                   WHERE ags = '03158008' AND merkmal = 'Insgesamt' AND tabelle = '12411-01-01-5'
                                   AND zeit IN ('31.12.2008', '31.12.2015') ORDER BY zeit""").fetchall()
    assert denkte == [("31.12.2008", "03158401008", 3077.0), ("31.12.2015", "03158407008", 2981.0)]


def test_kreisfreie_staedte_and_stadtstaaten_are_kreis_and_gemeinde(germany_db):
    path = germany("12411-01-01-5_00.csv")
    rows = germany_db.execute("""
        SELECT ags, gebiet_ebene, regionalschluessel, wert FROM raw.genesis__werte
        WHERE tabelle = '12411-01-01-5' AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'
          AND ags IN ('06411', '06411000', '02000', '02000000', '11000', '11000000', '09162', '09162000')
        ORDER BY ags""").fetchall()
    darmstadt, hamburg, berlin, muenchen = (kreis_value(path, c) for c in ("06411", "02", "11", "09162"))
    assert rows == [
        ("02000", "kreis", "02", hamburg), ("02000000", "gemeinde", "02", hamburg),
        ("06411", "kreis", "06411", darmstadt), ("06411000", "gemeinde", "06411", darmstadt),
        ("09162", "kreis", "09162", muenchen), ("09162000", "gemeinde", "09162", muenchen),
        ("11000", "kreis", "11", berlin), ("11000000", "gemeinde", "11", berlin)]
    # dissolved kreisfreie Städte (Sachsen 2008) do not become Gemeinden with zero inhabitants
    assert germany_db.execute("SELECT count(*) FROM raw.genesis__werte WHERE ags = '14161000'").fetchone()[0] == 0


def test_land_rows_equal_sum_of_gemeinden_2015(germany_db):
    rows = germany_db.execute("""
        WITH g AS (SELECT left(ags, 2) AS land, sum(wert) AS summe FROM raw.genesis__werte
                   WHERE tabelle = '12411-01-01-5' AND gebiet_ebene = 'gemeinde' AND zeit = '31.12.2015'
                     AND merkmal = 'Insgesamt' GROUP BY ALL)
        SELECT land, wert, summe FROM raw.genesis__werte JOIN g ON regionalschluessel = land
        WHERE tabelle = '12411-01-01-5' AND gebiet_ebene = 'land' AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'
        ORDER BY land""").fetchall()
    assert len(rows) == 16
    assert [(land, wert) for land, wert, summe in rows if wert != summe] == []
    assert sum(r[2] for r in rows) == 82175684  # Deutschland 31.12.2015


def test_real_markers_in_germany_tables(germany_db):
    path = germany("13211-01-03-5_00.csv")
    text = path.read_text(encoding="utf-8")
    x_line = next(n for n, line in enumerate(text.split("\n"), 1) if ";x;" in line or line.endswith(";x"))
    # `x`: blocked (gemeindefreie Gebiete in the unemployment table), `.`: Berlin Bezirke 2015,
    # `-`: Giebel (gemeindefreies Gebiet) population 2015
    assert germany_db.execute("""SELECT DISTINCT marker FROM raw.genesis__werte WHERE tabelle = '13211-01-03-5'
                                 AND zeile = ? """, [x_line]).fetchall() == [("x",)]
    assert germany_db.execute("""SELECT wert, marker FROM raw.genesis__werte WHERE regionalschluessel = '11001'
                                 AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'""").fetchall() == [(None, ".")]
    assert germany_db.execute("""SELECT wert, marker FROM raw.genesis__werte WHERE ags = '03151501'
                                 AND zeit = '31.12.2015' AND merkmal = 'Insgesamt'""").fetchall() == [(0.0, "-")]
    counts = dict(germany_db.execute("""SELECT marker, count(*) FROM raw.genesis__werte
                                        WHERE tabelle = '13211-01-03-5' GROUP BY ALL""").fetchall())
    assert counts["x"] > 0 and counts["."] > 0 and counts["-"] > 0


def test_region_filter_keeps_only_the_prefix(tmp_path, con):
    source = germany("12411-01-01-5_00.csv")
    paths = make_paths(tmp_path)
    deliver(paths, source)
    load_genesis(con, paths, SimpleNamespace(ags_prefix="03151", name="Gifhorn"))
    codes = {r[0] for r in con.execute("SELECT DISTINCT regionalschluessel FROM raw.genesis__werte").fetchall()}
    with open(source, encoding="utf-8") as handle:
        expected = {line.split(";")[0] for line in handle if line.startswith("03151")}
    assert len(expected) == 1 + 3 + 7 + 38 + 1  # Kreis, 3 + 7 Samtgemeinden, 38 members, Giebel
    # ... plus Germany and Niedersachsen as comparison rows, nothing else (no Gebietsstand key loaded here,
    # so no former Kreise)
    assert codes == expected | {"DG", "03"}
    con.execute("DELETE FROM raw.genesis__werte; DELETE FROM raw.genesis__lieferungen; "
                "DELETE FROM raw.ingest__lieferstatus")
    load_genesis(con, paths, SimpleNamespace(ags_prefix="02", name="Hamburg"))
    levels = "SELECT DISTINCT gebiet_ebene, regionalschluessel, ags FROM raw.genesis__werte ORDER BY 1"
    assert con.execute(levels).fetchall() == [("bund", "DG", None), ("gemeinde", "02", "02000000"),
                                              ("kreis", "02", "02000"), ("land", "02", None)]


def test_sum_of_gemeinden_vs_kreis_row_for_every_kreis(germany_db):
    """Reported for both tables; population 31.12.2015 must add up exactly in every Kreis."""
    rows = germany_db.execute("""
        WITH g AS (SELECT tabelle, left(ags, 5) AS kreis, zeit, merkmal, sum(wert) AS summe, count(*) AS n,
                          count(*) FILTER (WHERE wert IS NULL) AS unterdrueckt
                   FROM raw.genesis__werte WHERE gebiet_ebene = 'gemeinde' GROUP BY ALL),
             k AS (SELECT tabelle, ags AS kreis, zeit, merkmal, wert FROM raw.genesis__werte
                   WHERE gebiet_ebene = 'kreis')
        SELECT tabelle, zeit, count(*) AS vergleiche,
               count(*) FILTER (WHERE unterdrueckt = 0 AND k.wert IS NOT NULL AND summe <> k.wert) AS abweichend,
               max(abs(summe - k.wert)) FILTER (WHERE unterdrueckt = 0) AS max_abweichung,
               count(*) FILTER (WHERE unterdrueckt > 0 OR k.wert IS NULL) AS mit_unterdrueckung
        FROM k JOIN g USING (tabelle, kreis, zeit, merkmal) GROUP BY ALL ORDER BY ALL""").fetchall()
    for row in rows:
        print("Σ Gemeinden vs Kreis: table {}, {}: {} comparisons, {} differ (max {}), {} with suppressed values"
              .format(*row))
    population_2015 = [r for r in rows if r[0] == "12411-01-01-5" and r[1] == "31.12.2015"]
    assert population_2015[0][2] >= 3 * 400 and population_2015[0][3] == 0  # 416 Kreise x 3 columns


def test_a_table_of_another_kreis_keeps_nothing_not_even_its_land_and_bund_rows(tmp_path, con):
    """Its Land/Bund rows alone would make it the current delivery of its periods and hide the region's
    rows of the earlier delivery."""
    paths = make_paths(tmp_path)
    deliver(paths, dadi(POP))
    load_genesis(con, paths, DADI_REGION)
    before = one(con, "SELECT count(*) FROM raw.genesis__werte")[0]
    other = read_text(dadi(POP)).replace("06432", "09999").replace("Stand: 10.10.2017", "Stand: 11.10.2017")
    deliver(paths, dadi(POP), "anderer_kreis.csv", text=other)
    result = load_genesis(con, paths, DADI_REGION)
    assert [d.path.name for d in result.loaded] == ["anderer_kreis.csv"]
    assert any("keine Zeile der Region" in h for h in result.hints)
    assert one(con, "SELECT count(*) FROM raw.genesis__werte")[0] == before
    assert one(con, "SELECT zeilen FROM raw.genesis__lieferungen WHERE datei = 'anderer_kreis.csv'")[0] == 0


def test_rows_of_former_kreise_are_kept_for_the_gebietsstand_conversion(tmp_path, con):
    """Göttingen (03159) was formed in 2016 from Kreis Göttingen (03152) and Osterode am Harz (03156):
    with the Gebietsstand key loaded, the rows of both former Kreise are kept; other Kreise are not."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("""CREATE TABLE raw.gebietsstand__schluessel AS
                   SELECT * FROM (VALUES ('gemeinde', 2008, '03152011', '03159015'),
                                         ('gemeinde', 2008, '03156005', '03159002'),
                                         ('gemeinde', 2008, '03151005', '03151005'))
                   t(ebene, jahr, ags_alt, ags_ziel)""")
    paths = make_paths(tmp_path)
    deliver(paths, germany("12411-01-01-5_00.csv"))
    load_genesis(con, paths, SimpleNamespace(ags_prefix="03159", name="Göttingen"))
    kreise = {r[0] for r in con.execute("SELECT DISTINCT left(regionalschluessel, 5) FROM raw.genesis__werte "
                                        "WHERE length(regionalschluessel) >= 5").fetchall()}
    assert kreise == {"03152", "03156", "03159"}
    assert one(con, "SELECT count(*) FROM raw.genesis__werte WHERE ags = '03152011' AND zeit = '31.12.2008'")[0] > 0
