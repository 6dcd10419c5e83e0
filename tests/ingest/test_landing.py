"""The landing folder as an attacker fills it, and the delivery state (conflicts, corrections, retraction,
plausibility), on real files and real DuckDB loads (no Dagster; the whole-build version of these cases is
tests/orchestration/test_hostile_deliveries.py)."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import SYMLINK_REASON, korrektur_rang, scan_landing, sha256_of, snapshot
from orchestration.ingest.genesis import load_genesis
from orchestration.ingest.grundsicherung import load_grundsicherung
from orchestration.ingest.retract import RetractError, retract
from orchestration.ingest.runner import Options
from orchestration.settings import Paths

REPO_ROOT = Path(__file__).resolve().parents[2]
DADI = REPO_ROOT / "data" / "genesis" / "dadi"
REGION = SimpleNamespace(ags_prefix="06432", name="Landkreis Darmstadt-Dieburg")
HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus"


def grundsicherung(paths: Paths, name: str, rows: list[tuple[str, str, str]], stichtag: str = "31.12.2016") -> Path:
    folder = paths.landing / "grundsicherung"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([HEADER, *(f"{stichtag};{a};{n};{v}" for a, n, v in rows)]) + "\n", encoding="utf-8")
    return path


ROWS = [("06432001", "Alsbach-Hähnlein", "54"), ("06432002", "Babenhausen", "92")]


def states(con) -> dict[str, str]:
    """file -> current state (also of files that were never opened)."""
    return dict(con.execute(
        "SELECT datei, status FROM raw.ingest__lieferstatus QUALIFY row_number() OVER "
        "(PARTITION BY familie, sha256, CASE WHEN sha256 = '' THEN datei END ORDER BY nr DESC) = 1").fetchall())


def test_scan_classifies_without_opening(paths, tmp_path):
    folder = paths.landing / "sgb2"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"PK\x03\x04 not really")
    (folder / "a.xlsx").write_bytes(b"x")
    (folder / "B_UPPER.XLSX").write_bytes(b"x")
    os.symlink(outside, folder / "link.xlsx")
    os.symlink("/etc/passwd", folder / "passwd.xlsx")
    os.symlink(folder / "a.xlsx", folder / "inside_link.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "table.xls").write_bytes(b"x")
    (folder / ".hidden.xlsx").write_bytes(b"x")
    (folder / "upload.xlsx.part").write_bytes(b"x")
    (folder / "archiv").mkdir()
    scan = scan_landing(paths.landing, "sgb2")
    assert [p.name for p in scan.candidates] == ["B_UPPER.XLSX", "a.xlsx"]
    refused = {e.path.name: e.problem for e in scan.refused}
    assert set(refused) == {"link.xlsx", "passwd.xlsx", "inside_link.xlsx", "pipe.xlsx", "table.xls"}
    assert all(refused[n] == SYMLINK_REASON for n in ("link.xlsx", "passwd.xlsx", "inside_link.xlsx"))
    assert "keine reguläre Datei" in refused["pipe.xlsx"]
    assert "unerwartete Dateiendung .xls" in refused["table.xls"] and ".xlsx" in refused["table.xls"]
    assert len(scan.hints) == 3 and any("archiv" in h for h in scan.hints)


def test_a_symlinked_family_folder_is_refused(paths, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(DADI / "12411-01-01-5_06432_extract.csv", elsewhere)
    paths.landing.mkdir(parents=True)
    os.symlink(elsewhere, paths.landing / "genesis")
    scan = scan_landing(paths.landing, "genesis")
    assert scan.candidates == [] and "symbolische Verknüpfung" in scan.refused[0].problem


def test_snapshot_never_follows_a_link_swapped_in_after_listing(paths, tmp_path):
    folder = paths.landing / "genesis"
    folder.mkdir(parents=True)
    target = folder / "t.csv"
    target.write_text("harmless", encoding="utf-8")
    scan = scan_landing(paths.landing, "genesis")
    assert [p.name for p in scan.candidates] == ["t.csv"]
    target.unlink()
    os.symlink("/etc/passwd", target)  # the race an attacker would try
    with pytest.raises(OSError) as error:
        snapshot(target, tmp_path / "snap")
    assert error.value.errno == errno.ELOOP
    with pytest.raises(OSError):
        sha256_of(target)
    assert not (tmp_path / "snap" / "t.csv").exists()


def test_snapshot_copies_exactly_the_checksummed_bytes(tmp_path):
    source = tmp_path / "d.csv"
    source.write_bytes(os.urandom(3 << 20))
    delivery = snapshot(source, tmp_path / "snap")
    assert delivery.source == tmp_path / "snap" / "d.csv"
    assert delivery.source.read_bytes() == source.read_bytes() and delivery.sha256 == sha256_of(source)
    known = snapshot(source, tmp_path / "snap2", known={delivery.sha256})
    assert known.source is None and not (tmp_path / "snap2").exists()


def test_correction_suffix():
    assert korrektur_rang("sgb2_gemeinden_201612.xlsx") == 0
    assert korrektur_rang("sgb2_gemeinden_201612_korrektur.xlsx") == 1
    assert korrektur_rang("HILFEN_2016_KORREKTUR2.CSV") == 2
    assert korrektur_rang("korrektur_2016.csv") == 0


def test_pipe_and_links_are_quarantined_and_never_read(paths, con, tmp_path):
    canary = tmp_path / "canary.csv"
    canary.write_text(f"{HEADER}\n31.12.2016;06432001;KANARIENVOGEL;1\n", encoding="utf-8")
    folder = paths.landing / "grundsicherung"
    folder.mkdir(parents=True)
    os.symlink(canary, folder / "grundsicherung_alter_2016.csv")
    os.mkfifo(folder / "grundsicherung_alter_2017.csv")
    result = load_grundsicherung(con, paths, REGION)
    assert sorted(p.name for p, _ in result.quarantined) == ["grundsicherung_alter_2016.csv",
                                                             "grundsicherung_alter_2017.csv"]
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (0,)
    moved = sorted((paths.quarantine / "grundsicherung").iterdir())
    assert any(p.is_symlink() for p in moved), "the link itself is moved, not what it points to"
    assert canary.read_text(encoding="utf-8").count("KANARIENVOGEL") == 1
    assert states(con) == {"grundsicherung_alter_2016.csv": "quarantaene", "grundsicherung_alter_2017.csv": "quarantaene"}


def test_second_delivery_for_a_period_is_a_conflict_unless_it_is_a_correction(paths, con):
    grundsicherung(paths, "grundsicherung_alter_2016.csv", ROWS)
    assert load_grundsicherung(con, paths, REGION).quarantined == []
    # another file for the same Stichtag: refused, the valid one stays
    grundsicherung(paths, "gs_2016_nochmal.CSV", [("06432001", "Alsbach-Hähnlein", "60"), ROWS[1]])
    result = load_grundsicherung(con, paths, REGION)
    (path, reason), = result.quarantined
    assert path.name == "gs_2016_nochmal.CSV" and "Konflikt" in reason and "grundsicherung_alter_2016.csv" in reason
    assert result.loaded == [] and set(result.rows.values()) == {0}  # its rows do not count as loaded
    assert "_korrektur" in reason
    # the declared correction replaces it
    grundsicherung(paths, "grundsicherung_alter_2016_korrektur.csv", [("06432001", "Alsbach-Hähnlein", "61"), ROWS[1]])
    assert load_grundsicherung(con, paths, REGION).quarantined == []
    # two corrections of the same rank in one delivery: both refused
    grundsicherung(paths, "a_2016_korrektur2.csv", [("06432001", "Alsbach-Hähnlein", "62"), ROWS[1]])
    grundsicherung(paths, "b_2016_korrektur2.csv", [("06432001", "Alsbach-Hähnlein", "63"), ROWS[1]])
    result = load_grundsicherung(con, paths, REGION)
    assert sorted(p.name for p, _ in result.quarantined) == ["a_2016_korrektur2.csv", "b_2016_korrektur2.csv"]
    assert all("beide abgelehnt" in r for _, r in result.quarantined)
    assert states(con) == {"grundsicherung_alter_2016.csv": "angenommen", "gs_2016_nochmal.CSV": "abgelehnt",
                           "grundsicherung_alter_2016_korrektur.csv": "angenommen",
                           "a_2016_korrektur2.csv": "abgelehnt", "b_2016_korrektur2.csv": "abgelehnt"}


def test_retract_then_redeliver_the_refused_file(paths, con):
    grundsicherung(paths, "grundsicherung_alter_2016.csv", ROWS)
    load_grundsicherung(con, paths, REGION)
    second = grundsicherung(paths, "gs_2016_b.csv", [("06432001", "Alsbach-Hähnlein", "70"), ROWS[1]])
    content = second.read_bytes()
    assert load_grundsicherung(con, paths, REGION).quarantined
    con.close()
    with pytest.raises(RetractError, match="abgelehnt"):
        retract(paths, "gs_2016_b.csv")
    message = retract(paths, "grundsicherung_alter_2016.csv", grund="falscher Stichtag")
    assert "Zurückgezogen" in message
    with pytest.raises(RetractError, match="bereits zurückgezogen"):
        retract(paths, sha256_of(paths.landing / "grundsicherung" / "grundsicherung_alter_2016.csv"))
    con = duckdb.connect(str(paths.warehouse))
    try:
        # the refused file delivered again is judged again: now nothing valid competes with it
        second.write_bytes(content)
        result = load_grundsicherung(con, paths, REGION)
        assert result.quarantined == []
        assert states(con) == {"grundsicherung_alter_2016.csv": "zurueckgezogen", "gs_2016_b.csv": "angenommen"}
        # raw keeps both deliveries (history)
        assert con.execute("SELECT count(DISTINCT sha256) FROM raw.grundsicherung__empfaenger").fetchone() == (2,)
    finally:
        con.close()
    with pytest.raises(RetractError, match="nie geladen"):
        other = paths.landing / "x.csv"
        other.write_text("irgendwas", encoding="utf-8")
        retract(paths, str(other))


def test_count_above_population_names_file_line_and_column(paths, con):
    (paths.landing / "genesis").mkdir(parents=True)
    for table in ("12411-01-01-5", "12411-02-03-5"):
        shutil.copy(DADI / f"{table}_06432_extract.csv", paths.landing / "genesis")
    load_genesis(con, paths, REGION)
    einwohner_65 = con.execute(
        "SELECT sum(wert) FROM raw.genesis__werte WHERE tabelle = '12411-02-03-5' AND ags = '06432002' "
        "AND merkmal IN ('Insgesamt | 65 bis unter 75 Jahre', 'Insgesamt | 75 Jahre und mehr') AND jahr = 2015"
    ).fetchone()[0]
    assert einwohner_65 and einwohner_65 > 1000
    path = grundsicherung(paths, "grundsicherung_alter_2015.csv",
                          [ROWS[0], ("06432002", "Babenhausen", str(int(einwohner_65) + 1))], stichtag="31.12.2015")
    result = load_grundsicherung(con, paths, REGION)
    (_, reason), = result.quarantined
    assert reason.startswith(f"{path.name}, line 3, column 4: empfaenger_65_plus = {int(einwohner_65) + 1} für 06432002")
    assert f"({int(einwohner_65)}, 2015" in reason and "unplausibel" in reason
    assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (0,)
    # a plausible count loads
    grundsicherung(paths, "grundsicherung_alter_2015.csv", ROWS, stichtag="31.12.2015")
    assert load_grundsicherung(con, paths, REGION).quarantined == []


def test_counts_are_judged_against_the_population_that_loads_beside_them_and_a_refused_file_leaves_nothing(
        paths, con):
    # the build loads Grundsicherung beside GENESIS (parallel.py): its files load first, and their check waits
    # for GENESIS (Options.checked_against_loaded) — here GENESIS loads while the check waits
    (paths.landing / "genesis").mkdir(parents=True)
    for table in ("12411-01-01-5", "12411-02-03-5"):
        shutil.copy(DADI / f"{table}_06432_extract.csv", paths.landing / "genesis")
    waited = []

    def population_loads() -> None:
        assert con.execute("SELECT count(*) FROM raw.grundsicherung__empfaenger").fetchone() == (2,)
        waited.append(load_genesis(con, paths, REGION))

    implausible = [ROWS[0], ("06432002", "Babenhausen", "50000")]
    path = grundsicherung(paths, "grundsicherung_alter_2015.csv", implausible, stichtag="31.12.2015")
    content = path.read_bytes()
    result = load_grundsicherung(con, paths, REGION, options=Options(checked_against_loaded=population_loads))
    assert len(waited) == 1 and waited[0].quarantined == []
    (_, reason), = result.quarantined
    assert reason.startswith(f"{path.name}, line 3, column 4: empfaenger_65_plus = 50000 für 06432002 ist größer "
                             "als die Zahl der Einwohner ab 65 Jahren"), reason
    assert result.loaded == [] and states(con)[path.name] == "quarantaene"
    # nothing of the refused file stays in raw, as if it had never been loaded
    for table in ("empfaenger", "leistungen", "lieferungen", "rejects"):
        assert con.execute(f"SELECT count(*) FROM raw.grundsicherung__{table}").fetchone() == (0,), table
    # the same file delivered again is loaded and judged again (its deliveries row was taken out too)
    path.write_bytes(content)
    again = load_grundsicherung(con, paths, REGION)
    assert [r for _, r in again.quarantined] == [reason]


def test_audit_failure_refuses_every_new_delivery_of_the_family(paths, con):
    grundsicherung(paths, "grundsicherung_alter_2015.csv", ROWS, stichtag="31.12.2015")
    load_grundsicherung(con, paths, REGION)
    grundsicherung(paths, "grundsicherung_alter_2016.csv", ROWS)
    grundsicherung(paths, "grundsicherung_alter_2017.csv", ROWS, stichtag="31.12.2017")
    seen = []

    def audit(c):
        seen.append(sorted(r[0] for r in c.execute(
            "SELECT DISTINCT datei FROM raw.grundsicherung__empfaenger "
            "WHERE sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)").fetchall()))
        return ["grundsicherung__empfaenger: expect_something: 1 of 6 rows"]

    result = load_grundsicherung(con, paths, REGION, audit=audit)
    assert seen == [["grundsicherung_alter_2015.csv", "grundsicherung_alter_2016.csv", "grundsicherung_alter_2017.csv"]]
    assert sorted(p.name for p, _ in result.quarantined) == ["grundsicherung_alter_2016.csv",
                                                             "grundsicherung_alter_2017.csv"]
    assert all("letzten geprüften Stand" in r and "expect_something" in r for _, r in result.quarantined)
    assert states(con)["grundsicherung_alter_2015.csv"] == "angenommen"
    stale, = lieferstatus.family_status(con, ["grundsicherung"])
    assert stale.veraltet and {s.datei for s in stale.abgelehnt} == {"grundsicherung_alter_2016.csv",
                                                                      "grundsicherung_alter_2017.csv"}
    # the next good delivery makes the family current again
    grundsicherung(paths, "grundsicherung_alter_2018.csv", ROWS, stichtag="31.12.2018")
    load_grundsicherung(con, paths, REGION, run_id="spaeter")
    assert not lieferstatus.family_status(con, ["grundsicherung"])[0].veraltet
