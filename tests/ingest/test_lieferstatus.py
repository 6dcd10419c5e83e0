"""The views `aktuell.<table>` (what the GX suites of the raw data check): per period the rows of the current
delivery among those not refused or retracted — the newest `Stand` (GENESIS, measure list), then the newest
load, then the larger sha256 — with NULL periods a period of their own, as a window over the rows ranks them."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.ingest import lieferstatus

T0 = dt.datetime(2024, 1, 1, 10, 0)


def window_reference(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """The documented rule written as the window over every row (dbt's macro `ist_aktuelle_lieferung`)."""
    partition, join = lieferstatus.AKTUELL[table]
    stand = "w.stand DESC, " if table in ("genesis__werte", "massnahmen__massnahmen") else ""
    return sorted(con.execute(f"""
        SELECT w.* FROM raw.{table} w {join}
        WHERE w.sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
        QUALIFY dense_rank() OVER (PARTITION BY {", ".join(partition)}
                                   ORDER BY {stand}w.geladen_am DESC, w.sha256 DESC) = 1""").fetchall(), key=repr)


def current(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT * FROM aktuell.{table}").fetchall(), key=repr)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    lieferstatus.ensure_table(con)
    yield con
    con.close()


def test_genesis_per_table_and_time_the_newest_stand_then_load_then_sha256_of_the_valid_deliveries(con):
    con.execute("CREATE TABLE raw.genesis__werte (tabelle VARCHAR, zeit VARCHAR, ags VARCHAR, wert DOUBLE, "
                "stand TIMESTAMP, geladen_am TIMESTAMP, sha256 VARCHAR)")
    rows = [
        # 2020: b has the newer Stand (loaded earlier) and wins; a stays history
        ("t1", "2020", "001", 1.0, "2021-01-01", T0, "a"), ("t1", "2020", "002", 2.0, "2021-01-01", T0, "a"),
        ("t1", "2020", "001", 1.5, "2021-06-01", T0 - dt.timedelta(days=1), "b"),
        # 2021: c has the newer Stand but was refused; a is current
        ("t1", "2021", "001", 3.0, "2021-01-01", T0, "a"), ("t1", "2021", "001", 9.0, "2022-01-01", T0, "c"),
        # no time label (NULL): d and e alike but for the sha256, the larger one wins
        ("t1", None, "001", 4.0, "2021-01-01", T0, "d"), ("t1", None, "001", 5.0, "2021-01-01", T0, "e"),
        # a Stand beats none (NULL sorts last)
        ("t2", "2020", "001", 6.0, None, T0, "f"), ("t2", "2020", "001", 7.0, "2020-01-01", T0, "g"),
        # the same delivery for another table keeps its own periods
        ("t2", "2021", "001", 8.0, "2021-01-01", T0, "a"),
    ]
    con.executemany("INSERT INTO raw.genesis__werte VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    lieferstatus.record(con, "genesis", "c", "c.csv", lieferstatus.ABGELEHNT)
    lieferstatus.create_current_views(con, ["genesis__werte"])

    got = current(con, "genesis__werte")
    assert sorted(((r[0], r[1], r[2], r[6]) for r in got), key=repr) == sorted([
        ("t1", "2020", "001", "b"), ("t1", "2021", "001", "a"), ("t1", None, "001", "e"),
        ("t2", "2020", "001", "g"), ("t2", "2021", "001", "a")], key=repr)
    assert got == window_reference(con, "genesis__werte")
    assert [c[0] for c in con.execute("DESCRIBE aktuell.genesis__werte").fetchall()] == [
        "tabelle", "zeit", "ags", "wert", "stand", "geladen_am", "sha256"]

    lieferstatus.record(con, "genesis", "c", "c.csv", lieferstatus.NEU)  # judged again: c is current for 2021
    assert [r[6] for r in current(con, "genesis__werte") if r[1] == "2021" and r[0] == "t1"] == ["c"]
    assert current(con, "genesis__werte") == window_reference(con, "genesis__werte")


def test_jugendhilfe_per_export_year_from_the_delivery_or_the_file_name_and_a_register_as_a_whole(con):
    con.execute("CREATE TABLE raw.jugendhilfe__lieferungen (sha256 VARCHAR, berichtszeitraum VARCHAR)")
    con.execute("CREATE TABLE raw.jugendhilfe__hilfen (fall VARCHAR, datei VARCHAR, geladen_am TIMESTAMP, "
                "sha256 VARCHAR)")
    con.executemany("INSERT INTO raw.jugendhilfe__lieferungen VALUES (?, ?)", [("x", "2016"), ("y", "2016-12")])
    con.executemany("INSERT INTO raw.jugendhilfe__hilfen VALUES (?, ?, ?, ?)", [
        ("1", "hilfen_2016.csv", T0, "x"), ("2", "hilfen_2016b.csv", T0 + dt.timedelta(hours=1), "y"),  # y newer
        ("3", "hilfen_2017.csv", T0, "z"),  # no delivery row: the year from the file name
        ("4", "hilfen.csv", T0, "w"), ("5", "export.csv", T0 - dt.timedelta(hours=1), "v"),  # no year: one period
    ])
    con.execute("CREATE TABLE raw.einrichtungen__einrichtungen (name VARCHAR, geladen_am TIMESTAMP, sha256 VARCHAR)")
    con.executemany("INSERT INTO raw.einrichtungen__einrichtungen VALUES (?, ?, ?)", [
        ("alt", T0, "r1"), ("neu", T0 + dt.timedelta(days=1), "r2"), ("neu2", T0 + dt.timedelta(days=1), "r2")])
    lieferstatus.create_current_views(con, ["jugendhilfe__hilfen", "einrichtungen__einrichtungen"])

    assert sorted(r[0] for r in current(con, "jugendhilfe__hilfen")) == ["2", "3", "4"]
    assert current(con, "jugendhilfe__hilfen") == window_reference(con, "jugendhilfe__hilfen")
    assert [r[0] for r in current(con, "einrichtungen__einrichtungen")] == ["neu", "neu2"]
    assert current(con, "einrichtungen__einrichtungen") == window_reference(con, "einrichtungen__einrichtungen")

    lieferstatus.record(con, "einrichtungen", "r2", "r2.csv", lieferstatus.ZURUECKGEZOGEN)  # retracted
    assert [r[0] for r in current(con, "einrichtungen__einrichtungen")] == ["alt"]
