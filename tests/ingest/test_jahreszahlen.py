"""Annual counts per Gemeinde (orchestration/ingest/_jahreszahlen.py): the Sozialamt file with its optional
columns (Grundsicherung bei Erwerbsminderung, HLU), the AsylbLG and the Wohngeld families — typed rows,
markers, row rejects, plausibility against the population (file, line and column), periods and corrections."""

from __future__ import annotations

from types import SimpleNamespace

from orchestration.ingest import lieferstatus
from orchestration.ingest.asylblg import load_asylblg
from orchestration.ingest.grundsicherung import load_grundsicherung
from orchestration.ingest.melderegister import load_melderegister
from orchestration.ingest.runner import Options
from orchestration.ingest.wohngeld import load_wohngeld

REGION = SimpleNamespace(ags_prefix="06432")
GS_HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen"


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
