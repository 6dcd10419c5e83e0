"""Malformed and hostile deliveries across all families in ONE real `sozialmonitor build` on a copy of
the demo build (cases: tests/orchestration/hostile.py, listed in docs/deliveries.md).

What must hold: every case gets its outcome with a reason naming file, line and column where there is one;
nothing outside the landing folder is ever read; names and injected text never reach the warehouse; the build
still publishes; a family with a refused delivery stays at its last good state and is named as stale; the
declared corrections are used; and `sozialmonitor retract` takes a delivery back and rebuilds.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import list_versions, read_status
from orchestration.settings import REPO_ROOT, Paths
from tests.conftest import SOZIALMONITOR, run_build
from tests.orchestration.hostile import CANARY, CASES, INJECTION, make_all

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # two builds
FAMILIES = ("gebietsstand", "genesis", "melderegister", "sgb2", "grundsicherung", "asylblg", "wohngeld", "jugendhilfe",
            "massnahmen", "einrichtungen")
SOZIALRAUM_06432001 = "SR2"  # seeds/regions/darmstadt-dieburg/sozialraeume.csv


def copy_demo(demo: Paths, target: Path) -> Paths:
    paths = Paths(region=demo.region, landing=target / "landing", out=target / "out")
    shutil.copytree(demo.landing, paths.landing, ignore=shutil.ignore_patterns("_quarantine"), symlinks=True)
    paths.out.mkdir(parents=True)
    shutil.copy2(demo.warehouse, paths.warehouse)
    shutil.copytree(demo.published_dir, paths.published_dir, ignore=shutil.ignore_patterns("*.lock", ".*"))
    return paths


def indicator_rows(published: Path, indicators: tuple[str, ...]) -> dict[tuple, tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "SELECT indikator_id, gebiet_ebene, gebiet_id, jahr, zaehler, nenner, wert, ist_unterdrueckt "
            "FROM mart.sozialraum_indikatoren WHERE indikator_id IN (SELECT unnest(?))", [list(indicators)]).fetchall()
    finally:
        con.close()
    return {r[:4]: r[4:] for r in rows}


def monthly_rows(published: Path) -> dict[tuple, tuple]:
    """mart.sgb2_monatswerte by (indikator_id, gebiet_ebene, gebiet_id, monat)."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute("SELECT indikator_id, gebiet_ebene, gebiet_id, monat, zaehler, nenner, wert, ist_unterdrueckt "
                           "FROM mart.sgb2_monatswerte").fetchall()
    finally:
        con.close()
    return {r[:4]: r[4:] for r in rows}


def states(warehouse: Path) -> dict[tuple[str, str], str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {(f, d): s for f, d, s in con.execute(
            "SELECT familie, datei, status FROM raw.ingest__lieferstatus QUALIFY row_number() OVER "
            "(PARTITION BY familie, datei ORDER BY nr DESC) = 1").fetchall()}
    finally:
        con.close()


def find_text(database: Path, needles: list[str]) -> dict[str, list[str]]:
    """Every table.column of `database` whose text contains one of `needles`."""
    con = duckdb.connect(str(database), read_only=True)
    found: dict[str, list[str]] = {n: [] for n in needles}
    try:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON') AND table_schema NOT IN ('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table, column in columns:
            for needle in needles:
                hit = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)',
                                  [needle]).fetchone()[0]
                if hit:
                    found[needle].append(f"{schema}.{table}.{column}")
    finally:
        con.close()
    return found


@pytest.fixture(scope="module")
def hostile(demo_build, tmp_path_factory):
    paths = copy_demo(demo_build, tmp_path_factory.mktemp("hostile"))
    watched = ("altersarmut", "sgb2_quote", "kinderarmut", "hze_eckwert", "inobhutnahmen_je_1000_u18", "bevoelkerung",
               "arbeitslosenanteil")
    before = indicator_rows(paths.published, watched)
    months_before = monthly_rows(paths.published)
    versions_before = {v.path.name: v.path.read_bytes() for v in list_versions(paths)}
    make_all(paths.landing)
    proc = run_build(paths.landing, paths.out, "--demo", check=False, timeout=1500)
    return {"paths": paths, "proc": proc, "before": before, "after": indicator_rows(paths.published, watched),
            "versions_before": versions_before, "months_before": months_before,
            "months_after": monthly_rows(paths.published)}


def test_there_are_at_least_fifty_cases_across_all_families():
    assert len(CASES) >= 50 and len({c.id for c in CASES}) == len(CASES)
    assert {c.family for c in CASES} == set(FAMILIES)
    assert {c.outcome for c in CASES} == {"quarantaene", "abgelehnt", "angenommen", "uebersprungen", "hinweis"}


def test_the_build_publishes_the_rest(hostile):
    proc, paths = hostile["proc"], hostile["paths"]
    out = proc.stdout
    assert proc.returncode == 0, out[-5000:] + proc.stderr[-3000:]
    assert "Build erfolgreich" in out and f"Veröffentlicht: {paths.published}" in out
    assert re.search(r"Abgelehnt und in Quarantäne \(\d\d Datei\(en\)\); auf dem letzten geprüften Stand: "
                     r"asylblg, einrichtungen, gebietsstand, genesis, grundsicherung, jugendhilfe, massnahmen, melderegister, sgb2, "
                     r"wohngeld", out), out[-5000:]
    # every earlier version is still there, byte for byte
    for name, data in hostile["versions_before"].items():
        assert (paths.published_dir / "versions" / name).read_bytes() == data


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_case_has_its_outcome(hostile, case):
    paths, out = hostile["paths"], hostile["proc"].stdout
    in_landing = paths.landing / case.family / case.name
    state = states(paths.warehouse).get((case.family, case.name))
    if case.outcome in ("quarantaene", "abgelehnt"):
        assert not in_landing.exists() and not in_landing.is_symlink(), f"{case.name} is still in the landing folder"
        moved = [p for p in (paths.quarantine / case.family).iterdir() if p.name.endswith("_" + case.name)]
        assert len(moved) == 1, moved
        reason = moved[0].with_name(moved[0].name + ".reason.txt").read_text(encoding="utf-8")
        assert state == case.outcome
        for fragment in case.expect:
            assert fragment in reason, (fragment, reason)
        assert f"{case.family}: {case.name}: " in out
    elif case.outcome == "angenommen":
        assert in_landing.is_file() and state == "angenommen"
        for fragment in case.expect:
            assert fragment in out
    elif case.outcome == "uebersprungen":
        assert in_landing.is_file() and state is None, "the same bytes were loaded before: nothing new"
    else:  # hinweis
        assert in_landing.exists() and state is None
        for fragment in case.expect:
            assert f"{case.family}/{case.name}" in out and fragment in out


def test_status_table_names_stale_families_and_every_refused_delivery(hostile):
    rows = read_status(hostile["paths"].published)
    families = {r["familie"]: (r["ergebnis"], r["details"]) for r in rows if r["eintrag"] == "familie"}
    assert set(families) == set(FAMILIES)
    assert {f for f, (ergebnis, _) in families.items() if ergebnis == "veraltet"} == set(FAMILIES)
    refused = {(r["familie"], r["datei"]) for r in rows if r["eintrag"] == "abgelehnt"}
    expected = {(c.family, c.name) for c in CASES if c.outcome in ("quarantaene", "abgelehnt")}
    assert refused == expected
    assert all(r["details"] for r in rows if r["eintrag"] == "abgelehnt")
    # the published deliveries are only the valid ones
    published = {(r["familie"], r["datei"]) for r in rows if r["eintrag"] == "lieferung"}
    assert not published & expected
    assert ("sgb2", "sgb2_gemeinden_202312_KORREKTUR.XLSX") in published


def test_nothing_from_outside_and_no_names_reached_the_warehouse(hostile):
    paths = hostile["paths"]
    found = find_text(paths.warehouse, [CANARY, "root:x:0:0", *INJECTION])
    assert found == {n: [] for n in found}, found
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        # the injected file name did not drop anything
        assert con.execute("SELECT count(*) FROM raw.genesis__werte").fetchone()[0] > 10_000
        rejected, = con.execute("SELECT count(*) FROM raw.melderegister__rejects WHERE datei = "
                                "'melderegister_20231231_korrektur.csv'").fetchone()
        assert rejected == 1
    finally:
        con.close()


def test_refused_families_stay_at_their_last_good_state_and_corrections_are_used(hostile):
    before, after = hostile["before"], hostile["after"]
    for indicator in ("altersarmut", "hze_eckwert", "inobhutnahmen_je_1000_u18", "bevoelkerung", "arbeitslosenanteil"):
        mine = {k: v for k, v in before.items() if k[0] == indicator}
        assert mine and mine == {k: v for k, v in after.items() if k[0] == indicator}, indicator
    # the SGB II correction for December 2023 (+1 ELB in 06432001) is in the mart, nothing else changed
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == {("sgb2_quote", "gemeinde", "06432001", 2023), ("sgb2_quote", "sozialraum", SOZIALRAUM_06432001, 2023),
                       ("sgb2_quote", "kreis", "06432", 2023)}
    key = ("sgb2_quote", "gemeinde", "06432001", 2023)
    assert after[key][0] == before[key][0] + 1



def test_a_month_delivered_twice_loses_nothing_published(hostile):
    """The monthly mart after the hostile build: every month published before is still there with the same
    values — the month delivered twice in one file (S16), the file with two months (S17), the second delivery
    of December 2023 (S10) and the two deliveries of February 2025 (S18, S19) changed nothing and added no
    month; only the declared correction of December 2023 (S11, +1 in 06432001) changed its month."""
    before, after = hostile["months_before"], hostile["months_after"]
    assert before and {k[3] for k in before} == {k[3] for k in after}, "months added or lost"
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    december = dt.date(2023, 12, 1)
    assert changed == {("sgb2_quote", "gemeinde", "06432001", december),
                       ("sgb2_quote", "sozialraum", SOZIALRAUM_06432001, december),
                       ("sgb2_quote", "kreis", "06432", december)}, changed
    key = ("sgb2_quote", "gemeinde", "06432001", december)
    assert after[key][0] == before[key][0] + 1
    # December of the monthly mart is the annual value, also after the correction
    assert after[key][2] == hostile["after"][("sgb2_quote", "gemeinde", "06432001", 2023)][2]


def test_docs_list_every_case_with_its_outcome():
    text = (REPO_ROOT / "docs" / "deliveries.md").read_text(encoding="utf-8")
    table = text[text.index("## Hostile deliveries"):]
    documented = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.fullmatch(r"[A-Z]\d\d", cells[0]):
            documented[cells[0]] = (cells[1], cells[2].strip("`").replace("\\|", "|"), cells[4])
    assert documented == {c.id: (c.family, c.name, c.outcome) for c in CASES}


def test_retract_takes_a_correction_back_and_rebuilds(hostile, tmp_path):
    source = hostile["paths"]
    paths = Paths(region=source.region, landing=tmp_path / "landing", out=tmp_path / "out")
    shutil.copytree(source.landing, paths.landing, symlinks=True,
                    ignore=lambda d, names: [n for n in names if (Path(d) / n).is_fifo()])
    paths.out.mkdir()
    shutil.copy2(source.warehouse, paths.warehouse)
    shutil.copytree(source.published_dir, paths.published_dir, ignore=shutil.ignore_patterns("*.lock", ".*"))
    refused = subprocess.run([SOZIALMONITOR, "retract", "grundsicherung_alter_2031.csv", "--landing", str(paths.landing),
                              "--out", str(paths.out)], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "abgelehnt" in refused.stderr
    proc = subprocess.run([SOZIALMONITOR, "retract", "sgb2_gemeinden_202312_KORREKTUR.XLSX", "--grund", "Test",
                           "--demo", "--landing", str(paths.landing), "--out", str(paths.out)],
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Zurückgezogen: sgb2/sgb2_gemeinden_202312_KORREKTUR.XLSX" in proc.stdout
    after = indicator_rows(paths.published, ("sgb2_quote",))
    assert after[("sgb2_quote", "gemeinde", "06432001", 2023)] == hostile["before"][("sgb2_quote", "gemeinde", "06432001", 2023)]
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        rows = dict(con.execute("SELECT datei, status FROM mart.lieferungen WHERE familie = 'sgb2' "
                                "AND zeit = '2023-12'").fetchall())
        grund = con.execute("SELECT status_grund FROM mart.lieferungen WHERE datei = "
                            "'sgb2_gemeinden_202312_KORREKTUR.XLSX'").fetchone()[0]
    finally:
        con.close()
    assert rows == {"sgb2_gemeinden_202312.xlsx": "aktuell", "sgb2_gemeinden_202312_KORREKTUR.XLSX": "zurueckgezogen",
                    "sgb2_gemeinden_202312_zweite.xlsx": "abgelehnt",
                    "sgb2_ortsteile_202312.csv": "aktuell"}  # the Jobcenter's Ortsteil counts of the month
    assert "zurückgezogen" in grund and "Test" in grund
    # the retracted rows stay in raw (history)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.sgb2__gemeinde_monat WHERE datei = "
                           "'sgb2_gemeinden_202312_KORREKTUR.XLSX'").fetchone()[0] > 0
    finally:
        con.close()
