"""Annual counts per Gemeinde (orchestration/ingest/_jahreszahlen.py): the Sozialamt file with its optional
columns (Grundsicherung bei Erwerbsminderung, HLU), the AsylbLG and the Wohngeld families — typed rows,
markers, row rejects, plausibility against the population (file, line and column), periods and corrections, and
the new files of a run read and checked together, each as if alone."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb

from orchestration.ingest import lieferstatus
from orchestration.ingest.asylblg import load_asylblg
from orchestration.ingest.grundsicherung import load_grundsicherung
from orchestration.ingest.melderegister import load_melderegister
from orchestration.ingest.region import Region, load_region
from orchestration.ingest.runner import Options
from orchestration.ingest.wohngeld import load_wohngeld
from orchestration.settings import DEFAULT_REGION, Paths

REGION = SimpleNamespace(ags_prefix="06432")
GS_HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen"
HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus"


def melderegister(paths, write, con, einwohner_je_zelle: int = 20) -> int:
    """A Melderegister extract 31.12.2016 for 06432001/06432002 (the population the counts are judged by)."""
    lines = [f"31.12.2016;{ags};;{sex};{age};{einwohner_je_zelle}" for ags in ("06432001", "06432002")
             for sex in "mw" for age in range(101)]
    write(paths.landing / "melderegister" / "melderegister_20161231.csv",
          ["stichtag;ags;ortsteil;geschlecht;alter;anzahl", *lines])
    assert not load_melderegister(con, paths, REGION).failed
    return 2 * 101 * einwohner_je_zelle


def test_sozialamt_file_with_further_columns(paths, con, write):
    write(paths.landing / "grundsicherung" / "grundsicherung_alter_2016.csv", [
        "# DEMODATEN – synthetisch erzeugt, keine echten Daten", GS_HEADER,
        "31.12.2016;06432001;Alsbach-Hähnlein;52;47;19",
        "31.12.2016;06432002;Babenhausen;91;.;-",
        "31.12.2016;06432003;Bickenbach;32;1.034;6",
    ])
    result = load_grundsicherung(con, paths, REGION)
    assert not result.failed, result.quarantined
    assert result.rows["raw.grundsicherung__empfaenger"] == 3
    assert result.rows["raw.grundsicherung__leistungen"] == 6
    assert result.suppressed == 1
    assert con.execute("SELECT ags, anzahl FROM raw.grundsicherung__empfaenger ORDER BY ags").fetchall() == [
        ("06432001", 52), ("06432002", 91), ("06432003", 32)]
    rows = con.execute("SELECT ags, merkmal, anzahl, marker, zeile, ist_demodaten FROM raw.grundsicherung__leistungen "
                       "ORDER BY ags, merkmal").fetchall()
    assert rows == [
        ("06432001", "empfaenger_erwerbsminderung", 47, None, 3, True),
        ("06432001", "hlu_ausserhalb_einrichtungen", 19, None, 3, True),
        ("06432002", "empfaenger_erwerbsminderung", None, ".", 4, True),
        ("06432002", "hlu_ausserhalb_einrichtungen", 0, "-", 4, True),
        ("06432003", "empfaenger_erwerbsminderung", 1034, None, 5, True),
        ("06432003", "hlu_ausserhalb_einrichtungen", 6, None, 5, True),
    ]


def test_older_sozialamt_file_without_the_further_columns_stays_valid(paths, con, write):
    write(paths.landing / "grundsicherung" / "grundsicherung_alter_2015.csv",
          ["stichtag;ags;gemeinde;empfaenger_65_plus", "31.12.2015;06432001;Alsbach-Hähnlein;50"])
    result = load_grundsicherung(con, paths, REGION)
    assert not result.failed and result.rows["raw.grundsicherung__empfaenger"] == 1
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__leistungen").fetchone() == (0,)


def test_a_further_column_with_text_is_a_row_reject(paths, con, write):
    write(paths.landing / "grundsicherung" / "grundsicherung_alter_2016.csv", [
        GS_HEADER, "31.12.2016;06432001;Alsbach-Hähnlein;52;47;viele", "31.12.2016;06432002;Babenhausen;91;80;30"])
    result = load_grundsicherung(con, paths, REGION, options=Options(max_reject_share=0.5))
    assert not result.failed and result.rejected == 1
    assert con.execute("SELECT zeile, grund, datensatz->>'hlu_ausserhalb_einrichtungen' FROM raw.grundsicherung__rejects"
                       ).fetchall() == [(2, "hlu_ausserhalb_einrichtungen: erwartet ganze Zahl ≥ 0, . oder -", "viele")]
    assert con.execute("SELECT DISTINCT ags FROM raw.grundsicherung__leistungen").fetchall() == [("06432002",)]


def test_counts_above_the_population_refuse_the_file_naming_line_and_column(paths, con, write):
    residents = melderegister(paths, write, con)
    write(paths.landing / "grundsicherung" / "grundsicherung_alter_2016.csv", [
        GS_HEADER, "31.12.2016;06432001;Alsbach-Hähnlein;52;47;19", "31.12.2016;06432002;Babenhausen;91;50000;30"])
    write(paths.landing / "wohngeld" / "wohngeld_2016.csv",
          ["stichtag;ags;gemeinde;wohngeldhaushalte", "31.12.2016;06432001;Alsbach-Hähnlein;60",
           f"31.12.2016;06432002;Babenhausen;{residents + 1}"])
    write(paths.landing / "asylblg" / "asylblg_2016.csv",
          ["stichtag;gemeinde;ags;regelleistungen", f"31.12.2016;Alsbach-Hähnlein;06432001;{residents * 3}"])
    (_, gs), = load_grundsicherung(con, paths, REGION).quarantined
    assert gs.startswith("grundsicherung_alter_2016.csv, line 3, column 5: empfaenger_erwerbsminderung = 50000 für "
                         f"06432002 ist größer als die Zahl der Einwohner ({residents}, 2016 ±1 Jahr): unplausibel"), gs
    (_, wg), = load_wohngeld(con, paths, REGION).quarantined
    assert wg.startswith(f"wohngeld_2016.csv, line 3, column 4: wohngeldhaushalte = {residents + 1} für 06432002"), wg
    (_, ab), = load_asylblg(con, paths, REGION).quarantined
    assert ab.startswith(f"asylblg_2016.csv, line 2, column 4: regelleistungen = {residents * 3} für 06432001"), ab
    for table in ("grundsicherung__empfaenger", "grundsicherung__leistungen", "wohngeld__haushalte", "asylblg__empfaenger"):
        assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone() == (0,), table


def test_wohngeld_and_asylblg_load_with_markers_and_their_own_period(paths, con, write):
    melderegister(paths, write, con)
    write(paths.landing / "wohngeld" / "wohngeld_2016.csv", [
        "# DEMODATEN – synthetisch erzeugt, keine echten Daten", "stichtag;ags;gemeinde;wohngeldhaushalte",
        "31.12.2016;06432001;Alsbach-Hähnlein;61", "31.12.2016;06432002;Babenhausen;."])
    write(paths.landing / "asylblg" / "asylblg_2016.csv",
          ["stichtag;ags;gemeinde;regelleistungen", "31.12.2016;06432001;Alsbach-Hähnlein;-",
           "31.12.2016;06432002;Babenhausen;175"])
    wohngeld = load_wohngeld(con, paths, REGION)
    asyl = load_asylblg(con, paths, REGION)
    assert not wohngeld.failed and not asyl.failed
    assert wohngeld.suppressed == 1
    assert con.execute("SELECT ags, anzahl, marker, ist_demodaten FROM raw.wohngeld__haushalte ORDER BY ags").fetchall() == [
        ("06432001", 61, None, True), ("06432002", None, ".", True)]
    assert con.execute("SELECT ags, anzahl, marker FROM raw.asylblg__empfaenger ORDER BY ags").fetchall() == [
        ("06432001", 0, "-"), ("06432002", 175, None)]
    assert con.execute("SELECT berichtszeitraum, zeilen FROM raw.asylblg__lieferungen").fetchall() == [("2016", 2)]
    # a second Wohngeld delivery for 31.12.2016 is a conflict, a declared correction replaces it
    write(paths.landing / "wohngeld" / "wohngeld_2016_b.csv",
          ["stichtag;ags;gemeinde;wohngeldhaushalte", "31.12.2016;06432001;Alsbach-Hähnlein;62",
           "31.12.2016;06432002;Babenhausen;9"])
    (_, reason), = load_wohngeld(con, paths, REGION).quarantined
    assert "Konflikt" in reason and "wohngeld_2016.csv" in reason
    write(paths.landing / "wohngeld" / "wohngeld_2016_korrektur.csv",
          ["stichtag;ags;gemeinde;wohngeldhaushalte", "31.12.2016;06432001;Alsbach-Hähnlein;62",
           "31.12.2016;06432002;Babenhausen;8"])
    assert not load_wohngeld(con, paths, REGION).failed
    states = {s.datei: s.status for s in lieferstatus.current(con, "wohngeld").values()}
    assert states == {"wohngeld_2016.csv": "angenommen", "wohngeld_2016_b.csv": "abgelehnt",
                      "wohngeld_2016_korrektur.csv": "angenommen"}


def test_missing_count_column_names_the_expected_header(paths, con, write):
    write(paths.landing / "asylblg" / "asylblg_2016.csv",
          ["stichtag;ags;gemeinde;empfaenger", "31.12.2016;06432001;Alsbach-Hähnlein;3"])
    (_, reason), = load_asylblg(con, paths, REGION).quarantined
    assert "line 1: missing required column(s) regelleistungen" in reason


def test_columns_the_layout_does_not_know_never_reach_a_table(paths, con, write):
    """A Wohngeld export with the applicants' names and addresses: only stichtag, AGS, Gemeinde and the count
    are stored (privacy contract: names are never read into raw, rejects or reasons)."""
    write(paths.landing / "wohngeld" / "wohngeld_2016.csv", [
        "stichtag;ags;gemeinde;wohngeldhaushalte;nachname;strasse",
        "31.12.2016;06432001;Alsbach-Hähnlein;61;Mustermann;Hauptstraße 1",
        "31.12.2016;06432002;Babenhausen;x;Musterfrau;Bahnhofstraße 2"])
    result = load_wohngeld(con, paths, REGION, options=Options(max_reject_share=0.5))
    assert not result.failed and result.rejected == 1
    for table in ("wohngeld__haushalte", "wohngeld__rejects", "wohngeld__lieferungen"):
        columns = [c for c, in con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
                                           f"AND table_name = '{table}'").fetchall()]
        assert columns and not {"nachname", "strasse"} & set(columns), table
        text = str(con.execute(f"SELECT * FROM raw.{table}").fetchall())
        assert "Muster" not in text and "straße" not in text, table


def test_the_files_of_a_run_are_read_together_each_as_if_alone(tmp_path):
    """All new files of a run are read and checked together: every file gets exactly the rows, rejects, deliveries row
    and outcome it gets when it is delivered alone — an Ortsteil file after the Gemeinde file of its year, which its
    sums are checked against — (years, further counts or none, two encodings, Ortsteil files with the Gemeinde file of
    their year in the same run, and files refused for each kind of problem among them), and the queries do not grow
    with the files (fewer than two files' worth)."""
    from tests.ingest.conftest import CountingConnection, write_lines
    from tests.ingest.test_grundsicherung_ortsteile import DEMO, gemeinde_file
    from tests.ingest.test_grundsicherung_ortsteile import lines as ortsteil_lines

    profile = Region.load(DEFAULT_REGION)
    unknown_key = ortsteil_lines(2020)
    unknown_key[3] = unknown_key[3].replace(";002;", ";099;")
    files = {  # name -> (lines, encoding, line ending)
        "grundsicherung_alter_2014.csv": (["stichtag;ags;gemeinde", "31.12.2014;06432001;Alsbach"], "utf-8", "\n"),
        "grundsicherung_alter_2015.csv": (["# DEMODATEN", "stichtag;ags;gemeinde;empfaenger_65_plus",
                                           "31.12.2015;06432001;Alsbach-Hähnlein;50", "31.12.2015;06432002;Babenhausen;.",
                                           "31.12.2015;06432003;Bickenbach;-"], "latin-1", "\r\n"),
        "grundsicherung_alter_2016.csv": ([GS_HEADER, "31.12.2016;06432001;Alsbach-Hähnlein;60;30;19",
                                           "31.12.2016;06432002;Babenhausen;91;.;-", "31.12.2016;06432003;Bickenbach;7;3;x",
                                           "31.12.2016;06432004;Dieburg;1.234;80;12",
                                           "31.12.2016;06432002;Babenhausen;91;.;-"], "utf-8", "\n"),
        "grundsicherung_ortsteile_2016.csv": (ortsteil_lines(2016), "utf-8", "\n"),  # adds up to its Gemeinde file
        "grundsicherung_alter_2017.csv": (gemeinde_file(2017, g65=59), "utf-8", "\n"),
        "grundsicherung_ortsteile_2017.csv": (ortsteil_lines(2017), "utf-8", "\n"),  # 60, the Gemeinde file says 59
        "grundsicherung_alter_2018.csv": ([HEADER, "31.12.2018;06432001;Alsbach-Hähnlein;5", "31.12.2018;06432002;x;y",
                                           "31.12.2018;0643200;Babenhausen;6"], "utf-8", "\n"),  # 2 of 3 rejected
        "grundsicherung_ortsteile_2019.csv": ([DEMO, "stichtag;ags;ortsteil;empfaenger_65_plus",
                                               *(f"31.12.2019;06432001;{k};{n}" for k, n in (("1", 5), ("002", 6)))],
                                              "utf-8", "\n"),  # no Gemeinde file, one count only
        "grundsicherung_ortsteile_2020.csv": (unknown_key, "utf-8", "\n"),
        "grundsicherung_alter_2021.csv": ([GS_HEADER.replace(";hlu_ausserhalb_einrichtungen", ""),
                                           "31.12.2021;06432;Darmstadt-Dieburg;500;300", "31.12.2021;6432001;Alsbach;5;3",
                                           "31.12.2021;06432001;Alsbach;5;3"], "utf-8", "\n"),
    }

    def load(folder: Path, names: list[str], before: list[str]) -> tuple[dict, int]:
        """Each file's outcome and rows when `names` are delivered together (after `before`, in a run of their own);
        the queries of that run."""
        paths = Paths(region=profile.path, landing=folder / "landing", out=folder / "out")
        paths.out.mkdir(parents=True)
        with duckdb.connect(str(paths.warehouse)) as con:
            load_region(con, profile)
            for group in (before, names):
                for name in group:
                    lines, encoding, newline = files[name]
                    write_lines(paths.landing / "grundsicherung" / name, lines, encoding=encoding, newline=newline)
                counting = CountingConnection(con)
                result = load_grundsicherung(counting, paths, profile, options=Options(max_reject_share=0.4))
            seen = {name: {"refused": None, "rows": {}} for name in names}
            for path, reason in result.quarantined:
                seen[path.name]["refused"] = reason
            for table in ("empfaenger", "leistungen", "ortsteile", "rejects", "lieferungen"):
                for datei, *row in con.execute(f"SELECT datei, * EXCLUDE (datei, geladen_am) "
                                               f"FROM raw.grundsicherung__{table} ORDER BY rowid").fetchall():
                    if datei in seen:
                        seen[datei]["rows"].setdefault(table, []).append(tuple(row))
        return seen, counting.queries

    alone, queries = {}, 0
    for number, name in enumerate(files):
        gemeinde = name.replace("_ortsteile_", "_alter_")
        seen, count = load(tmp_path / f"alone{number}", [name], [gemeinde] if gemeinde != name and gemeinde in files
                           else [])
        alone |= seen
        queries += count
    together, count = load(tmp_path / "together", list(files), [])
    assert together == alone
    refused = {name for name, seen in alone.items() if seen["refused"]}
    assert refused == {"grundsicherung_alter_2014.csv", "grundsicherung_ortsteile_2017.csv",
                       "grundsicherung_alter_2018.csv", "grundsicherung_ortsteile_2020.csv"}, alone
    assert "die Gemeindedatei desselben Stichtags nennt 59" in alone["grundsicherung_ortsteile_2017.csv"]["refused"]
    assert "2 of 3 records rejected" in alone["grundsicherung_alter_2018.csv"]["refused"]
    assert [len(alone[f"grundsicherung_{name}.csv"]["rows"].get(t, [])) for name, t in (
        ("alter_2016", "empfaenger"), ("alter_2016", "leistungen"), ("alter_2016", "rejects"),
        ("ortsteile_2016", "ortsteile"), ("ortsteile_2019", "ortsteile"), ("alter_2021", "leistungen"))] == [3, 6, 2, 6, 2, 2]
    assert count < 2 * queries / len(files), (count, queries)
