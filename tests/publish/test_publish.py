"""Write-audit-publish on real DuckDB files: contents, status table, atomic swap, retention, rollback,
independent copies (versions, serving copy), serialised writers, kill -9 during a publish."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    KEEP_VERSIONS,
    PublishError,
    RollbackError,
    current_version,
    ensure_serving_copy,
    list_versions,
    publish,
    read_status,
    rollback,
)
from orchestration.settings import REPO_ROOT, Paths
from quality import handbuilt  # tests/ is on sys.path (rootdir conftest); shared hand-built warehouse

PASSED = [
    {"name": "gx_genesis", "asset": "raw/genesis", "passed": True, "severity": "ERROR"},
    {"name": "gx_sozialraum_indikatoren", "asset": "mart/sozialraum_indikatoren", "passed": True, "severity": "ERROR"},
    {"name": "gx_sozialraum_indikatoren_hinweise", "asset": "mart/sozialraum_indikatoren", "passed": False,
     "severity": "WARN", "description": "Sprung zum Vorjahr"},
]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def paths(tmp_path) -> Paths:
    p = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "landing", out=tmp_path / "out")
    handbuilt.build(p.warehouse)
    return p


def set_population(p: Paths, value: float) -> None:
    con = duckdb.connect(str(p.warehouse))
    con.execute("UPDATE mart.sozialraum_indikatoren SET wert = ?, zaehler = ? WHERE gebiet_ebene = 'kreis' AND indikator_id = 'bevoelkerung' AND jahr = 2016",
                [value, value])
    con.close()


def population(published: Path) -> float:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute("SELECT wert FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'kreis' "
                           "AND indikator_id = 'bevoelkerung' AND jahr = 2016").fetchone()[0]
    finally:
        con.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_independent_copies(p: Paths) -> None:
    """Published file, serving copy and every version: files of their own (one link each), 0444;
    the serving copy has the published file's bytes and sits in a 0555 folder."""
    files = [p.published, p.serving, *(v.path for v in list_versions(p))]
    assert all(f.stat().st_nlink == 1 for f in files), [(f, f.stat().st_nlink) for f in files]
    assert len({f.stat().st_ino for f in files}) == len(files)
    assert {f: mode(f) for f in files} == {f: 0o444 for f in files}
    assert mode(p.serving_dir) == 0o555
    assert sha(p.serving) == sha(p.published)


def test_published_file_holds_only_the_mart(paths):
    version = publish(paths, run_id="run-1", checks=PASSED)
    assert paths.published.exists() and version.exists()
    assert sha(version) == sha(paths.published)
    assert_independent_copies(paths)
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        schemas = {r[0] for r in con.execute(
            "SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
        assert schemas == {"mart"}
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert tables == {"sozialraum_indikatoren", "dim_gebiet", "indikatoren", "kreis_abgleich", "publikation_status"}
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns").fetchall()}
        assert "fall_pseudonym" not in columns
        n = con.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0]
    finally:
        con.close()
    work = duckdb.connect(str(paths.warehouse), read_only=True)
    assert n == work.execute("SELECT count(*) FROM mart.sozialraum_indikatoren").fetchone()[0]
    work.close()
    # no WAL, no lock, no temporary file beside it; temporary files live outside published/
    assert sorted(p.name for p in paths.published_dir.iterdir()) == ["sozialmonitor.duckdb", "versions"]
    assert list(paths.publish_tmp.iterdir()) == []


def test_status_table_names_deliveries_and_checks(paths):
    before = time.time()
    publish(paths, run_id="run-42", checks=PASSED)
    rows = read_status(paths.published)
    kinds = {r["eintrag"] for r in rows}
    assert kinds == {"publikation", "lieferung", "familie", "pruefung", "tabelle"}
    # one row per landing family; nothing was refused, so every family is current
    families = {r["familie"]: r["ergebnis"] for r in rows if r["eintrag"] == "familie"}
    assert {"genesis", "sgb2", "grundsicherung", "melderegister", "jugendhilfe"} <= set(families)
    assert set(families.values()) == {"aktuell"}
    assert {r["run_id"] for r in rows} == {"run-42"}
    pub = [r for r in rows if r["eintrag"] == "publikation"][0]
    assert pub["veroeffentlicht_am"].timestamp() >= before - 1
    assert pub["ist_demodaten"] is True
    deliveries = {r["datei"]: r for r in rows if r["eintrag"] == "lieferung"}
    # every delivery of every family present, with checksum, reference period and demo flag
    assert set(deliveries) == set(handbuilt.SHA)
    for name, row in deliveries.items():
        assert row["sha256"] == handbuilt.SHA[name]
        assert row["berichtszeitraum"], name
    assert deliveries["12411-01-01-5_2015.csv"]["berichtszeitraum"] == "12411-01-01-5: 31.12.2015"
    assert deliveries["12411-01-01-5_2015.csv"]["ist_demodaten"] is False
    assert deliveries["12411-01-01-5_2016.csv"]["ist_demodaten"] is True
    assert deliveries["sgb2_gemeinden_201612.xlsx"]["familie"] == "sgb2"
    assert deliveries["sgb2_gemeinden_201612.xlsx"]["berichtszeitraum"] == "2016-12"
    checks = {r["pruefung"]: r for r in rows if r["eintrag"] == "pruefung"}
    assert checks["gx_genesis"]["ergebnis"] == "bestanden"
    assert checks["gx_genesis"]["geprueftes_asset"] == "raw/genesis"
    assert checks["gx_sozialraum_indikatoren_hinweise"]["ergebnis"] == "warnung"
    tables = {r["datei"]: r["zeilen"] for r in rows if r["eintrag"] == "tabelle"}
    assert tables["mart.sozialraum_indikatoren"] > 0


def test_failed_error_check_refuses_and_leaves_the_file_unchanged(paths):
    publish(paths, run_id="good", checks=PASSED)
    before = sha(paths.published)
    failed = PASSED + [{"name": "gx_sgb2", "asset": "raw/sgb2", "passed": False, "severity": "ERROR"}]
    with pytest.raises(PublishError, match="raw/sgb2:gx_sgb2"):
        publish(paths, run_id="bad", checks=failed)
    assert sha(paths.published) == before
    assert len(list_versions(paths)) == 1


def test_refuses_a_mart_with_case_level_columns(paths):
    con = duckdb.connect(str(paths.warehouse))
    con.execute("CREATE TABLE mart.faelle AS SELECT fall_pseudonym, hilfeart FROM raw.jugendhilfe__hilfen")
    con.close()
    with pytest.raises(PublishError, match="case-level"):
        publish(paths, run_id="x", checks=PASSED)
    assert not paths.published.exists()


def test_retention_keeps_the_last_five_versions(paths):
    made = []
    for i in range(KEEP_VERSIONS + 3):
        set_population(paths, 1000 + i)
        made.append(publish(paths, run_id=f"run-{i}", checks=PASSED))
    kept = list_versions(paths)
    assert [v.path for v in kept] == made[-KEEP_VERSIONS:]
    assert current_version(paths).path == made[-1]
    assert population(paths.published) == 1000 + KEEP_VERSIONS + 2
    assert [v.run_id for v in kept] == [f"run-{i}" for i in range(3, KEEP_VERSIONS + 3)]


def test_rollback_restores_previous_versions_atomically(paths):
    for i in range(3):
        set_population(paths, 2000 + i)
        publish(paths, run_id=f"run-{i}", checks=PASSED)
    v = list_versions(paths)
    third = sha(paths.published)
    restored = rollback(paths)
    assert restored == v[1].path
    assert sha(paths.published) == sha(v[1].path)
    assert current_version(paths).path == v[1].path
    assert_independent_copies(paths)
    assert population(paths.published) == 2001
    assert {r["run_id"] for r in read_status(paths.published)} == {"run-1"}
    assert sha(v[2].path) == third  # the rolled-back-from version is still kept, unchanged
    assert rollback(paths) == v[0].path
    assert population(paths.published) == 2000
    with pytest.raises(RollbackError):
        rollback(paths)
    assert population(paths.published) == 2000
    # the next publish becomes current again
    set_population(paths, 3000)
    publish(paths, run_id="run-3", checks=PASSED)
    assert population(paths.published) == 3000
    assert rollback(paths) == v[2].path
    assert_independent_copies(paths)


def test_destroyed_files_do_not_touch_each_other(paths):
    for i in range(2):
        set_population(paths, 4000 + i)
        publish(paths, run_id=f"run-{i}", checks=PASSED)
    versions = {v.path: sha(v.path) for v in list_versions(paths)}
    newest = list_versions(paths)[-1]
    # destroy the published file in place (as `cp other published` or a disk error would)
    os.chmod(paths.published, 0o644)
    size = paths.published.stat().st_size
    with open(paths.published, "r+b") as handle:
        handle.write(os.urandom(size))
    assert {v: sha(v) for v in versions} == versions  # every version intact
    assert population(paths.serving) == 4001  # and Superset's copy too
    assert current_version(paths) is None
    assert ensure_serving_copy(paths) is False  # a destroyed published file is never copied
    assert population(paths.serving) == 4001
    # rollback with a destroyed published file restores the newest kept version
    assert rollback(paths) == newest.path
    assert sha(paths.published) == versions[newest.path]
    assert_independent_copies(paths)
    # a destroyed or deleted serving copy is restored by the next publish step
    os.chmod(paths.serving_dir, 0o755)
    paths.serving.unlink()
    assert ensure_serving_copy(paths) is True
    assert_independent_copies(paths)
    os.chmod(paths.serving_dir, 0o755)
    os.chmod(paths.serving, 0o644)
    with open(paths.serving, "r+b") as handle:
        handle.write(b"\0" * 4096)
    os.chmod(paths.serving_dir, 0o555)
    assert ensure_serving_copy(paths) is True
    assert ensure_serving_copy(paths) is False
    assert_independent_copies(paths)


def test_rollback_without_versions_fails_cleanly(paths):
    with pytest.raises(RollbackError):
        rollback(paths)


def test_open_reader_keeps_its_version_new_reader_sees_the_new_one(paths):
    set_population(paths, 111)
    publish(paths, run_id="a", checks=PASSED)
    reader = duckdb.connect(str(paths.published), read_only=True)
    try:
        set_population(paths, 222)
        publish(paths, run_id="b", checks=PASSED)  # no lock conflict with the open reader
        q = ("SELECT wert FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'kreis' "
             "AND indikator_id = 'bevoelkerung' AND jahr = 2016")
        assert reader.execute(q).fetchone()[0] == 111
    finally:
        reader.close()
    assert population(paths.published) == 222


# ------------------------------------------------------------------------------ real processes

def _script(paths: Paths, body: str) -> list[str]:
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from orchestration.settings import Paths
        paths = Paths(region=Path({str(paths.region)!r}), landing=Path({str(paths.landing)!r}), out=Path({str(paths.out)!r}))
    """) + textwrap.dedent(body)
    return [sys.executable, "-c", code]


def _big_mart(p: Paths, rows: int) -> None:
    con = duckdb.connect(str(p.warehouse))
    con.execute(f"""CREATE TABLE mart.gross AS SELECT i AS id, md5(i::VARCHAR) AS a, md5((i + 1)::VARCHAR) AS b,
                    random() AS c FROM range({rows}) t(i)""")
    con.close()


def test_concurrent_writers_are_serialised(paths):
    procs = [subprocess.Popen(_script(paths, f"""
        from orchestration.publish import publish
        for i in range(3):
            publish(paths, run_id="p{n}-" + str(i), checks=[])
    """), stderr=subprocess.PIPE, text=True) for n in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    kept = list_versions(paths)
    assert len(kept) == KEEP_VERSIONS
    assert current_version(paths).path == kept[-1].path
    assert {r["run_id"] for r in read_status(paths.published)} == {kept[-1].run_id}


def test_readers_never_fail_while_versions_are_published(paths):
    _big_mart(paths, 300_000)
    publish(paths, run_id="start", checks=PASSED)
    reader = subprocess.Popen(_script(paths, """
        import duckdb, time
        ok = fail = 0
        errors = []
        deadline = time.time() + 120
        stop = Path(str(paths.out) + "/stop")
        while time.time() < deadline and not stop.exists():
            try:
                con = duckdb.connect(str(paths.published), read_only=True)
                n, runs = con.execute("SELECT (SELECT count(*) FROM mart.gross), "
                                      "(SELECT count(DISTINCT run_id) FROM mart.publikation_status)").fetchone()
                con.close()
                assert n == 300000 and runs == 1, (n, runs)
                ok += 1
            except Exception as exc:
                fail += 1
                errors.append(repr(exc))
        print(ok, fail, errors[:3])
    """), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        for i in range(4):
            publish(paths, run_id=f"r{i}", checks=PASSED)
        rollback(paths)
    finally:
        (paths.out / "stop").touch()
    out, err = reader.communicate(timeout=180)
    assert reader.returncode == 0, err
    ok, fail = map(int, out.split()[:2])
    assert fail == 0, out
    assert ok >= 20, out


@pytest.mark.parametrize("kill_after", [0.05, 0.3, 0.8])
def test_kill_9_during_publish_leaves_the_published_file_identical(paths, kill_after):
    _big_mart(paths, 1_500_000)
    publish(paths, run_id="before", checks=PASSED)
    before = {f: sha(f) for f in (paths.published, paths.serving)}
    versions_before = {v.path: sha(v.path) for v in list_versions(paths)}
    proc = subprocess.Popen(_script(paths, """
        from orchestration.publish import publish
        publish(paths, run_id="killed", checks=[])
    """), stderr=subprocess.PIPE)
    # wait until the new version is being written (outside published/), then kill it hard
    deadline = time.time() + 60
    while time.time() < deadline and not any(paths.publish_tmp.iterdir()):
        time.sleep(0.005)
    time.sleep(kill_after)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.returncode == 0:  # pragma: no cover - the machine was faster than the kill
        pytest.skip("publish finished before it could be killed")
    assert {f: sha(f) for f in before} == before
    assert {v.path: sha(v.path) for v in list_versions(paths)} == versions_before
    assert sorted(p.name for p in paths.published_dir.iterdir()) == ["sozialmonitor.duckdb", "versions"]
    con = duckdb.connect(str(paths.published), read_only=True)
    assert con.execute("SELECT DISTINCT run_id FROM mart.publikation_status").fetchall() == [("before",)]
    con.close()
    # the next publish cleans up and completes
    publish(paths, run_id="after", checks=PASSED)
    assert sorted(p.name for p in paths.publish_tmp.iterdir()) == []
    assert {r["run_id"] for r in read_status(paths.published)} == {"after"}
    assert_independent_copies(paths)
