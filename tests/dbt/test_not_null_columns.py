"""The generic test `not_null_columns` (dbt_project/tests/generic/not_null_columns.sql): the columns of a model
that must not be NULL, checked in one scan instead of one `not_null` test per column."""

from __future__ import annotations

import json

import duckdb

from tests.dbt.conftest import dbt_test, passing_copy

MODEL = "sozialraum_indikatoren"


def test_no_column_test_is_a_plain_not_null_any_more(demo_build):
    """Every column that must not be NULL is listed in its model's not_null_columns test (one dbt node and one
    Dagster check per model instead of one per column); a plain `not_null` stays only where it has a config."""
    manifest = json.loads((demo_build.out / "dbt" / "manifest.json").read_text(encoding="utf-8"))
    plain = [n["unique_id"] for n in manifest["nodes"].values() if n["resource_type"] == "test"
             and (n.get("test_metadata") or {}).get("name") == "not_null" and not n["config"].get("where")]
    assert plain == []
    listed = [n for n in manifest["nodes"].values() if (n.get("test_metadata") or {}).get("name") == "not_null_columns"]
    assert len(listed) > 100
    mart = next(n for n in listed if n["attached_node"] == f"model.sozialmonitor.{MODEL}")
    assert {"gebiet_id", "jahr", "indikator_id", "ist_unterdrueckt"} <= set(mart["test_metadata"]["kwargs"]["columns"])


def test_fails_with_one_row_per_column_that_has_nulls(demo_build, tmp_path):
    warehouse = passing_copy(demo_build, tmp_path, f"{MODEL},test_name:not_null_columns")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"UPDATE mart.{MODEL} SET gebiet_name = NULL WHERE jahr = 2020 AND gebiet_ebene = 'gemeinde'")
        con.execute(f"UPDATE mart.{MODEL} SET quelle = NULL WHERE rowid IN (SELECT rowid FROM mart.{MODEL} LIMIT 3)")
        expected = {"gebiet_name": con.execute(f"SELECT count(*) FROM mart.{MODEL} WHERE gebiet_name IS NULL").fetchone()[0],
                    "quelle": 3}
    failed = dbt_test(f"{MODEL},test_name:not_null_columns", warehouse, tmp_path / "target")
    assert failed.returncode == 1 and "Got 2 results" in failed.stdout, failed.stdout[-3000:]
    # the test's rows name the columns and how many rows have NULL there
    compiled = next((tmp_path / "target" / "compiled").rglob("not_null_columns_*.sql")).read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert dict(con.execute(compiled).fetchall()) == expected
