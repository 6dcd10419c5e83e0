"""The generic test `accepted_values_columns` (dbt_project/tests/generic/accepted_values_columns.sql): the accepted
values of several columns of a model checked in one scan instead of one `accepted_values` test per column."""

from __future__ import annotations

import json

import duckdb

from tests.dbt.conftest import dbt_test, passing_copy

MODEL = "rpt_sozialindex_karte"


def test_a_plain_accepted_values_test_remains_only_with_its_own_config(demo_build):
    """Every column's accepted values are listed in its model's accepted_values_columns test (one dbt node and one
    Dagster check per model instead of one per column); a plain `accepted_values` stays only where it has a
    severity or filter of its own."""
    manifest = json.loads((demo_build.out / "dbt" / "manifest.json").read_text(encoding="utf-8"))
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    plain = [n for n in tests if (n.get("test_metadata") or {}).get("name") == "accepted_values"]
    assert plain and all(n["config"]["severity"].lower() == "warn" or n["config"].get("where") for n in plain)
    listed = [n for n in tests if (n.get("test_metadata") or {}).get("name") == "accepted_values_columns"]
    assert len(listed) > 50
    karte = next(n for n in listed if n["attached_node"] == f"model.sozialmonitor.{MODEL}")
    assert karte["test_metadata"]["kwargs"]["values_by_column"]["statusklasse"] == ["hoch", "mittel", "niedrig", "sehr niedrig"]
    catalogue = next(n for n in listed if n["attached_node"] == "seed.sozialmonitor.indikatoren")
    assert catalogue["test_metadata"]["kwargs"]["values_by_column"]["polaritaet"] == [-1, 0, 1]


def test_fails_with_one_row_per_column_and_unexpected_value(demo_build, tmp_path):
    warehouse = passing_copy(demo_build, tmp_path, f"{MODEL},test_name:accepted_values_columns")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"UPDATE mart.{MODEL} SET statusklasse = 'unbekannt' WHERE rowid IN (SELECT rowid FROM mart.{MODEL} "
                    "WHERE statusklasse IS NOT NULL LIMIT 2)")
        con.execute(f"UPDATE mart.{MODEL} SET datenklasse = 'geheim' WHERE rowid IN (SELECT rowid FROM mart.{MODEL} LIMIT 3)")
        con.execute(f"UPDATE mart.{MODEL} SET dynamik = NULL")  # NULL is accepted (not_null_columns checks NULLs)
    failed = dbt_test(f"{MODEL},test_name:accepted_values_columns", warehouse, tmp_path / "target")
    assert failed.returncode == 1 and "Got 2 results" in failed.stdout, failed.stdout[-3000:]
    # the test's rows name the column, the unexpected value and how many rows have it
    compiled = next((tmp_path / "target" / "compiled").rglob("accepted_values_columns_*.sql")).read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {(spalte, wert): zeilen for spalte, wert, zeilen in con.execute(compiled).fetchall()}
    assert rows == {("statusklasse", "unbekannt"): 2, ("datenklasse", "geheim"): 3}
