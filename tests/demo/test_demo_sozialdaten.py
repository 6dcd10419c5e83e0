"""Demo data of the families added for the Kreistag's questions (orchestration/demo/sozialdaten.py): the public
figures they are calibrated on are met, the files are labelled and consistent, and their random streams are
their own (the other demo families do not change with them)."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from orchestration.demo import DEMO_MARKER, generate_demo_deliveries, model
from orchestration.demo import sozialdaten as sd
from orchestration.ingest.melderegister import HAUSHALTSTYPEN, staatsangehoerigkeiten

YEARS = list(range(2015, 2025))


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        first = handle.readline()
        assert first.startswith("#") and DEMO_MARKER in first, path.name
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def einwohner(landing) -> dict[int, list[dict[str, str]]]:
    return {y: rows(landing / "melderegister" / f"melderegister_{y}1231.csv") for y in range(2014, 2025)}


def test_nationality_meets_the_public_shares(einwohner):
    codes = staatsangehoerigkeiten()
    for year, records in einwohner.items():
        assert {r["staatsangehoerigkeit"] for r in records} <= set(codes)
        total = Counter()
        foreign = Counter()
        for r in records:
            total[r["ags"]] += int(r["anzahl"])
            if codes[r["staatsangehoerigkeit"]] == "auslaendisch":
                foreign[r["ags"]] += int(r["anzahl"])
        share = sum(foreign.values()) / sum(total.values())
        assert share == pytest.approx(sd.auslaenderanteil_kreis(year), abs=0.0005), year
        if year == 2015:  # the six Gemeinden published for 31.12.2015
            for ags, public in sd.AUSLAENDERANTEIL_2015.items():
                assert foreign[ags] / total[ags] == pytest.approx(public, abs=0.0015), ags
    # the public anchors themselves: 11.6 % (2014), 12.8 % (2015), 14.3 % (Zensus 2022)
    assert (sd.auslaenderanteil_kreis(2014), sd.auslaenderanteil_kreis(2015), sd.auslaenderanteil_kreis(2022)) == (
        0.116, 0.128, 0.143)


def test_one_german_row_per_cell_and_at_most_one_foreign_row(einwohner):
    records = einwohner[2020]
    # a cell: Gemeinde (or Ortsteil: 10 Gemeinden without, 57 Ortsteile of 13 Gemeinden) × sex × age
    cells = Counter((r["ags"], r["ortsteil"], r["geschlecht"], r["alter"], r["staatsangehoerigkeit"] == "000")
                    for r in records)
    assert max(cells.values()) == 1
    german = {k[:4] for k in cells if k[4]}
    assert len([k for k in german if k[2] in "mw"]) == (10 + 57) * 2 * 101  # zeros included
    foreign_minors = sum(int(r["anzahl"]) for r in records if r["staatsangehoerigkeit"] != "000" and int(r["alter"]) < 18)
    minors = sum(int(r["anzahl"]) for r in records if int(r["alter"]) < 18)
    assert 0.05 < foreign_minors / minors < sd.auslaenderanteil_kreis(2020)  # fewer children than adults are foreign


def test_households_follow_the_zensus_2011_structure(landing, einwohner):
    for year in (2014, 2019, 2024):
        records = rows(landing / "melderegister" / f"melderegister_haushalte_{year}1231.csv")
        assert len(records) == 23 * len(HAUSHALTSTYPEN)
        assert {r["haushaltstyp"] for r in records} == set(HAUSHALTSTYPEN) == set(sd.HAUSHALTSTYPEN_2011)
        by_type = Counter()
        for r in records:
            by_type[r["haushaltstyp"]] += int(r["anzahl"])
        households = sum(by_type.values())
        public = sd.HAUSHALTSTYPEN_2011
        single_parents = public["alleinerziehende"] / (public["alleinerziehende"] + public["paar_mit_kindern"])
        assert by_type["alleinerziehende"] / (by_type["alleinerziehende"] + by_type["paar_mit_kindern"]) == \
            pytest.approx(single_parents, abs=0.015)
        persons = sum(int(r["anzahl"]) for r in einwohner[year])
        assert persons / households == pytest.approx(sd.PERSONEN_JE_HAUSHALT_2011 * 0.996 ** (year - 2011), rel=0.03)


def _counts(landing: Path, family: str, column: str, year: int) -> list[str]:
    return [r[column] for r in rows(landing / family / f"{family}_{year}.csv")]


def test_wohngeld_and_asylblg_meet_the_public_totals(landing):
    for year in YEARS:
        households = sum(int(r["anzahl"]) for r in rows(landing / "melderegister" / f"melderegister_haushalte_{year}1231.csv"))
        wohngeld = _counts(landing, "wohngeld", "wohngeldhaushalte", year)
        known = [int(v) for v in wohngeld if v != "."]
        assert len(wohngeld) == 23 and all(v == "." or int(v) >= 3 or v == "0" for v in wohngeld)
        assert sum(known) / households == pytest.approx(sd.WOHNGELD_ANTEIL[year], rel=0.2), year
        asyl = _counts(landing, "asylblg", "regelleistungen", year)
        total = sum(int(v) for v in asyl if v != ".")
        expected = sd.ASYLBLG_DEUTSCHLAND[year] * sd.ANTEIL_AN_DEUTSCHLAND
        assert total == pytest.approx(expected, rel=0.05), year
    # the Kreis' own figures: 1,557 Asylbewerber in January 2015, 3,825 Schutzsuchende in spring 2016
    assert 1557 < sum(int(v) for v in _counts(landing, "asylblg", "regelleistungen", 2015) if v != ".") < 3825 * 1.1


def test_sozialamt_columns_follow_the_public_ratios(landing, einwohner):
    em = alter = hlu = residents = 0
    for year in YEARS:
        for r in rows(landing / "grundsicherung" / f"grundsicherung_alter_{year}.csv"):
            if "." not in (r["empfaenger_65_plus"], r["empfaenger_erwerbsminderung"]):
                em += int(r["empfaenger_erwerbsminderung"])
                alter += int(r["empfaenger_65_plus"])
            if r["hlu_ausserhalb_einrichtungen"] != ".":
                hlu += int(r["hlu_ausserhalb_einrichtungen"])
        residents += sum(int(r["anzahl"]) for r in einwohner[year])
    assert em / alter == pytest.approx(sd.ERWERBSMINDERUNG_JE_ALTER, rel=0.05)
    assert hlu / residents == pytest.approx(sd.HLU_JE_EINWOHNER, rel=0.2)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_new_streams_do_not_touch_the_other_families(tmp_path, monkeypatch):
    """Other draws for nationality, households, Sozialhilfe, AsylbLG and Wohngeld change only those figures."""
    years = range(2016, 2017)
    first = generate_demo_deliveries(tmp_path / "a", years=years, progress=False)
    shifted = {k: (v + 100 if k in ("nationalitaet", "haushalte", "wohngeld", "asylblg", "sozialhilfe") else v)
               for k, v in model.COMPONENTS.items()}
    monkeypatch.setattr(model, "COMPONENTS", shifted)
    second = generate_demo_deliveries(tmp_path / "b", years=years, progress=False)
    assert first["datensaetze"]["jugendhilfe"] == second["datensaetze"]["jugendhilfe"]
    for sub in ("sgb2", "jugendhilfe", "genesis"):
        for path in sorted((tmp_path / "a" / sub).iterdir()):
            assert _digest(path) == _digest(tmp_path / "b" / sub / path.name), path.name
    changed = [p.name for p in sorted((tmp_path / "a" / "wohngeld").iterdir())
               if _digest(p) != _digest(tmp_path / "b" / "wohngeld" / p.name)]
    assert changed  # the shift did reach the new families
    a, b = tmp_path / "a", tmp_path / "b"
    gs = "grundsicherung/grundsicherung_alter_2016.csv"
    assert [r["empfaenger_65_plus"] for r in rows(a / gs)] == [r["empfaenger_65_plus"] for r in rows(b / gs)]

    def cells(records: list[dict[str, str]]) -> Counter:
        out = Counter()
        for r in records:
            out[(r["ags"], r["geschlecht"], r["alter"])] += int(r["anzahl"])
        return out

    mr = "melderegister/melderegister_20161231.csv"
    assert cells(rows(a / mr)) == cells(rows(b / mr))  # the population is the same, only its nationalities differ
