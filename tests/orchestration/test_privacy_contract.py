"""One privacy contract (seed personenbezogene_spalten, orchestration/privacy.py) for ingest, publish,
export and dbt: every path refuses the same columns."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orchestration import privacy
from orchestration.export import ExportFehler, export_open_data
from orchestration.publish import PublishError, publish
from orchestration.settings import REPO_ROOT, Paths
from quality import handbuilt  # tests/ is on sys.path (rootdir conftest)
from transform.dbt_runner import run_dbt

# one example column name per pattern of the contract, and names that are allowed
IDENTIFYING = ["fall_id", "fall_pseudonym", "hilfe_fall_id", "fallnummer", "aktenzeichen", "kind_pseudonym", "case_id",
               "person_id", "vorname", "nachname", "familienname", "geburtsname", "name_mutter", "strasse", "straße",
               "hausnummer", "plz", "plz_wohnort", "ort", "adresse", "anschrift", "wohnadresse", "geburtsdatum",
               "geburtstag", "telefon", "email", "e_mail"]
ALLOWED = ["gebiet_id", "gebiet_name", "wohnort_ags", "indikator_id", "wert", "zaehler", "name", "geburtsjahr",
           "sozialraum_name", "hilfeart", "ortsteil_id"]
PASSED = [{"name": "gx_genesis", "asset": "raw/genesis", "passed": True, "severity": "ERROR"}]


def test_every_pattern_is_covered_and_allowed_names_pass():
    assert all(any(p.matches(name) for name in IDENTIFYING) for p in privacy.patterns())
    assert privacy.forbidden(IDENTIFYING) == IDENTIFYING
    assert privacy.forbidden(ALLOWED) == []
    assert privacy.forbidden(["Vorname", " TELEFON "]) == ["Vorname", " TELEFON "]  # case and blanks do not help
    assert privacy.is_personal("vorname") and privacy.is_personal("telefon")
    # a pseudonym and the birth date (age at the begin of a Hilfe) may be loaded, never published
    assert not privacy.is_personal("fall_pseudonym") and not privacy.is_personal("geburtsdatum")


@pytest.fixture
def paths(tmp_path) -> Paths:
    p = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "landing", out=tmp_path / "out")
    handbuilt.build(p.warehouse)
    return p


@pytest.mark.parametrize("column", ["telefon", "geburtsname", "plz", "aktenzeichen"])
def test_publish_and_export_refuse_the_same_columns(paths, tmp_path, column):
    """Before the contract, publication (the file Superset reads) refused only seven names: these passed."""
    con = duckdb.connect(str(paths.warehouse))
    con.execute(f"CREATE TABLE mart.kontakte AS SELECT '06432001' AS gebiet_id, 'x' AS {column}")
    con.close()
    with pytest.raises(PublishError, match=f"mart contains case-level columns.*kontakte.{column}"):
        publish(paths, run_id="x", checks=PASSED)
    assert not paths.published.exists()

    db = tmp_path / "published.duckdb"
    shutil.copy(paths.warehouse, db)
    with pytest.raises(ExportFehler, match=f"kontakte.{column}"):
        export_open_data(db, tmp_path / "export")


def test_no_loaded_raw_table_has_a_personal_column(demo_build):
    """Ingest: names, addresses, birth dates and contact data of the deliveries are never loaded (the demo
    Jugendamt export carries nachname, vorname, strasse, hausnummer, plz, ort)."""
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        columns = con.execute("SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema IN ('raw', 'staging', 'intermediate', 'mart')").fetchall()
    assert len(columns) > 100
    assert [f"{t}.{c}" for t, c in columns if privacy.is_personal(c)] == []
    assert [f"{t}.{c}" for t, c in columns if privacy.match(c) and t.startswith("mart.")] == []


def test_dbt_test_fails_when_a_mart_model_has_an_identifying_column(demo_build, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    dbt = ["test", "--select", "assert_keine_personenbezogenen_spalten"]
    ok = run_dbt(dbt, warehouse, tmp_path / "target", timeout=600)
    assert ok.returncode == 0, ok.stdout[-3000:]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE mart.dim_gebiet ADD COLUMN geburtsdatum DATE")
    failed = run_dbt(dbt, warehouse, tmp_path / "target", timeout=600)
    assert failed.returncode == 1 and "assert_keine_personenbezogenen_spalten" in failed.stdout
