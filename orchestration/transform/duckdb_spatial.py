"""dbt-duckdb plugin (dbt_project/profiles.yml, `plugins`): loads DuckDB spatial into every connection dbt opens,
from the locked PyPI package `duckdb-extension-spatial` (orchestration.warehouse.load_extension) — never an
`INSTALL` from the internet. The facility indicators (int_einrichtungen__versorgung) use it for the Gemeinde
centroids and distances; no published table has a GEOMETRY column (Superset reads plain numbers).
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from orchestration.warehouse import load_extension


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        load_extension(conn, "spatial")
