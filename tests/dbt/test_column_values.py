"""The generic test `column_values` (dbt_project/tests/generic/column_values.sql): the columns of a model that must
not be NULL and the accepted values of its coded columns, checked in one scan, and the model's grain, in one test per
model instead of one `not_null` or `accepted_values` test per column and a `unique_combination_of_columns` test."""

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
    # a model's grain is in its column_values test; a grain test of its own stays only with a filter of its own or as
    # a second grain of the model
    grains = {node: n["test_metadata"]["kwargs"].get("unique") for node, n in zip(attached, listed, strict=True)}
    assert sum(1 for grain in grains.values() if grain) > 75
    assert grains["model.sozialmonitor.sgb2_monatswerte"] == ["gebiet_ebene", "gebiet_id", "monat", "indikator_id"]
    plain = [n for n in tests if (n.get("test_metadata") or {}).get("name") in ("unique_combination_of_columns", "unique")]
    for node in plain:
        assert node["config"].get("where") or grains.get(node["attached_node"] or node["depends_on"]["nodes"][0]), \
            node["unique_id"]
    # a key column's plain `unique` test is the grain of one column
    assert grains["seed.sozialmonitor.indikatoren"] == ["indikator_id"]
    assert grains["source.sozialmonitor.region.region__gemeinden"] == ["ags"]
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


def test_a_repeated_grain_fails_with_one_row_per_repeated_combination(demo_build, tmp_path):
    model = "sgb2_monatswerte"
    selection = f"{model},test_name:column_values"
    warehouse = passing_copy(demo_build, tmp_path, selection)
    with duckdb.connect(str(warehouse)) as con:
        key = con.execute(f"SELECT gebiet_ebene, gebiet_id, monat, indikator_id FROM mart.{model} "
                          "WHERE gebiet_ebene = 'gemeinde' ORDER BY ALL LIMIT 1").fetchone()
        con.execute(f"INSERT INTO mart.{model} SELECT * FROM mart.{model} WHERE gebiet_ebene = ? AND gebiet_id = ? "
                    "AND monat = ? AND indikator_id = ?", list(key))  # the row twice
        con.execute(f"INSERT INTO mart.{model} SELECT * FROM mart.{model} WHERE gebiet_ebene = 'kreis' "
                    "ORDER BY ALL LIMIT 1")  # another row twice
        con.execute(f"UPDATE mart.{model} SET indikator_id = NULL WHERE rowid IN (SELECT max(rowid) FROM mart.{model})")
    failed = dbt_test(selection, warehouse, tmp_path / "target")
    assert failed.returncode == 1 and "Got 2 results" in failed.stdout, failed.stdout[-3000:]
    compiled = next((tmp_path / "target" / "compiled").rglob("column_values_*.sql")).read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {(spalte, pruefung, wert): zeilen for spalte, pruefung, wert, zeilen in con.execute(compiled).fetchall()}
    gebiet_ebene, gebiet_id, monat, indikator_id = key
    # the kreis row's copy lost its indikator_id: a NULL, not a repeated combination
    assert rows == {("indikator_id", "not_null", None): 1,
                    ("gebiet_ebene, gebiet_id, monat, indikator_id", "unique",
                     f"{gebiet_ebene}, {gebiet_id}, {monat}, {indikator_id}"): 2}, rows
