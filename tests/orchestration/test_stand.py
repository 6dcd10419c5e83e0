"""What the next `sozialmonitor build` runs (orchestration/stand.py), decided on copies of the demo build.

Nothing new: nothing. New files or a retraction in some families: those families. Other code, settings, region
profile or working database: everything. The whole scenario with real builds — a new SGB II month runs only
what depends on it and publishes what the full build publishes, then a build with nothing new runs nothing —
is in tests/publish/test_build_process.py (it shares that test's full rebuild).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.retract import retract
from orchestration.settings import Paths, Settings
from orchestration.stand import code_fingerprint, plan, published_stand


def settings_of(paths: Paths, **values) -> Settings:
    return Settings(region=str(paths.region), landing=str(paths.landing), out=str(paths.out), **values)


def copy_of(demo: Paths, target: Path) -> Paths:
    """The demo build's landing folder, working database and publication in another folder."""
    paths = Paths(region=demo.region, landing=target / "landing", out=target / "out")
    shutil.copytree(demo.landing, paths.landing, ignore=shutil.ignore_patterns("_quarantine"))
    paths.out.mkdir(parents=True)
    shutil.copytree(demo.published_dir, paths.published_dir, ignore=shutil.ignore_patterns("*.lock", ".publish-*"))
    shutil.copy2(demo.warehouse, paths.warehouse)
    return paths


def test_what_the_next_build_runs(demo_build, tmp_path):
    """The plan of a copy of the demo build: nothing; after a retraction its family; other settings, another
    region profile, another working database or `--voll`: everything."""
    paths = copy_of(demo_build, tmp_path / "copy")
    settings = settings_of(paths)
    assert published_stand(paths.published)["code"] == code_fingerprint(settings)
    assert plan(settings).nothing

    assert plan(settings, full=True).everything
    assert plan(settings_of(paths, max_sprung_pp=12.5)).everything
    region = tmp_path / "region"
    shutil.copytree(paths.region, region)
    (region / "sozialraeume.csv").write_text((region / "sozialraeume.csv").read_text("utf-8") + "\n", "utf-8")
    changed_region = Settings(region=str(region), landing=str(paths.landing), out=str(paths.out))
    assert plan(changed_region).everything and "Regionsprofil" in plan(changed_region).reason

    # a new file in a family's folder, a link there: that family; a file it has already loaded: nothing
    jugendhilfe = sorted((paths.landing / "jugendhilfe").iterdir())[0]
    shutil.copyfile(jugendhilfe, jugendhilfe.with_name("kopie_" + jugendhilfe.name))
    assert plan(settings).nothing  # same bytes under another name: already loaded
    (paths.landing / "wohngeld" / "link.csv").symlink_to(jugendhilfe)
    (paths.landing / "grundsicherung" / "neu.csv").write_text("neu;datei\n", "utf-8")
    assert plan(settings).families == {"wohngeld", "grundsicherung"}
    (paths.landing / "wohngeld" / "link.csv").unlink()
    (paths.landing / "grundsicherung" / "neu.csv").unlink()

    # a retraction is recorded in the working database: its family runs again
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        datei = con.execute("SELECT datei FROM raw.ingest__lieferstatus WHERE familie = 'massnahmen' "
                            "AND status = 'angenommen' ORDER BY nr DESC LIMIT 1").fetchone()[0]
    retract(paths, datei, grund="Test")
    assert plan(settings).families == {"massnahmen"}

    # the working database built again from scratch (its first state row is another): everything
    other = tmp_path / "other.duckdb"
    shutil.copy2(paths.warehouse, other)
    with duckdb.connect(str(other)) as con:
        con.execute("UPDATE raw.ingest__lieferstatus SET am = am + INTERVAL 1 MICROSECOND "
                    "WHERE nr = (SELECT min(nr) FROM raw.ingest__lieferstatus)")
    shutil.copy2(other, paths.warehouse)
    assert plan(settings).everything and "Arbeitsdatenbank" in plan(settings).reason

    # a published file without a Stand (published by an earlier version) or none at all: everything
    paths.published.chmod(0o644)
    paths.published.unlink()
    assert plan(settings).everything


def test_the_fingerprint_covers_every_file_below_its_roots_but_no_bytecode_nor_where_they_are(tmp_path):
    settings = Settings()
    root = tmp_path / "code"
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    first = code_fingerprint(settings, roots=[root])
    (root / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert code_fingerprint(settings, roots=[root]) == first
    (root / "pkg" / "a.py").write_text("x = 2\n")
    assert code_fingerprint(settings, roots=[root]) != first
    (root / "pkg" / "a.py").write_text("x = 1\n")
    moved = tmp_path / "elsewhere" / "code"  # the same files in another place (a checkout cloned elsewhere)
    shutil.copytree(root, moved)
    assert code_fingerprint(settings, roots=[moved]) == first
    (root / "pkg" / "b.sql").write_text("select 1\n")
    assert code_fingerprint(settings, roots=[root]) != first


def test_the_data_state_a_materialisation_records_follows_the_delivery_state_and_survives_a_copy(tmp_path):
    """`data_state` (what the ingest and dbt steps record with a materialisation) and `same_data` (what the
    publication gate compares): per family its delivery state; a copy of the working database holds the same data
    until one of them loads, refuses or retracts a delivery, and then only for that family; a database without a
    state log is its file."""
    from orchestration.ingest import lieferstatus
    from orchestration.stand import data_state, same_data

    origin, copy = tmp_path / "a" / "warehouse.duckdb", tmp_path / "b" / "warehouse.duckdb"
    origin.parent.mkdir()
    copy.parent.mkdir()
    families = ("genesis", "sgb2", "wohngeld")
    with duckdb.connect(str(origin)) as con:
        lieferstatus.ensure_table(con)
        assert data_state(con, origin) == {"datei": str(origin.resolve())}  # nothing delivered yet
        lieferstatus.record(con, "genesis", "a" * 64, "12411-01.csv", lieferstatus.ANGENOMMEN)
        lieferstatus.record(con, "sgb2", "b" * 64, "sgb2_2024_01.xlsx", lieferstatus.ANGENOMMEN)
        before = data_state(con, origin)
    assert same_data(before, before, families)
    assert not same_data({"datei": str(origin.resolve())}, before, families)
    shutil.copy2(origin, copy)
    with duckdb.connect(str(copy)) as con:
        assert data_state(con, copy) == before  # the same data in another folder
        lieferstatus.record(con, "sgb2", "c" * 64, "sgb2_2024_02.xlsx", lieferstatus.ANGENOMMEN)
        after = data_state(con, copy)
    assert same_data(before, after, ["genesis", "wohngeld"])
    assert not same_data(before, after, ["sgb2"]) and not same_data(before, after, families)
    with duckdb.connect(str(origin)) as con:  # the origin is unchanged by what its copy loaded
        assert data_state(con, origin) == before
    other = tmp_path / "c" / "warehouse.duckdb"
    other.parent.mkdir()
    with duckdb.connect(str(other)) as con:  # another working database with the same deliveries
        lieferstatus.ensure_table(con)
        lieferstatus.record(con, "genesis", "a" * 64, "12411-01.csv", lieferstatus.ANGENOMMEN)
        assert not same_data(before, data_state(con, other), ["wohngeld"])
