"""The statement allowlist of superset/readonly_sql.py on its own (DuckDB's parser, no server).

The same duckdb version runs in the pipeline and in the Superset environment (STACK_NOTES), so
these classifications are the ones the Superset hooks make. The real SQL Lab requests are in
test_superset_hardening.py.
"""

from __future__ import annotations

import importlib.util
import os

import duckdb
import pytest
from superset_support import REPO_ROOT

spec = importlib.util.spec_from_file_location("readonly_sql", REPO_ROOT / "superset" / "readonly_sql.py")
readonly_sql = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readonly_sql)

ALLOWED = [
    ("select 1", "SELECT"),
    ("  SeLeCt /* ; copy */ 1 -- ; copy\n", "SELECT"),
    ("select $$;copy$$ as a;", "SELECT"),
    ("with t as (select 1 as a) select * from t", "WITH"),
    ("DESCRIBE mart.indikatoren", "DESCRIBE"),
    ("describe select 1", "DESCRIBE"),
    ("SHOW ALL TABLES", "SHOW"),
    ("summarize mart.indikatoren", "SUMMARIZE"),
    ("PIVOT mart.indikatoren ON einheit USING count(*)", "PIVOT"),  # DuckDB: CREATE (enum) + SELECT
    ("pivot mart.indikatoren on einheit in ('%') using count(*)", "PIVOT"),  # DuckDB: SELECT
    ("EXPLAIN select 1", "EXPLAIN SELECT"),
    ("explain analyze select 1", "EXPLAIN ANALYZE SELECT"),
    ("EXPLAIN (FORMAT json) select 1", "EXPLAIN SELECT"),
    # non-ASCII text before a ';' inside a string (the tokenizer counts bytes, the check characters)
    ("select 'Gebietsstand-Schlüssel – Übersicht' as a, '; x' as b, '–' as c", "SELECT"),
    ("select 'Größe € ✓' || '; copy' as a", "SELECT"),
]

REFUSED = [
    ("COPY (select 'x' a) TO '/x/sozialmonitor.duckdb' (FORMAT csv, USE_TMP_FILE false)", "COPY"),
    ("/* harmlos */ CoPy\n(select 'x' a)\tTO '/x/y'", "COPY"),
    ("copy mart.indikatoren from '/x/y.csv'", "COPY"),
    ("EXPORT DATABASE '/x'", "EXPORT"),
    ("IMPORT DATABASE '/etc'", "IMPORT"),  # DuckDB's parser would read /etc/schema.sql
    ("ATTACH '/x/y.duckdb' AS y (READ_ONLY false)", "ATTACH"),
    ("DETACH y", "DETACH"),
    ("INSTALL spatial", "INSTALL"),
    ("LOAD spatial", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET threads", "RESET"),
    ("USE mart", "USE"),
    ("PRAGMA version", "PRAGMA"),  # parses as SELECT: the first keyword decides
    ("pragma database_list", "PRAGMA"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("FORCE CHECKPOINT", "FORCE"),
    ("CALL pragma_version()", "CALL"),
    ("VACUUM", "VACUUM"),
    ("insert into t values (1)", "INSERT"),
    ("update t set a = 1", "UPDATE"),
    ("delete from t", "DELETE"),
    ("create table t (a int)", "CREATE"),
    ("drop table t", "DROP"),
    ("alter table t add column b int", "ALTER"),
    ("with t as (select 1 as a) insert into u select * from t", "WITH (INSERT)"),
    ("EXPLAIN ANALYZE COPY (select 'x' a) TO '/x/y' (FORMAT csv, USE_TMP_FILE false)", "EXPLAIN ANALYZE COPY"),
    ("explain (analyze, format json) copy (select 1) to '/x/y'", "EXPLAIN ANALYZE COPY"),
    ("explain copy (select 1) to '/x/y'", "EXPLAIN COPY"),
    ("select 1; copy (select 'x' a) to '/x/y'", "mehrere Anweisungen in einem Aufruf (SELECT, COPY)"),
    ("select 1; select 2", "mehrere Anweisungen in einem Aufruf (SELECT, SELECT)"),
    ("select 'äöü – ß'; copy (select 1) to '/x/y'", "mehrere Anweisungen in einem Aufruf (SELECT, COPY)"),
    ("pivot t on a using sum(v); create table x (a int)", "mehrere Anweisungen"),
    ("FROM mart.indikatoren", "FROM"),
    ("selec 1", "nicht lesbare Anweisung"),
    ("", "leere Anweisung"),
    ("-- nur ein Kommentar\n", "leere Anweisung"),
]


@pytest.mark.parametrize("sql,klass", ALLOWED)
def test_allowed_statement_classes(sql, klass):
    assert readonly_sql.check(sql) == klass


@pytest.mark.parametrize("sql,what", REFUSED)
def test_refused_statements_name_their_class_in_german(sql, what):
    with pytest.raises(readonly_sql.NotReadOnly) as info:
        readonly_sql.check(sql)
    message = str(info.value)
    assert message.startswith(f"Nicht erlaubt: {what}"), message
    assert "SQL Lab liest den veröffentlichten Mart nur (erlaubt: SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, " \
           "SUMMARIZE, PIVOT)." in message


def test_duckdb_statement_types_behind_the_classes():
    """What the allowlist relies on: DuckDB 1.5 parses DESCRIBE/SHOW/SUMMARIZE/PRAGMA into SELECTs,
    PIVOT without IN list into CREATE + SELECT, and reads IMPORT DATABASE files while parsing."""
    def types(sql):
        return [s.type.name for s in duckdb.connect(":memory:").extract_statements(sql)]

    for sql in ("DESCRIBE t", "SHOW ALL TABLES", "SUMMARIZE t", "PRAGMA version", "select 1"):
        assert types(sql) == ["SELECT"], sql
    assert types("PIVOT t ON a USING sum(v)") == ["CREATE", "SELECT"]
    assert types("EXPLAIN ANALYZE COPY (select 1) TO 'x'") == ["EXPLAIN"]


def test_parsing_reads_no_files(tmp_path):
    """DuckDB's parser opens schema.sql of IMPORT DATABASE; the classifier's parser may not."""
    (tmp_path / "schema.sql").write_text("this is not sql")
    with pytest.raises(duckdb.Error, match="file system operations are disabled"):
        readonly_sql._parser().extract_statements(f"IMPORT DATABASE '{tmp_path}'")
    with pytest.raises(duckdb.Error, match="load.sql"):  # the default connection did read schema.sql
        duckdb.connect(":memory:").extract_statements(f"IMPORT DATABASE '{tmp_path}'")


def test_bundle_serves_the_serving_copy(tmp_path, monkeypatch):
    from orchestration.settings import Paths

    spec_b = importlib.util.spec_from_file_location("sm_bundle_paths", REPO_ROOT / "superset" / "bundle.py")
    bundle = importlib.util.module_from_spec(spec_b)
    spec_b.loader.exec_module(bundle)
    monkeypatch.setenv("SOZIALMONITOR_OUT", str(tmp_path / "out"))
    assert bundle.serving_path() == Paths(region=tmp_path, landing=tmp_path, out=tmp_path / "out").serving
    assert os.fspath(bundle.serving_path()).endswith("serving/sozialmonitor.duckdb")


def test_every_dataset_sql_of_the_bundle_passes_the_check():
    """The dashboards' own datasets (German text with ü, –, and '; ' separators inside strings) are single
    read-only statements: the tokenizer's byte offsets must not split them."""
    spec = importlib.util.spec_from_file_location("bundle_for_check", REPO_ROOT / "superset" / "bundle.py")
    bundle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bundle)
    # the other datasets are physical report tables (dbt models rpt_*): publikation adds the status of the file
    assert readonly_sql.check(bundle.SQL_PUBLIKATION) == "SELECT"
    virtual = [d for d in bundle.datasets().values() if d.get("sql")]
    assert virtual, "no dataset with SQL: the check proves nothing"
    for dataset in virtual:
        assert readonly_sql.check(dataset["sql"]) in ("SELECT", "WITH"), dataset["table_name"]
