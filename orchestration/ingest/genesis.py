"""GENESIS / Regionalstatistik tables (`LANDING/genesis/*.csv`) -> raw.genesis__lieferungen, raw.genesis__werte.

Each file is parsed by DuckDB (orchestration/ingest/genesis_csv.py: the format, its rules and checks) and
loaded through the runner (orchestration/ingest/runner.py), one transaction per file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.genesis_csv import SUPPORTED_TABLES, ParsedFile, _drop_temp, parse_file  # noqa: F401
from orchestration.ingest.region import Region
from orchestration.ingest.runner import Audit, Lineage, Options, run_family
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
    skipped, bad files quarantined with their reason while the other files still load, one transaction
    per file, conflicts (same table and time with an equal or older `Stand`) refused. A file without a
    row of the region loads (its table and `Stand` are recorded) and is named in the summary.
    """
    prefix = region.ags_prefix
    vorgaenger = former_kreise(con, prefix)

    def load_file(con: duckdb.DuckDBPyConnection, lineage: Lineage) -> ParsedFile:
        delivery = lineage.delivery
        geladen_am = lineage.geladen_am.replace(microsecond=0)
        # (no clean-up on failure: the runner rolls the file's transaction back, temp tables included)
        try:
            parsed = parse_file(con, delivery.read_path, prefix, vorgaenger)
            inserted = con.execute(
                f"INSERT INTO raw.genesis__werte ({', '.join(WERTE_COLUMNS)}) "
                f"SELECT {', '.join(WERTE_COLUMNS)} FROM (SELECT *, $tabelle AS tabelle, $sha256 AS sha256, "
                f"$datei AS datei, $stand AS stand, $geladen_am AS geladen_am FROM _genesis_neu)",
                {"tabelle": parsed.tabelle, "sha256": delivery.sha256, "datei": delivery.read_path.name,
                 "stand": parsed.stand, "geladen_am": geladen_am}).fetchone()[0]
        except (duckdb.InvalidInputException, duckdb.ConversionException) as error:
            # the CSV reader itself failed on the content: a bad delivery, not a crash
            first = str(error).splitlines()[0][:200]
            raise DeliveryError(delivery.path, f"cannot be read as a GENESIS CSV table ({first})") from error
        _drop_temp(con)
        if inserted != parsed.zeilen:
            raise RuntimeError(f"{delivery.path.name}: {inserted} rows written, {parsed.zeilen} expected")
        return parsed

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
        return DeliveryError(path, f"cannot be read as a GENESIS CSV table ({type(error).__name__})")

    result = run_family(con, paths, FAMILY, create_tables=ensure_tables, load_file=load_file,
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
