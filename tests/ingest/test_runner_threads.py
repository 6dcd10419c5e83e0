"""The runner loads a family's files with DuckDB on one thread (many small queries per file) and gives the
connection its thread count back afterwards, also when a file is refused."""

from __future__ import annotations

from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError

TABLES = {"haushalte": "stichtag DATE, ags VARCHAR, anzahl BIGINT"}


def test_files_load_on_one_thread_and_the_thread_count_comes_back(paths, con, write):
    write(paths.landing / "wohngeld" / "wohngeld_2016.csv", ["stichtag;ags;haushalte", "31.12.2016;06432001;5"])
    write(paths.landing / "wohngeld" / "wohngeld_2017.csv", ["stichtag;ags;haushalte", "31.12.2017;06432001;6"])
    con.execute("SET threads = 2")
    seen: list[int] = []

    def load_file(con, lineage):
        seen.append(int(con.execute("SELECT current_setting('threads')").fetchone()[0]))
        if lineage.delivery.path.name == "wohngeld_2017.csv":
            raise DeliveryError(lineage.delivery.path, "refused on purpose")
        return lineage.delivery.path.name

    result = runner.run_family(con, paths, "wohngeld", create_tables=lambda con: runner.create_tables(con, "wohngeld", TABLES),
                               load_file=load_file, record_delivery=lambda con, lineage, loaded: None,
                               count=lambda result, loaded: None)
    assert seen == [1, 1]
    assert [d.path.name for d in result.loaded] == ["wohngeld_2016.csv"]
    assert [p.name for p, _ in result.quarantined] == ["wohngeld_2017.csv"]
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2
