"""The working database's connections (orchestration/warehouse.py): what a killed process leaves behind."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.warehouse import write_connection


def test_an_empty_working_database_left_by_a_killed_creation_is_created_anew(tmp_path):
    """kill -9 between DuckDB creating the file and writing its header leaves an empty file (seen in the kill -9
    chain of tests/publish/test_build_process.py, killed as raw_region started): it holds nothing, and the next
    writer creates the database anew instead of every later build failing on it."""
    database = tmp_path / "warehouse.duckdb"
    database.write_bytes(b"")
    with pytest.raises(duckdb.Error, match="not a valid DuckDB database"):  # what the next build failed with
        duckdb.connect(str(database)).close()
    with write_connection(database) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchone() == (1,)


def test_a_working_database_that_is_not_empty_is_never_replaced(tmp_path):
    """Only an empty file is started anew: a file with content DuckDB cannot open stays as it is, and the error
    names it (a damaged database is not thrown away)."""
    database = tmp_path / "warehouse.duckdb"
    content = b"kein DuckDB-Kopf " * 1000
    database.write_bytes(content)
    with pytest.raises(duckdb.Error), write_connection(database):
        pass
    assert database.read_bytes() == content
