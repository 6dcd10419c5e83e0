"""The generic test `column_values` (dbt_project/tests/generic/column_values.sql): the columns of a model that must
not be NULL and the accepted values of its coded columns, checked in one scan and one test per model instead of one
`not_null` or `accepted_values` test per column."""

from __future__ import annotations

import json

import duckdb

from tests.dbt.conftest import dbt_test, passing_copy

MODEL = "rpt_sozialindex_karte"


def test_every_model_has_one_column_test_and_plain_ones_remain_only_with_a_config_of_their_own(demo_build):
    """One `column_values` test per model, seed or source (one dbt node and one Dagster check); a plain `not_null`
    stays only with a filter, a plain `accepted_values` only with a severity or filter of its own."""
    manifest = json.loads((demo_build.out / "dbt" / "manifest.json").read_text(encoding="utf-8"))
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    named = {name: [n for n in tests if (n.get("test_metadata") or {}).get("name") == name]
             for name in ("column_values", "not_null", "accepted_values", "not_null_columns", "accepted_values_columns")}
    assert not named["not_null_columns"] and not named["accepted_values_columns"]
    assert all(n["config"].get("where") for n in named["not_null"])
    assert named["accepted_values"]
    assert all(n["config"]["severity"].lower() == "warn" or n["config"].get("where") for n in named["accepted_values"])
    listed = named["column_values"]
    attached = [n["attached_node"] or n["depends_on"]["nodes"][0] for n in listed]
    assert len(listed) > 140 and len(attached) == len(set(attached)), "one column_values test per model"
    karte = next(n["test_metadata"]["kwargs"] for n in listed if n["attached_node"] == f"model.sozialmonitor.{MODEL}")
    assert karte["accepted_values"]["statusklasse"] == ["hoch", "mittel", "niedrig", "sehr niedrig"]
    assert {"gebiet_id", "datenklasse"} <= set(karte["not_null"])
    catalogue = next(n["test_metadata"]["kwargs"] for n in listed if n["attached_node"] == "seed.sozialmonitor.indikatoren")
    assert catalogue["accepted_values"]["polaritaet"] == [-1, 0, 1]


def test_fails_with_one_row_per_column_with_nulls_and_per_unexpected_value(demo_build, tmp_path):
    selection = f"{MODEL},test_name:column_values"
    warehouse = passing_copy(demo_build, tmp_path, selection)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"UPDATE mart.{MODEL} SET statusklasse = 'unbekannt' WHERE rowid IN (SELECT rowid FROM mart.{MODEL} "
                    "WHERE statusklasse IS NOT NULL LIMIT 2)")
        con.execute(f"UPDATE mart.{MODEL} SET datenklasse = 'geheim' WHERE rowid IN (SELECT rowid FROM mart.{MODEL} LIMIT 3)")
        con.execute(f"UPDATE mart.{MODEL} SET gebiet_id = NULL WHERE rowid IN (SELECT rowid FROM mart.{MODEL} "
                    "ORDER BY rowid DESC LIMIT 4)")
        con.execute(f"UPDATE mart.{MODEL} SET dynamikklasse = NULL")  # NULL passes where a column is not in not_null
    failed = dbt_test(selection, warehouse, tmp_path / "target")
    assert failed.returncode == 1 and "Got 3 results" in failed.stdout, failed.stdout[-3000:]
    # the test's rows name the column, the rule, the unexpected value and how many rows
    compiled = next((tmp_path / "target" / "compiled").rglob("column_values_*.sql")).read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {(spalte, pruefung, wert): zeilen for spalte, pruefung, wert, zeilen in con.execute(compiled).fetchall()}
    assert rows == {("statusklasse", "accepted_values", "unbekannt"): 2, ("datenklasse", "accepted_values", "geheim"): 3,
                    ("gebiet_id", "not_null", None): 4}
