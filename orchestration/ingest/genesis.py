"""GENESIS / Regionalstatistik tables (`LANDING/genesis/*.csv`) -> raw.genesis__lieferungen, raw.genesis__werte.

The new files of a run are parsed together by DuckDB, in a few queries for all of them
(orchestration/ingest/genesis_csv.py: the format, its rules and checks), and loaded through the runner
(orchestration/ingest/runner.py: `load_files`): a bad file is quarantined with its reason, the rows of the
others are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.genesis_csv import SUPPORTED_TABLES, ParsedFile, drop_temp, parse_files  # noqa: F401
from orchestration.ingest.region import Region
from orchestration.ingest.runner import Audit, Batch, Lineage, Options, files_table, run_family
from orchestration.settings import Paths
from orchestration.warehouse import table_exists

FAMILY = "genesis"

LIEFERUNGEN_DDL = """
CREATE TABLE IF NOT EXISTS raw.genesis__lieferungen (
    sha256 VARCHAR PRIMARY KEY,
    datei VARCHAR NOT NULL,
    tabelle VARCHAR NOT NULL,
    titel VARCHAR,
    stand TIMESTAMP NOT NULL,
    encoding VARCHAR NOT NULL,
    ist_demodaten BOOLEAN NOT NULL,
    zeilen BIGINT NOT NULL,
    geladen_am TIMESTAMP NOT NULL
)
"""

WERTE_COLUMNS = (
    "tabelle", "zeit", "jahr", "stichtag", "regionalschluessel", "ags", "gebiet_ebene", "gebiet_name",
    "merkmal", "wert", "marker", "zeile", "sha256", "datei", "stand", "geladen_am",
)

WERTE_DDL = """
CREATE TABLE IF NOT EXISTS raw.genesis__werte (
    tabelle VARCHAR NOT NULL,
    zeit VARCHAR NOT NULL,
    jahr INTEGER NOT NULL,
    stichtag DATE,
    regionalschluessel VARCHAR NOT NULL,
    ags VARCHAR,
    gebiet_ebene VARCHAR NOT NULL,
    gebiet_name VARCHAR,
    merkmal VARCHAR NOT NULL,
    wert DOUBLE,
    marker VARCHAR,
    zeile INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    datei VARCHAR NOT NULL,
    stand TIMESTAMP NOT NULL,
    geladen_am TIMESTAMP NOT NULL
)
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the family's raw tables (typed, empty) if they do not exist yet."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(LIEFERUNGEN_DDL)
    con.execute(WERTE_DDL)


def load_genesis(con: duckdb.DuckDBPyConnection, paths: Paths, region: Region, audit: Audit | None = None,
                 run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load every new GENESIS CSV of `LANDING/genesis/` into raw.genesis__lieferungen / raw.genesis__werte.

    The runner (orchestration/ingest/runner.py) does the rest: files already loaded (same SHA-256) are
    skipped, bad files quarantined with their reason while the other files still load (in one transaction),
    conflicts (same table and time with an equal or older `Stand`) refused. A file without a
    row of the region loads (its table and `Stand` are recorded) and is named in the summary.
    """
    prefix = region.ags_prefix
    vorgaenger = former_kreise(con, prefix)

    @contextmanager
    def load_files(con: duckdb.DuckDBPyConnection, lineages: list[Lineage]) -> Iterator[Batch]:
        try:
            outcomes = parse_files(con, [lineage.delivery.read_path for lineage in lineages], prefix, vorgaenger)
            passed = [(nr, lineage, parsed) for nr, (lineage, parsed) in enumerate(zip(lineages, outcomes, strict=True))
                      if isinstance(parsed, ParsedFile)]
            files_table(con, "_genesis_herkunft", {
                "nr": ("INTEGER", [nr for nr, _, _ in passed]),
                "tabelle": ("VARCHAR", [parsed.tabelle for _, _, parsed in passed]),
                "sha256": ("VARCHAR", [lineage.delivery.sha256 for _, lineage, _ in passed]),
                "datei": ("VARCHAR", [lineage.delivery.read_path.name for _, lineage, _ in passed]),
                "stand": ("TIMESTAMP", [parsed.stand for _, _, parsed in passed]),
                "geladen_am": ("TIMESTAMP", [lineage.geladen_am.replace(microsecond=0) for _, lineage, _ in passed]),
            })

            def write(con: duckdb.DuckDBPyConnection) -> None:
                if not passed:
                    return
                inserted = con.execute(
                    f"INSERT INTO raw.genesis__werte ({', '.join(WERTE_COLUMNS)}) "
                    f"SELECT {', '.join(WERTE_COLUMNS)} FROM _genesis_neu JOIN _genesis_herkunft USING (nr)"
                ).fetchone()[0]
                expected = sum(parsed.zeilen for _, _, parsed in passed)
                if inserted != expected:
                    raise RuntimeError(f"genesis: {inserted} rows written, {expected} expected")

            yield Batch(outcomes, write)
        finally:
            drop_temp(con)
            con.execute("DROP TABLE IF EXISTS _genesis_herkunft")

    def record_delivery(con: duckdb.DuckDBPyConnection, lineage: Lineage, parsed: ParsedFile) -> None:
        con.execute(
            "INSERT INTO raw.genesis__lieferungen VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [lineage.delivery.sha256, lineage.delivery.path.name, parsed.tabelle, parsed.titel, parsed.stand,
             parsed.encoding, parsed.ist_demodaten, parsed.zeilen, lineage.geladen_am.replace(microsecond=0)],
        )

    def count(result: IngestResult, parsed: ParsedFile) -> None:
        result.rows["raw.genesis__lieferungen"] = result.rows.get("raw.genesis__lieferungen", 0) + 1
        result.rows["raw.genesis__werte"] = result.rows.get("raw.genesis__werte", 0) + parsed.zeilen
        result.suppressed += parsed.unterdrueckt
        if parsed.zeilen_region == 0:
            result.hints.append(
                f"genesis/{result.loaded[-1].path.name}: Tabelle {parsed.tabelle} enthält keine Zeile der Region "
                f"{prefix or 'Deutschland'} (geladen, trägt aber nichts bei)")

    def read_error(path: Path, error: duckdb.Error) -> DeliveryError:
        if isinstance(error, (duckdb.InvalidInputException, duckdb.ConversionException)):
            # the CSV reader itself failed on the content: a bad delivery, not a crash
            return DeliveryError(path, f"cannot be read as a GENESIS CSV table ({str(error).splitlines()[0][:200]})")
        return DeliveryError(path, f"cannot be read as a GENESIS CSV table ({type(error).__name__})")

    result = run_family(con, paths, FAMILY, create_tables=ensure_tables, load_files=load_files,
                        record_delivery=record_delivery, count=count, read_error=read_error, audit=audit,
                        run_id=run_id)
    result.rows = {"raw.genesis__lieferungen": 0, "raw.genesis__werte": 0, **result.rows}
    return result


def former_kreise(con: duckdb.DuckDBPyConnection, prefix: str) -> tuple[str, ...]:
    """Kreis keys (5 digits) of former Kreise with Gemeinden that belong to the region today, from the loaded
    Gebietsstand keys (family `gebietsstand`, loaded before GENESIS): their rows are kept so that every year
    can be converted to today's Gemeinden (e.g. Greifswald 13001 and Ostvorpommern 13059 for 13075)."""
    if not prefix:
        return ()
    if not table_exists(con, "raw.gebietsstand__schluessel"):
        return ()
    rows = con.execute("""
        SELECT DISTINCT left(ags_alt, 5) FROM raw.gebietsstand__schluessel
        WHERE starts_with(ags_ziel, ?) AND NOT starts_with(ags_alt, ?)
        ORDER BY 1
    """, [prefix, prefix]).fetchall()
    return tuple(r[0] for r in rows)
