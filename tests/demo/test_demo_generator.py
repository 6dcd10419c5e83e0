"""Demo generator: completeness, labels, layouts, determinism, calibration, record consistency, scale."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from orchestration import settings
from orchestration.demo import DEMO_MARKER, ensure_demo_deliveries, generate_demo_deliveries, scale_kreis_codes
from orchestration.demo.genesis_io import read_genesis
from orchestration.demo.jugendhilfe import HZE

YEARS = list(range(2015, 2025))
MONATE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]
REAL = settings.SHIPPED_DATA / "genesis" / "dadi"
REF = settings.SHIPPED_DATA / "reference"
REGION = settings.DEFAULT_REGION
AGE_BOUNDS = [0, 3, 6, 10, 15, 18, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 75, 101]

# Header lines exactly as docs/deliveries.md documents them
HEADERS = {
    "melderegister": "stichtag;ags;ortsteil;geschlecht;alter;anzahl;staatsangehoerigkeit",
    "melderegister_haushalte": "stichtag;ags;ortsteil;haushaltstyp;anzahl",
    "grundsicherung": "stichtag;ags;gemeinde;empfaenger_65_plus;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen",
    "grundsicherung_ortsteile": "stichtag;ags;ortsteil;empfaenger_65_plus;empfaenger_erwerbsminderung;"
                                "hlu_ausserhalb_einrichtungen",
    "wohngeld": "stichtag;ags;gemeinde;wohngeldhaushalte",
    "asylblg": "stichtag;ags;gemeinde;regelleistungen",
    "hilfen": "fall_id;hilfeart;beginn;ende;geburtsmonat;geburtsjahr;geschlecht;wohnort_ags;wohnort_ortsteil;"
              "alleinerziehend;transferleistung;beendigungsgrund;nachname;vorname;strasse;hausnummer;plz;ort",
    "gefaehrdungen_8a": "fall_id;datum;alter;geschlecht;wohnort_ags;wohnort_ortsteil;ergebnis;nachname;vorname;strasse;plz;ort",
    "inobhutnahmen_42": "fall_id;paragraph;beginn;ende;anlass;unbegleitet;alter;geschlecht;wohnort_ags;"
                        "wohnort_ortsteil;nachname;vorname;strasse;plz;ort",
}


def _region_ags() -> list[str]:
    with open(settings.DEFAULT_REGION / "gemeinden_stammdaten.csv", encoding="utf-8") as handle:
        return [r["ags"] for r in csv.DictReader(handle)]


def read_delivery(path: Path) -> tuple[str, list[str], list[list[str]]]:
    """(first line, header fields, records) of a demo CSV delivery."""
    with open(path, encoding="utf-8", newline="") as handle:
        first = handle.readline().rstrip("\n")
        rows = list(csv.reader(handle, delimiter=";"))
    return first, rows[0], rows[1:]


def records(path: Path) -> list[dict[str, str]]:
    _, header, rows = read_delivery(path)
    return [dict(zip(header, r, strict=False)) for r in rows]


@pytest.fixture(scope="module")
def melderegister(landing) -> dict[int, dict[tuple[str, str, int], int]]:
    out: dict[int, dict[tuple[str, str, int], int]] = {}
    for year in range(2014, 2025):
        data = {}
        for r in records(landing / "melderegister" / f"melderegister_{year}1231.csv"):  # summed over nationalities
            key = (r["ags"], r["geschlecht"], int(r["alter"]))
            data[key] = data.get(key, 0) + int(r["anzahl"])
        out[year] = data
    return out


def _pop(mel: dict, lo: int = 0, hi: int = 101, ags: str | None = None) -> int:
    return sum(v for (a, _, age), v in mel.items() if lo <= age < hi and (ags is None or a == ags))


# ------------------------------------------------------------------------------- files and labels


def test_every_family_and_year_is_written(landing):
    assert sorted(p.name for p in (landing / "sgb2").glob("*.xlsx")) == \
        [f"sgb2_gemeinden_{y}{m:02d}.xlsx" for y in YEARS for m in range(1, 13)]
    assert sorted(p.name for p in (landing / "grundsicherung").iterdir()) == sorted(
        [f"grundsicherung_alter_{y}.csv" for y in YEARS] + [f"grundsicherung_ortsteile_{y}.csv" for y in YEARS])
    assert sorted(p.name for p in (landing / "melderegister").iterdir()) == sorted(
        [f"melderegister_{y}1231.csv" for y in range(2014, 2025)]
        + [f"melderegister_haushalte_{y}1231.csv" for y in range(2014, 2025)])
    assert sorted(p.name for p in (landing / "wohngeld").iterdir()) == [f"wohngeld_{y}.csv" for y in YEARS]
    assert sorted(p.name for p in (landing / "asylblg").iterdir()) == [f"asylblg_{y}.csv" for y in YEARS]
    assert sorted(p.name for p in (landing / "jugendhilfe").iterdir()) == sorted(
        f"{kind}_{y}.csv" for y in YEARS for kind in ("hilfen", "gefaehrdungen_8a", "inobhutnahmen_42"))
    genesis = {p.name for p in (landing / "genesis").iterdir()}
    expected_demo = (
        {"12411-01-01-5_06432_demo_2016-2024.csv"}
        | {f"12411-02-03-5_06432_demo_{y}.csv" for y in [2014, *range(2016, 2025)]}
        | {f"13211-01-03-5_06432_demo_{y}.csv" for y in [2015, *range(2017, 2025)]}
        | {f"13111-02-02-5_06432_demo_{y}.csv" for y in range(2016, 2025)}
        | {f"12711-01-03-5_06432_demo_{y}.csv" for y in range(2016, 2025)}
        | {f"13111-01-03-5_06432_demo_{y}.csv" for y in range(2016, 2025)}
        | {f"12411-07-01-5_06432_demo_{y}.csv" for y in range(2016, 2025)}
    )
    assert genesis == expected_demo | {p.name for p in REAL.glob("*.csv")}
    assert not (landing / ".demodaten_in_arbeit").exists()


def test_real_genesis_extracts_are_copied_unchanged(landing):
    for real in REAL.glob("*.csv"):
        assert (landing / "genesis" / real.name).read_bytes() == real.read_bytes()


def test_every_demo_file_is_labelled(landing):
    for path in sorted(landing.rglob("*")):
        if not path.is_file() or (path.parent.name == "genesis" and (REAL / path.name).exists()):
            continue
        if path.suffix == ".xlsx":
            ws = openpyxl.load_workbook(path, read_only=True)["Gemeinden"]
            texts = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
            title = texts[:8]
            assert any(DEMO_MARKER in t for t in title), path.name
            assert DEMO_MARKER in texts[-1], path.name
        elif path.parent.name == "genesis":
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines[1].startswith(DEMO_MARKER), path.name
            footer = lines[lines.index("__________"):]
            assert footer[1].startswith(DEMO_MARKER), path.name
        else:
            first, _, _ = read_delivery(path)
            assert first.startswith("#") and DEMO_MARKER in first, path.name


def test_csv_headers_are_the_documented_ones(landing):
    for family, folder, pattern in (("melderegister", "melderegister", "melderegister_????????.csv"),
                                    ("melderegister_haushalte", "melderegister", "melderegister_haushalte_*.csv"),
                                    ("grundsicherung", "grundsicherung", "grundsicherung_alter_*.csv"),
                                    ("grundsicherung_ortsteile", "grundsicherung", "grundsicherung_ortsteile_*.csv"),
                                    ("wohngeld", "wohngeld", "*.csv"),
                                    ("asylblg", "asylblg", "*.csv"),
                                    ("hilfen", "jugendhilfe", "hilfen_*.csv"),
                                    ("gefaehrdungen_8a", "jugendhilfe", "gefaehrdungen_8a_*.csv"),
                                    ("inobhutnahmen_42", "jugendhilfe", "inobhutnahmen_42_*.csv")):
        files = sorted((landing / folder).glob(pattern))
        assert files
        for path in files:
            with open(path, encoding="utf-8") as handle:
                handle.readline()
                assert handle.readline().rstrip("\n") == HEADERS[family], path.name
            _, header, rows = read_delivery(path)
            assert all(len(r) == len(header) for r in rows), path.name


def test_deliveries_doc_lists_these_headers():
    doc = (settings.REPO_ROOT / "docs" / "deliveries.md").read_text(encoding="utf-8")
    flat = re.sub(r"\s*\n\s*", "", doc)
    for header in HEADERS.values():
        assert header in flat, header


# ------------------------------------------------------------------------------------ determinism


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(landing, tmp_path):
    """A second run in another process (other hash seed, later wall-clock time) writes the same bytes."""
    import os
    import subprocess
    import sys

    again = tmp_path / "again"
    code = ("from pathlib import Path; from orchestration.demo import generate_demo_deliveries; "
            f"generate_demo_deliveries(Path({str(again)!r}), progress=False)")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=settings.REPO_ROOT, env=env)
    assert _digests(again) == _digests(landing)


def test_other_seed_gives_other_data(landing, tmp_path):
    other = tmp_path / "other"
    generate_demo_deliveries(other, seed=7, years=range(2016, 2017), progress=False)
    assert (other / "jugendhilfe" / "hilfen_2016.csv").read_bytes() != \
        (landing / "jugendhilfe" / "hilfen_2016.csv").read_bytes()
    # the real extracts do not depend on the seed
    assert (other / "genesis" / "12411-01-01-5_06432_extract.csv").read_bytes() == \
        (REAL / "12411-01-01-5_06432_extract.csv").read_bytes()


# ------------------------------------------------------------------------------------ GENESIS layout


def _demo_tables(landing: Path):
    for path in sorted((landing / "genesis").glob("*_demo_*.csv")):
        table = path.name.split("_")[0]
        yield path, read_genesis(REAL / f"{table}_06432_extract.csv"), read_genesis(path)


def test_genesis_demo_tables_have_the_real_layout(landing):
    region = _region_ags()
    seen = 0
    for path, real, demo in _demo_tables(landing):
        seen += 1
        multi_year = path.name.startswith("12411-01-01-5")
        # title block: the real lines (padding aside) plus the demo line after the first one
        assert demo.head[0] == real.head[0]
        assert demo.head[1].startswith(DEMO_MARKER)
        strip = [line.rstrip(";") for line in demo.head[2:]]
        real_strip = [line.rstrip(";") for line in real.head[1:]]
        assert len(strip) == len(real_strip), path.name
        for mine, theirs in zip(strip, real_strip, strict=True):
            if multi_year and theirs.startswith(";;"):
                continue  # time and sex rows: 3 columns per year, checked below
            assert re.sub(r"\d{4}", "YYYY", mine) == re.sub(r"\d{4}", "YYYY", theirs), path.name
        # same rows: codes and indented names, in the same order (after the date column where the table has one)
        c = real.code_col
        assert demo.code_col == c
        assert [r[c:c + 2] for r in demo.rows] == [r[c:c + 2] for r in real.rows], path.name
        width = len(demo.rows[0])
        assert all(len(r) == width for r in demo.rows)
        assert all(line.count(";") == width - 1 for line in demo.head[1:]), path.name
        if not multi_year:
            assert width == len(real.rows[0]), path.name
        else:
            years = demo.head[-2].split(";")[2:]
            assert years == [f"31.12.{y}" for y in range(2024, 2015, -1) for _ in range(3)]
            assert demo.head[-1].split(";")[2:] == ["Insgesamt", "männlich", "weiblich"] * 9
        # footer: the real one plus the demo line, with a fixed Stand line
        assert demo.footer[0] == "__________" and demo.footer[1].startswith(DEMO_MARKER)
        assert demo.footer[2:-1] == real.footer[1:-1], path.name
        assert re.fullmatch(r"Stand: \d{2}\.\d{2}\.20\d{2} / \d{2}:\d{2}:\d{2}", demo.footer[-1])
        if path.name.startswith("12411-07-01-5"):
            # average ages (one decimal) of the demo year in every row; the Kreis lies within its Gemeinden
            year = _demo_file_years(path.name).pop()
            assert {r[0] for r in demo.rows} == {f"31.12.{year}"}, path.name
            ages = {r[1]: [float(v.replace(",", ".")) for v in r[3:]] for r in demo.rows}
            assert all(re.fullmatch(r"\d{2},\d", v) for r in demo.rows for v in r[3:]), path.name
            for k in range(3):
                gemeinden = [ages[a][k] for a in region]
                assert min(gemeinden) <= ages["06432"][k] <= max(gemeinden), path.name
            continue
        # values: whole numbers; Kreis row = Σ Gemeinden
        kreis = demo.numbers("06432")
        sums = [sum(col) for col in zip(*(demo.numbers(a) for a in region), strict=False)]
        assert kreis == sums, path.name
    assert seen == 1 + 10 + 9 + 9 + 9 + 9 + 9


def test_genesis_demo_tables_are_internally_consistent(landing):
    region = _region_ags()
    for path, _, demo in _demo_tables(landing):
        table = path.name.split("_")[0]
        if table == "12411-07-01-5":  # average ages: the total lies between the sexes
            for ags in region:
                insg, m, w = (float(x.replace(",", ".")) for x in demo.values(ags))
                assert min(m, w) - 0.05 <= insg <= max(m, w) + 0.05, (path.name, ags)
            continue
        for ags in region:
            v = demo.numbers(ags)
            if table == "12411-01-01-5":
                for k in range(0, len(v), 3):
                    assert v[k] == v[k + 1] + v[k + 2]
            elif table == "12411-02-03-5":
                assert v[17] == sum(v[:17]) and v[35] == sum(v[18:35]) and v[53] == sum(v[36:53])
                assert v[:17] == [a + b for a, b in zip(v[18:35], v[36:53], strict=True)]
            elif table == "13211-01-03-5":
                assert all(part <= v[0] for part in v[1:]) and v[3] <= v[4]
            elif table in ("13111-02-02-5", "13111-01-03-5"):
                assert v[0] == v[1] + v[2] and v[3] == v[4] + v[5] and v[3] <= v[0]
            elif table == "12711-01-03-5":
                for block in range(0, 42, 21):
                    ins, m, w = v[block:block + 7], v[block + 7:block + 14], v[block + 14:block + 21]
                    assert ins == [a + b for a, b in zip(m, w, strict=True)]
                    assert m[6] == sum(m[:6]) and w[6] == sum(w[:6])


def test_read_genesis_keeps_time_lines_in_the_head():
    """A bare-year time line (`2015;;;…`, 12711-01-03-5) belongs to the head, not to the data rows."""
    for real_path in sorted(REAL.glob("*.csv")):
        table = read_genesis(real_path)
        assert all(row[table.code_col + 1].strip() for row in table.rows), real_path.name  # every row has a name
        assert not any(row[table.code_col] == "2015" for row in table.rows), real_path.name
    moves = read_genesis(REAL / "12711-01-03-5_06432_extract.csv")
    assert any(line.split(";")[0] == "2015" for line in moves.head)
    assert moves.rows[0][:2] == ["DG", "Deutschland"]


def _demo_file_years(name: str) -> set[int]:
    """The years a demo file is meant to hold, from its name (`_demo_2019.csv`, `_demo_2016-2024.csv`)."""
    span = re.search(r"_demo_(\d{4})(?:-(\d{4}))?\.csv$", name)
    first, last = int(span.group(1)), int(span.group(2) or span.group(1))
    return set(range(first, last + 1))


def test_genesis_demo_tables_hold_their_own_periods(landing, tmp_path):
    """Loaded by the GENESIS ingest, every demo file holds exactly the periods in its name, none of the
    real extracts' periods, and each (table, period) comes from one file only; real + demo together
    cover 2015–2024 for every table."""
    duckdb = pytest.importorskip("duckdb")
    import shutil

    from orchestration.ingest.genesis import load_genesis
    from orchestration.ingest.region import Region
    from orchestration.settings import Paths

    copy = tmp_path / "landing"
    shutil.copytree(landing / "genesis", copy / "genesis")  # the ingest may move files (quarantine)
    con = duckdb.connect(str(tmp_path / "genesis.duckdb"))
    paths = Paths(region=settings.DEFAULT_REGION, landing=copy, out=tmp_path / "out")
    result = load_genesis(con, paths, Region.load(settings.DEFAULT_REGION))
    assert not result.quarantined, result.quarantined
    assert result.rejected == 0
    periods: dict[str, set[tuple[str, str]]] = {}
    for datei, tabelle, zeit in con.execute("SELECT DISTINCT datei, tabelle, zeit FROM raw.genesis__werte").fetchall():
        periods.setdefault(datei, set()).add((tabelle, zeit))
    files = sorted(p.name for p in (copy / "genesis").glob("*.csv"))
    assert sorted(periods) == files

    demo_files = [f for f in files if "_demo_" in f]
    assert len(demo_files) == 1 + 10 + 9 + 9 + 9 + 9 + 9
    real_periods: dict[str, set[str]] = {}
    for name in files:
        if "_demo_" not in name:
            for tabelle, zeit in periods[name]:
                real_periods.setdefault(tabelle, set()).add(zeit)
    for name in demo_files:
        tabelle = name.split("_")[0]
        # the period label as the real table writes it (`2015`, `31.12.2015`, `30.06.2015`), with this year
        labels = {re.sub(r"\d{4}$", "{}", z) for z in real_periods[tabelle]}
        assert len(labels) == 1, (tabelle, labels)
        label = labels.pop()
        expected = {(tabelle, label.format(y)) for y in _demo_file_years(name)}
        assert periods[name] == expected, name
        assert not {z for _, z in periods[name]} & real_periods[tabelle], name

    owners: dict[tuple[str, str], list[str]] = {}
    for name, keys in periods.items():
        for key in keys:
            owners.setdefault(key, []).append(name)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    for tabelle in {name.split("_")[0] for name in demo_files}:
        years = {int(z[-4:]) for t, z in owners if t == tabelle}
        assert set(YEARS) <= years, (tabelle, sorted(set(YEARS) - years))


# ----------------------------------------------------------------------------------- calibration


def test_melderegister_2015_equals_real_age_groups(melderegister):
    real = read_genesis(REAL / "12411-02-03-5_06432_extract.csv")
    mel = melderegister[2015]
    for ags in _region_ags():
        v = real.numbers(ags)
        for sex, offset in (("m", 18), ("w", 36)):
            for k in range(17):
                lo, hi = AGE_BOUNDS[k], AGE_BOUNDS[k + 1]
                got = sum(n for (a, s, age), n in mel.items() if a == ags and s == sex and lo <= age < hi)
                assert got == v[offset + k], (ags, sex, k)
    assert not any(s == "d" for (_, s, _) in mel)


def test_melderegister_totals_follow_the_official_population(melderegister):
    with open(REF / "dadi_bevoelkerung_gv.csv", encoding="utf-8") as handle:
        gv = list(csv.DictReader(handle))
    for r in gv:
        year = int(r["stichtag"][:4])
        if year in melderegister:
            assert _pop(melderegister[year], ags=r["ags"]) == int(r["insgesamt"]), (r["ags"], year)
    pop = read_genesis(REAL / "12411-01-01-5_06432_extract.csv")
    for ags in _region_ags():
        assert _pop(melderegister[2014], ags=ags) == pop.numbers(ags)[3]  # 31.12.2014 Insgesamt
    # plausible single-year structure: every age occupied, thinning out after 80
    kreis = melderegister[2020]
    assert all(_pop(kreis, age, age + 1) > 1000 for age in range(80))
    assert all(_pop(kreis, age, age + 1) > 0 for age in range(98))
    assert _pop(kreis, 80, 81) > _pop(kreis, 90, 91) > _pop(kreis, 97, 98)
    assert 0 < _pop(kreis, 100, 101) < 200


def test_genesis_population_tables_equal_the_melderegister(landing, melderegister):
    pop = read_genesis(landing / "genesis" / "12411-01-01-5_06432_demo_2016-2024.csv")
    for ags in _region_ags():
        values = pop.numbers(ags)
        for k, year in enumerate(range(2024, 2015, -1)):
            assert values[3 * k] == _pop(melderegister[year], ags=ags), (ags, year)
    for year in [2014, *range(2016, 2025)]:
        groups = read_genesis(landing / "genesis" / f"12411-02-03-5_06432_demo_{year}.csv")
        for ags in _region_ags()[:5]:
            v = groups.numbers(ags)
            for k in range(17):
                assert v[k] == _pop(melderegister[year], AGE_BOUNDS[k], AGE_BOUNDS[k + 1], ags), (ags, year, k)


def _xlsx_rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    ws = openpyxl.load_workbook(path, read_only=True)["Gemeinden"]
    rows = list(ws.iter_rows(values_only=True))
    data = [r for r in rows if isinstance(r[0], str) and re.fullmatch(r"\d{5}|\d{8}", r[0])]
    return rows, data


def test_sgb2_december_2016_matches_kreistag_figures(landing):
    with open(REF / "dadi_sgb2_kunden_20161231_kreistag.csv", encoding="utf-8") as handle:
        kunden = {r["ags"]: int(r["sgb2_kunden_20161231"]) for r in csv.DictReader(handle)}
    _, data = _xlsx_rows(landing / "sgb2" / "sgb2_gemeinden_201612.xlsx")
    personen = {r[0]: r[4] for r in data}
    for ags, ref in kunden.items():
        assert isinstance(personen[ags], int)
        assert abs(personen[ags] - ref) <= max(0.03 * ref, 3), (ags, personen[ags], ref)
    assert abs(personen["06432"] - sum(kunden.values())) < 0.02 * sum(kunden.values())


def test_sgb2_trend_and_gemeinde_differences(landing, melderegister):
    dec = {}
    for year in YEARS:
        _, data = _xlsx_rows(landing / "sgb2" / f"sgb2_gemeinden_{year}12.xlsx")
        dec[year] = {r[0]: r for r in data}
    kreis = {y: dec[y]["06432"][4] for y in YEARS}
    assert 0.85 < kreis[2019] / kreis[2017] < 1.0  # fewer after the 2017 peak
    assert kreis[2023] > kreis[2021]  # Ukraine 2022
    # SGB II share (persons in BG / population) differs clearly between Gemeinden
    shares = {a: r[4] / _pop(melderegister[2016], ags=a) for a, r in dec[2016].items() if len(a) == 8}
    assert max(shares.values()) > 2 * min(shares.values())


def test_sgb2_xlsx_layout_and_disclosure_rule(landing):
    for path in sorted((landing / "sgb2").glob("*.xlsx"))[::7]:
        rows, data = _xlsx_rows(path)
        month = int(path.stem[-2:])
        year = int(path.stem[-6:-2])
        assert rows[0][0] == "Grundsicherung für Arbeitsuchende (SGB II) – Gemeindedaten"
        assert re.fullmatch(rf"Berichtsmonat: [A-Za-zä]+ {year}", rows[1][0])
        assert rows[2][0].startswith("Gebietsstand:") and rows[3][0].startswith("Quelle:")
        header = rows.index(next(r for r in rows if r[0] == "AGS"))
        assert rows[header][:6] == ("AGS", "Gemeinde", "Bedarfsgemeinschaften (BG)", None, "Personen in BG",
                                    "Leistungsberechtigte (LB)")
        assert rows[header + 1][2:] == ("insgesamt", "davon Alleinerziehende-BG", None, "insgesamt",
                                        "Regelleistungsberechtigte (RLB)", "davon erwerbsfähige LB (ELB)",
                                        "davon nicht erwerbsfähige LB (NEF)", "darunter NEF unter 15 Jahren",
                                        "sonstige Leistungsberechtigte (SLB)")
        assert rows[header + 2] == tuple(range(1, 12))
        assert [r[0] for r in data] == _region_ags() + ["06432"]
        gemeinden = data[:-1]
        for r in gemeinden:
            values = r[2:]
            assert all(v in ("*", "-") or (isinstance(v, int) and v >= 3) for v in values), (path.name, r)
            stars = sum(v == "*" for v in values)
            assert stars != 1, (path.name, r)
            num = {k: v for k, v in enumerate(values) if isinstance(v, int) or v == "-"}
            val = {k: (0 if v == "-" else v) for k, v in num.items()}
            if {3, 4, 8} <= val.keys():
                assert val[3] == val[4] + val[8]
            if {4, 5, 6} <= val.keys():
                assert val[4] == val[5] + val[6]
            if {0, 1} <= val.keys():
                assert val[1] <= val[0]
        for col in range(2, 11):
            assert sum(r[col] == "*" for r in gemeinden) != 1, (path.name, col)
        assert any("Datenstand" in str(r[0]) for r in rows if r[0])
        assert rows[1][0].split()[-2:] == [MONATE[month - 1], str(year)]  # file name ↔ Berichtsmonat


def test_sgb2_has_suppressed_and_zero_cells(landing):
    stars = dashes = 0
    for path in sorted((landing / "sgb2").glob("*12.xlsx")):
        _, data = _xlsx_rows(path)
        cells = [v for r in data for v in r[2:]]
        stars += cells.count("*")
        dashes += cells.count("-")
    assert stars > 0 and dashes > 0


def test_grundsicherung_values(landing, melderegister):
    suppressed = 0
    for year in YEARS:
        rows = records(landing / "grundsicherung" / f"grundsicherung_alter_{year}.csv")
        assert [r["ags"] for r in rows] == _region_ags()
        assert all(r["stichtag"] == f"31.12.{year}" for r in rows)
        known = [r for r in rows if r["empfaenger_65_plus"] != "."]
        suppressed += len(rows) - len(known)
        total = sum(int(r["empfaenger_65_plus"]) for r in known)
        e65 = sum(_pop(melderegister[year], 65, 101, r["ags"]) for r in known)
        assert 0.02 < total / e65 < 0.05
    assert 1 <= suppressed <= 10


def test_hze_and_child_protection_rates(landing, melderegister):
    uma = {}
    for year in YEARS:
        u21 = _pop(melderegister[year], 0, 21)
        u18 = _pop(melderegister[year], 0, 18)
        hilfen = Counter(r["hilfeart"] for r in records(landing / "jugendhilfe" / f"hilfen_{year}.csv"))
        hze = sum(hilfen[h] for h in HZE)
        assert 600 <= hze / u21 * 10000 <= 700, (year, hze / u21 * 10000)
        assert hilfen["28"] > 0 and hilfen["35a"] > 0 and hilfen["41"] > 0
        gef = records(landing / "jugendhilfe" / f"gefaehrdungen_8a_{year}.csv")
        assert 5 <= len(gef) / u18 * 1000 <= 7.5, (year, len(gef) / u18 * 1000)
        acute = sum(r["ergebnis"] in ("akut", "latent") for r in gef) / len(gef)
        assert 0.25 <= acute <= 0.42
        iob = records(landing / "jugendhilfe" / f"inobhutnahmen_42_{year}.csv")
        n42 = sum(r["paragraph"] == "42" for r in iob)
        assert 2 <= n42 / u18 * 1000 <= 4, (year, n42 / u18 * 1000)
        uma[year] = sum(r["paragraph"] == "42a" for r in iob)
        assert all(r["unbegleitet"] == "j" for r in iob if r["paragraph"] == "42a")
    assert uma[2015] + uma[2016] > sum(uma[y] for y in range(2017, 2025))
    # 35a rises over the decade
    h = {y: Counter(r["hilfeart"] for r in records(landing / "jugendhilfe" / f"hilfen_{y}.csv")) for y in (2015, 2024)}
    assert h[2024]["35a"] > 1.3 * h[2015]["35a"]


def test_small_gemeinden_have_small_youth_welfare_counts(landing):
    iob = records(landing / "jugendhilfe" / "inobhutnahmen_42_2019.csv")
    per_gemeinde = Counter(r["wohnort_ags"] for r in iob)
    assert min(per_gemeinde.get(a, 0) for a in _region_ags()) < 3


# ------------------------------------------------------------------------------ record consistency


def _month(text: str) -> int:
    y, m = text.split("-")
    return int(y) * 12 + int(m) - 1


def test_hilfen_records_are_consistent(landing):
    region = set(_region_ags())
    first_seen: dict[str, tuple] = {}
    for year in YEARS:
        rows = records(landing / "jugendhilfe" / f"hilfen_{year}.csv")
        ids = [r["fall_id"] for r in rows]
        assert len(ids) == len(set(ids)), year
        for r in rows:
            beginn = _month(r["beginn"])
            birth = int(r["geburtsjahr"]) * 12 + int(r["geburtsmonat"]) - 1
            assert birth < beginn <= year * 12 + 11
            age_begin = (beginn - birth) // 12
            if r["hilfeart"] == "41":
                assert 18 <= age_begin <= 20
            else:
                assert 0 <= age_begin <= 17
            if r["ende"]:
                ende = _month(r["ende"])
                assert beginn <= ende and year * 12 <= ende <= year * 12 + 11
                assert (ende - birth) // 12 <= (20 if r["hilfeart"] == "41" else 17)
                assert r["beendigungsgrund"]
            else:
                assert r["beendigungsgrund"] == ""
            assert r["wohnort_ags"] in region
            assert r["geschlecht"] in ("m", "w", "d")
            assert r["alleinerziehend"] in "jnu" and r["transferleistung"] in "jnu"
            assert r["nachname"] and r["vorname"] and r["strasse"] and r["plz"] and r["ort"]
            key = (r["hilfeart"], r["beginn"], r["geburtsmonat"], r["geburtsjahr"], r["wohnort_ags"])
            assert first_seen.setdefault(r["fall_id"], key) == key  # same Hilfe, same fall_id over years


def test_8a_and_42_records_are_consistent(landing):
    region = set(_region_ags())
    for year in YEARS:
        gef = records(landing / "jugendhilfe" / f"gefaehrdungen_8a_{year}.csv")
        assert len({r["fall_id"] for r in gef}) == len(gef)
        for r in gef:
            assert dt.date.fromisoformat(r["datum"]).year == year
            assert 0 <= int(r["alter"]) <= 17 and r["wohnort_ags"] in region
            assert r["ergebnis"] in ("akut", "latent", "hilfebedarf", "keine")
        iob = records(landing / "jugendhilfe" / f"inobhutnahmen_42_{year}.csv")
        assert len({r["fall_id"] for r in iob}) == len(iob)
        for r in iob:
            beginn = dt.date.fromisoformat(r["beginn"])
            assert beginn.year == year and r["paragraph"] in ("42", "42a")
            if r["ende"]:
                ende = dt.date.fromisoformat(r["ende"])
                assert beginn <= ende <= dt.date(year, 12, 31)
            assert 0 <= int(r["alter"]) <= 17 and r["unbegleitet"] in ("j", "n") and r["wohnort_ags"] in region


# ------------------------------------------------------------------------------ ensure and scale


def test_ensure_generates_only_into_an_empty_landing(tmp_path):
    target = tmp_path / "landing"
    (target / "sgb2").mkdir(parents=True)
    (target / "sgb2" / "echte_lieferung.xlsx").write_bytes(b"x")
    assert ensure_demo_deliveries(target) is None
    assert [p.name for p in target.rglob("*") if p.is_file()] == ["echte_lieferung.xlsx"]
    # an interrupted generation (marker left behind) is completed
    (target / ".demodaten_in_arbeit").write_text("x")
    summary = ensure_demo_deliveries(target, years=range(2024, 2025))
    assert summary is not None and (target / "jugendhilfe" / "hilfen_2024.csv").exists()
    assert not (target / ".demodaten_in_arbeit").exists()


def test_scale_codes_fallback_is_synthetic():
    codes = scale_kreis_codes(3, "06432", germany_table=None)
    assert [c for c, _ in codes] == ["99001", "99002", "99003"]


def test_scale_mode_multiplies_records_and_writes_a_region(landing, tmp_path):
    scaled = tmp_path / "scaled"
    summary = generate_demo_deliveries(scaled, scale=3, years=range(2019, 2021), progress=False)
    base = generate_demo_deliveries(tmp_path / "base", years=range(2019, 2021), progress=False)
    assert summary["kreise"] == 3 and summary["gemeinden"] == 69
    ratio = summary["datensaetze"]["jugendhilfe"] / base["datensaetze"]["jugendhilfe"]
    assert 2.4 < ratio < 3.6
    # every area (a Gemeinde, or each of its Ortsteile: 10 + 57 in the bundled region, 23 in a clone) × sex m/w ×
    # age 0…100 at 31.12. of 2018–2020 (German residents, zeros included), the rows of the cells' foreign residents
    # (at most one per cell) and the few `d` rows; five household types per Gemeinde
    rows = summary["datensaetze"]
    areas = 10 + 57 + 2 * 23
    assert areas * 2 * 101 * 3 <= rows["melderegister_einwohner"] < areas * 2 * 101 * 3 * 2.01
    assert rows["melderegister_haushalte"] == 3 * 23 * 5 * 3
    assert rows["melderegister"] == rows["melderegister_einwohner"] + rows["melderegister_haushalte"]
    assert rows["wohngeld"] == rows["asylblg"] == rows["grundsicherung"] == 3 * 23 * 2
    # the bundled region's records are the same as in the plain demo
    plain = (tmp_path / "base" / "jugendhilfe" / "hilfen_2020.csv").read_text(encoding="utf-8").splitlines()
    mixed = (scaled / "jugendhilfe" / "hilfen_2020.csv").read_text(encoding="utf-8").splitlines()
    assert [z for z in mixed if z.startswith("06432-")] == [z for z in plain if z.startswith("06432-")]
    # region profile covering every Gemeinde of the deliveries
    region = Path(summary["region"])
    assert 'ags: ""' in (region / "region.yml").read_text(encoding="utf-8")
    with open(region / "sozialraeume.csv", encoding="utf-8") as handle:
        sr = {r["ags"]: r["sozialraum_id"] for r in csv.DictReader(handle)}
    delivered = {r["ags"] for r in records(scaled / "melderegister" / "melderegister_20201231.csv")}
    assert delivered == set(sr) and len(sr) == 69
    kreise = {a[:5] for a in sr}
    assert len(kreise) == 3 and "06432" in kreise
    ids = [r["fall_id"] for r in records(scaled / "jugendhilfe" / "hilfen_2020.csv")]
    assert len(ids) == len(set(ids))
    _, data = _xlsx_rows(scaled / "sgb2" / "sgb2_gemeinden_202012.xlsx")
    assert {r[0] for r in data} == set(sr) | kreise


def test_demo_deliveries_load_without_rejects(landing, tmp_path):
    """The ingest of every family loads the demo files with zero rejects and flags them as demo data."""
    duckdb = pytest.importorskip("duckdb")
    ingest = pytest.importorskip("orchestration.ingest.jugendhilfe")
    import shutil
    import time

    from orchestration.ingest import asylblg, genesis, grundsicherung, melderegister, sgb2, wohngeld
    from orchestration.ingest.pseudonym import KeySource
    from orchestration.ingest.region import Region, load_region
    from orchestration.ingest.runner import Options
    from orchestration.settings import Paths

    # the real extracts and one demo file per GENESIS table, two dates of the other families (fast)
    subset = tmp_path / "landing"
    (subset / "genesis").mkdir(parents=True)
    for path in (landing / "genesis").iterdir():
        if "_demo_" not in path.name or re.search(r"_demo_(2016-2024|2024)\.csv$", path.name):
            shutil.copy(path, subset / "genesis" / path.name)
    for family in ("sgb2", "grundsicherung", "melderegister", "jugendhilfe", "wohngeld", "asylblg"):
        (subset / family).mkdir()
        for path in (landing / family).iterdir():
            if re.search(r"_(2016|2024)(12|1231)?\.(csv|xlsx)$", path.name) or path.name.endswith("201606.xlsx"):
                shutil.copy(path, subset / family / path.name)
    # (+ 2: the Jobcenter's SGB II Ortsteil files sgb2_ortsteile_201612.csv and _202412.csv; + 2: the Sozialamt's
    # Grundsicherung Ortsteil files grundsicherung_ortsteile_2016.csv and _2024.csv)
    assert len(list(subset.rglob("*.*"))) == 9 + 7 + 3 + 2 + (2 + 2) + 6 + 2 + 2 + 2 + 2
    # the key as a build passes it on from the settings (without one, the demo fallback would write a key file)
    options = Options(key=KeySource(secret="demo-test-key-0123456789abcdef0123456789", demo_file=None))
    paths = Paths(region=settings.DEFAULT_REGION, landing=subset, out=tmp_path / "out")
    region = Region.load(settings.DEFAULT_REGION)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    load_region(con, region)  # as in a build: the region profile first (its Ortsteile check the Melderegister)
    loaders = (genesis.load_genesis, sgb2.load_sgb2, grundsicherung.load_grundsicherung,
               melderegister.load_melderegister, ingest.load_jugendhilfe, wohngeld.load_wohngeld, asylblg.load_asylblg)
    for load in loaders:
        started = time.perf_counter()
        result = load(con, paths, region, options=options)
        print(load.__module__, round(time.perf_counter() - started, 1), "s")
        assert not result.quarantined, result.quarantined
        assert result.rejected == 0, load.__name__
    for family in ("sgb2", "grundsicherung", "melderegister", "jugendhilfe", "wohngeld", "asylblg"):
        assert con.execute(f"SELECT bool_and(ist_demodaten), count(*) FROM raw.{family}__lieferungen").fetchone()[0]
    genesis_files = con.execute("SELECT datei, ist_demodaten FROM raw.genesis__lieferungen").fetchall()
    assert len(genesis_files) == len(list((subset / "genesis").glob("*.csv")))
    assert all(demo == ("_demo_" in name) for name, demo in genesis_files), genesis_files


def test_melderegister_carries_the_real_ortsteile_of_the_larger_gemeinden(landing):
    """The Gemeinden listed in the region's ortsteile.csv have every row on one of their Ortsteile (so the
    Ortsteil sums are the Gemeinde totals, which the tests above compare with the official figures); the others
    keep an empty key. The demo weights give large and small Ortsteile, one under 300 residents."""
    with open(REGION / "ortsteile.csv", encoding="utf-8", newline="") as handle:
        listed: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            listed.setdefault(row["ags"], set()).add(row["ortsteil_schluessel"])
    assert len(listed) >= 10 and "06432008" not in listed  # Griesheim: no Ortsteile
    for year in (2014, 2024):
        per_ortsteil: dict[tuple[str, str], int] = {}
        for r in records(landing / "melderegister" / f"melderegister_{year}1231.csv"):
            if r["ags"] in listed:
                assert r["ortsteil"] in listed[r["ags"]], r
            else:
                assert r["ortsteil"] == "", r
            key = (r["ags"], r["ortsteil"])
            per_ortsteil[key] = per_ortsteil.get(key, 0) + int(r["anzahl"])
        assert {k for k in per_ortsteil if k[1]} == {(a, o) for a, keys in listed.items() for o in keys}
        assert per_ortsteil[("06432022", "006")] < 300  # Steigerts (Seeheim-Jugenheim)
        assert per_ortsteil[("06432018", "001")] > 10 * per_ortsteil[("06432018", "003")]  # Pfungstadt vs. Eich


def test_youth_welfare_cases_carry_the_ortsteile_like_the_melderegister(landing):
    """The cases of the Gemeinden with Ortsteile carry one of their keys in every export (so the Ortsteil case
    counts add up to the Gemeinde's), the other Gemeinden's cases none; the cases follow the residents: an
    Ortsteil's share of a Gemeinde's cases is close to its share of the residents under 21."""
    with open(REGION / "ortsteile.csv", encoding="utf-8", newline="") as handle:
        listed: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            listed.setdefault(row["ags"], set()).add(row["ortsteil_schluessel"])
    cases: Counter = Counter()
    for pattern in ("hilfen_*.csv", "gefaehrdungen_8a_*.csv", "inobhutnahmen_42_*.csv"):
        for path in sorted((landing / "jugendhilfe").glob(pattern)):
            for r in records(path):
                if r["wohnort_ags"] in listed:
                    assert r["wohnort_ortsteil"] in listed[r["wohnort_ags"]], (path.name, r["fall_id"])
                else:
                    assert r["wohnort_ortsteil"] == "", (path.name, r["fall_id"])
                if path.name.startswith("hilfen_"):
                    cases[(r["wohnort_ags"], r["wohnort_ortsteil"])] += 1
    residents: Counter = Counter()
    for r in records(landing / "melderegister" / "melderegister_20201231.csv"):
        if r["ags"] in listed and int(r["alter"]) < 21:
            residents[(r["ags"], r["ortsteil"])] += int(r["anzahl"])
    for ags in ("06432018", "06432010"):  # Pfungstadt, Groß-Umstadt: Kernstadt share of cases ~ of residents
        total_c = sum(n for (a, _), n in cases.items() if a == ags)
        total_r = sum(n for (a, _), n in residents.items() if a == ags)
        assert abs(cases[(ags, "001")] / total_c - residents[(ags, "001")] / total_r) < 0.1
