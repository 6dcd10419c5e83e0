"""Gebietsstand conversion keys (BBSR *Umstiegsschlüssel*) -> raw.gebietsstand__lieferungen, raw.gebietsstand__schluessel.

Gemeinden merge and split every year; a time series per area needs every year on one Gebietsstand. A key
file says, per year and old area, which share of its residents, area and employees lies in which area of
the target Gebietsstand:

    jahr,ags_alt,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,ags_2020      (Gemeinden, 8 digits)
    2008,16076091,0.399933730947647,0.4,0.4,16076022
    jahr,kreis_alt,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,kreis_2020  (Kreise, 5 digits)

The target year comes from the last column's name. The project ships the BBSR keys 2000–2020 -> 2020
(`data/reference/gebietsstand/`, loaded once per warehouse by `load_shipped`); a newer key in the same
layout dropped into `LANDING/gebietsstand/` (`.csv` or `.csv.gz`) is loaded like any delivery (checksum,
quarantine) and, having the newer target year, supersedes the shipped one (dbt: stg_gebietsstand__schluessel;
`region.yml` `gebietsstand: <year>` picks another target year).

Checks (DeliveryError naming file, line and column): the header; `jahr` a year not after the target year;
keys of 8 (Gemeinde) or 5 (Kreis) digits; shares numbers in [0, 1]; no key row twice; per year and old area
the shares of each kind add up to 1 ± 0.001 — except the BBSR convention for an uninhabited area split
between several targets (population and employment share 1 on every part, only the area shares add up);
a Gemeinde target inside the region that the region profile does not list.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.region import Region, RegionError
from orchestration.ingest.runner import Audit, Lineage, Options, run_family, run_shipped
from orchestration.settings import REPO_ROOT, Paths
from orchestration.warehouse import table_exists

FAMILY = "gebietsstand"
SHIPPED = REPO_ROOT / "data" / "reference" / "gebietsstand"
TOLERANCE = 0.001
COLUMNS = ("jahr", "{e}_alt", "anteil_bevoelkerung", "anteil_flaeche", "anteil_beschaeftigte", "{e}_<Jahr>")
LEVELS = {"ags": ("gemeinde", 8), "kreis": ("kreis", 5)}

DDL = (
    """CREATE TABLE IF NOT EXISTS raw.gebietsstand__lieferungen (
        sha256 VARCHAR PRIMARY KEY, datei VARCHAR NOT NULL, ebene VARCHAR NOT NULL, ziel_jahr INTEGER NOT NULL,
        jahr_von INTEGER NOT NULL, jahr_bis INTEGER NOT NULL, zeilen BIGINT NOT NULL,
        ist_mitgeliefert BOOLEAN NOT NULL, geladen_am TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS raw.gebietsstand__schluessel (
        ebene VARCHAR NOT NULL, jahr INTEGER NOT NULL, ags_alt VARCHAR NOT NULL, ags_ziel VARCHAR NOT NULL,
        ziel_jahr INTEGER NOT NULL, anteil_bevoelkerung DOUBLE NOT NULL, anteil_flaeche DOUBLE NOT NULL,
        anteil_beschaeftigte DOUBLE NOT NULL, zeile INTEGER NOT NULL, sha256 VARCHAR NOT NULL,
        datei VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL)""",
)


@dataclass(frozen=True)
class ParsedKey:
    ebene: str
    ziel_jahr: int
    jahr_von: int
    jahr_bis: int
    zeilen: int


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for ddl in DDL:
        con.execute(ddl)


def _region_gemeinden(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The Gemeinden the region profile lists (empty: the profile lists none, the tables define them)."""
    if not table_exists(con, "raw.region__gemeinden"):
        return []
    return [r[0] for r in con.execute("SELECT ags FROM raw.region__gemeinden").fetchall()]


def _check_gzip(path: Path) -> None:
    """A truncated or corrupt gzip stream is an error, not a shorter key (the CSV reader stops silently)."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as error:
        raise DeliveryError(path, f"cannot be read as a Gebietsstand key: the gzip stream is truncated or corrupt "
                                  f"({error}); expected a complete .csv.gz file") from error


def parse_key(con: duckdb.DuckDBPyConnection, path: Path, prefix: str = "",
              gemeinden: list[str] | tuple[str, ...] = ()) -> ParsedKey:
    """Read and check one key file into the temp table `_gs_neu` (ebene, jahr, ags_alt, ags_ziel, anteile, zeile).

    `prefix` and `gemeinden`: when given, every Gemeinde target starting with `prefix` must be one of `gemeinden`.
    """
    compression = "gzip" if path.name.lower().endswith(".gz") else "none"
    if compression == "gzip":
        _check_gzip(path)
    # one VARCHAR per physical line (blank lines kept as NULL, so the row number is the line number)
    con.execute("DROP TABLE IF EXISTS _gs_neu")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _gs_zeilen AS
        SELECT line FROM read_csv(?, columns={'line': 'VARCHAR'}, delim='\\x01', quote='', escape='', header=false,
                                  auto_detect=false, compression=?, parallel=false, max_line_size=100000)
    """, [str(path), compression])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _gs_zeilen AS
        SELECT (rowid - min(rowid) OVER () + 1)::INTEGER AS zeile,
               list_transform(string_split(trim(line, chr(65279) || chr(13)), ','), x -> trim(x, ' "')) AS f
        FROM _gs_zeilen WHERE trim(coalesce(line, '')) <> ''
    """)
    header = con.execute("SELECT zeile, f FROM _gs_zeilen ORDER BY zeile LIMIT 1").fetchone()
    if header is None:
        raise DeliveryError(path, "empty file: expected the header " + ",".join(COLUMNS).format(e="ags"), line=1)
    zeile_kopf, kopf = header[0], [c.lower() for c in header[1]]
    art = kopf[1].removesuffix("_alt") if len(kopf) > 1 else ""
    if art not in LEVELS:
        raise DeliveryError(path, f"column 2 is {kopf[1] if len(kopf) > 1 else '(missing)'!r}: expected ags_alt "
                                  f"(Gemeinden) or kreis_alt (Kreise)", line=zeile_kopf, column=2)
    ebene, digits = LEVELS[art]
    expected = [c.format(e=art) for c in COLUMNS]
    for i, want in enumerate(expected):
        got = kopf[i] if i < len(kopf) else "(missing)"
        ok = (got.startswith(f"{art}_") and got[len(art) + 1:].isdigit() and len(got) == len(art) + 5) \
            if i == 5 else got == want
        if not ok:
            raise DeliveryError(path, f"header column {i + 1} is {got!r}: expected {want} (header "
                                      f"{','.join(expected)})", line=zeile_kopf, column=i + 1)
    if len(kopf) > 6:
        raise DeliveryError(path, f"header has {len(kopf)} columns: expected 6 ({','.join(expected)})",
                            line=zeile_kopf, column=7)
    ziel_jahr = int(kopf[5][-4:])

    # field count, then each field's type (the first problem in file order)
    problem = con.execute("""
        SELECT zeile, len(f) FROM _gs_zeilen WHERE zeile > ? AND len(f) <> 6 ORDER BY zeile LIMIT 1
    """, [zeile_kopf]).fetchone()
    if problem:
        raise DeliveryError(path, f"{problem[1]} fields: expected 6 comma-separated values ({','.join(expected)})",
                            line=problem[0], column=min(problem[1] + 1, 7) if problem[1] < 6 else 7)
    problem = con.execute(f"""
        WITH z AS (SELECT zeile, f FROM _gs_zeilen WHERE zeile > ?)
        SELECT zeile, spalte, wert, erwartet FROM (
            SELECT zeile, 1 AS spalte, f[1] AS wert, 'a year (4 digits) not after the target year {ziel_jahr}' AS erwartet
            FROM z WHERE NOT regexp_full_match(f[1], '[0-9]{{4}}') OR f[1]::INTEGER > {ziel_jahr}
            UNION ALL
            SELECT zeile, 2, f[2], 'a key of {digits} digits' FROM z WHERE NOT regexp_full_match(f[2], '[0-9]{{{digits}}}')
            UNION ALL
            SELECT zeile, 6, f[6], 'a key of {digits} digits' FROM z WHERE NOT regexp_full_match(f[6], '[0-9]{{{digits}}}')
            UNION ALL
            SELECT zeile, i + 2, f[i + 2], 'a share between 0 and 1 (decimal point)'
            FROM z, range(1, 4) r(i)
            WHERE try_cast(f[i + 2] AS DOUBLE) IS NULL OR NOT try_cast(f[i + 2] AS DOUBLE) BETWEEN 0 AND 1
        ) ORDER BY zeile, spalte LIMIT 1
    """, [zeile_kopf]).fetchone()
    if problem:
        zeile, spalte, wert, erwartet = problem
        raise DeliveryError(path, f"{expected[spalte - 1]} = {wert!r}: expected {erwartet}", line=zeile, column=spalte)

    con.execute("""
        CREATE OR REPLACE TEMP TABLE _gs_neu AS
        SELECT ? AS ebene, f[1]::INTEGER AS jahr, f[2] AS ags_alt, f[6] AS ags_ziel,
               f[3]::DOUBLE AS anteil_bevoelkerung, f[4]::DOUBLE AS anteil_flaeche, f[5]::DOUBLE AS anteil_beschaeftigte,
               zeile
        FROM _gs_zeilen WHERE zeile > ?
    """, [ebene, zeile_kopf])
    doppelt = con.execute("""
        SELECT zeile, jahr, ags_alt, ags_ziel, erste FROM (
            SELECT *, min(zeile) OVER (PARTITION BY jahr, ags_alt, ags_ziel) AS erste FROM _gs_neu)
        WHERE zeile > erste ORDER BY zeile LIMIT 1
    """).fetchone()
    if doppelt:
        zeile, jahr, alt, ziel, erste = doppelt
        raise DeliveryError(path, f"key row {jahr} {alt} -> {ziel} appears twice (first in line {erste}): expected "
                                  f"one row per year, old and target key", line=zeile, column=2)
    summe = con.execute(f"""
        WITH g AS (
            SELECT jahr, ags_alt, min(zeile) AS zeile,
                   sum(anteil_bevoelkerung) AS b, sum(anteil_flaeche) AS fl, sum(anteil_beschaeftigte) AS s,
                   bool_and(anteil_bevoelkerung = 1) AS b_eins, bool_and(anteil_beschaeftigte = 1) AS s_eins
            FROM _gs_neu GROUP BY jahr, ags_alt
        ),
        -- BBSR convention: an uninhabited area split between several targets has share 1 on every part
        bewertet AS (
            SELECT *, abs(fl - 1) <= {TOLERANCE} AS fl_ok FROM g
        )
        SELECT zeile, jahr, ags_alt, spalte, summe FROM (
            SELECT zeile, jahr, ags_alt, 4 AS spalte, fl AS summe FROM bewertet WHERE NOT fl_ok
            UNION ALL
            SELECT zeile, jahr, ags_alt, 3, b FROM bewertet WHERE abs(b - 1) > {TOLERANCE} AND NOT (b_eins AND fl_ok)
            UNION ALL
            SELECT zeile, jahr, ags_alt, 5, s FROM bewertet WHERE abs(s - 1) > {TOLERANCE} AND NOT (s_eins AND fl_ok)
        ) ORDER BY zeile, spalte <> 4, spalte LIMIT 1  -- the area shares first: they decide the convention
    """).fetchone()
    if summe:
        zeile, jahr, alt, spalte, wert = summe
        raise DeliveryError(path, f"the shares {expected[spalte - 1]} of {alt} in {jahr} add up to {wert:.6g}: expected "
                                  f"1 ± {TOLERANCE} (every old area distributes all of its value)",
                            line=zeile, column=spalte)
    if ebene == "gemeinde" and prefix and gemeinden:
        fremd = con.execute("""
            SELECT zeile, ags_ziel FROM _gs_neu
            WHERE starts_with(ags_ziel, ?) AND NOT list_contains(?, ags_ziel) ORDER BY zeile LIMIT 1
        """, [prefix, list(gemeinden)]).fetchone()
        if fremd:
            raise DeliveryError(path, f"target Gemeinde {fremd[1]} is not a Gemeinde of the region profile: expected "
                                      f"one of the {len(gemeinden)} Gemeinden it lists", line=fremd[0], column=6)
    zeilen, von, bis = con.execute("SELECT count(*), min(jahr), max(jahr) FROM _gs_neu").fetchone()
    if not zeilen:
        raise DeliveryError(path, "no key rows below the header", line=zeile_kopf + 1)
    return ParsedKey(ebene=ebene, ziel_jahr=ziel_jahr, jahr_von=von, jahr_bis=bis, zeilen=zeilen)


def _insert(con: duckdb.DuckDBPyConnection, parsed: ParsedKey, sha256: str, datei: str, geladen_am: dt.datetime,
            mitgeliefert: bool) -> None:
    con.execute("""
        INSERT INTO raw.gebietsstand__schluessel
        SELECT ebene, jahr, ags_alt, ags_ziel, ?, anteil_bevoelkerung, anteil_flaeche, anteil_beschaeftigte, zeile,
               ?, ?, ?
        FROM _gs_neu ORDER BY zeile
    """, [parsed.ziel_jahr, sha256, datei, geladen_am])
    con.execute("INSERT INTO raw.gebietsstand__lieferungen VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sha256, datei, parsed.ebene, parsed.ziel_jahr, parsed.jahr_von, parsed.jahr_bis, parsed.zeilen,
                 mitgeliefert, geladen_am])
    con.execute("DROP TABLE IF EXISTS _gs_neu")
    con.execute("DROP TABLE IF EXISTS _gs_zeilen")


def load_shipped(con: duckdb.DuckDBPyConnection, folder: Path = SHIPPED) -> int:
    """Load the keys shipped with the project (once per warehouse, by checksum). Returns the rows loaded."""
    ensure_tables(con)

    def known(sha256: str) -> bool:
        return con.execute("SELECT count(*) FROM raw.gebietsstand__lieferungen WHERE sha256 = ?",
                           [sha256]).fetchone()[0] > 0

    def record_delivery(con: duckdb.DuckDBPyConnection, lineage: Lineage, parsed: ParsedKey) -> None:
        _insert(con, parsed, lineage.delivery.sha256, lineage.delivery.path.name,
                lineage.geladen_am.replace(microsecond=0), True)

    loaded = run_shipped(con, FAMILY, folder, lambda con, lineage: parse_key(con, lineage.delivery.read_path),
                         record_delivery, known)
    return sum(parsed.zeilen for parsed in loaded)


def check_target_year(con: duckdb.DuckDBPyConnection, region: Region) -> None:
    """The Gebietsstand the region asks for must have a Gemeinde key among the valid key files."""
    if region.gebietsstand is None:
        return
    invalid = [sha for sha, state in lieferstatus.current(con, FAMILY).items() if state.status != lieferstatus.ANGENOMMEN]
    available = [r[0] for r in con.execute(
        "SELECT DISTINCT ziel_jahr FROM raw.gebietsstand__lieferungen WHERE ebene = 'gemeinde' "
        "AND NOT list_contains(?, sha256) ORDER BY 1", [invalid]).fetchall()]
    if region.gebietsstand not in available:
        raise RegionError(f"{region.profile_file}: gebietsstand {region.gebietsstand} requested, but no conversion key "
                          f"for that Gebietsstand is loaded (available: {', '.join(map(str, available)) or 'none'}); "
                          f"deliver a key file with target year {region.gebietsstand} to LANDING/{FAMILY}/")


def load_gebietsstand(con: duckdb.DuckDBPyConnection, paths: Paths, region: Region, audit: Audit | None = None,
                      run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load the shipped keys (once), then every new key file of `LANDING/gebietsstand/` through the runner."""
    shipped = load_shipped(con)
    gemeinden = _region_gemeinden(con)

    def load_file(con: duckdb.DuckDBPyConnection, lineage: Lineage) -> ParsedKey:
        return parse_key(con, lineage.delivery.read_path, region.ags_prefix, gemeinden)

    def record_delivery(con: duckdb.DuckDBPyConnection, lineage: Lineage, parsed: ParsedKey) -> None:
        _insert(con, parsed, lineage.delivery.sha256, lineage.delivery.path.name,
                lineage.geladen_am.replace(microsecond=0), False)

    def count(result: IngestResult, parsed: ParsedKey) -> None:
        result.rows["raw.gebietsstand__lieferungen"] = result.rows.get("raw.gebietsstand__lieferungen", 0) + 1
        result.rows["raw.gebietsstand__schluessel"] = result.rows.get("raw.gebietsstand__schluessel", 0) + parsed.zeilen

    def read_error(path: Path, error: duckdb.Error) -> DeliveryError:
        first = str(error).splitlines()[0][:160]
        return DeliveryError(path, f"cannot be read as a Gebietsstand key (CSV, optionally gzip): {first}")

    result = run_family(con, paths, FAMILY, create_tables=ensure_tables, load_file=load_file,
                        record_delivery=record_delivery, count=count, read_error=read_error, audit=audit,
                        run_id=run_id)
    result.rows = {"raw.gebietsstand__lieferungen": 0, "raw.gebietsstand__schluessel": 0, **result.rows}
    if shipped:
        result.rows["raw.gebietsstand__schluessel"] += shipped
        result.hints.append(f"gebietsstand: mitgelieferte BBSR-Umstiegsschlüssel geladen ({shipped} Zeilen)")
    check_target_year(con, region)
    return result
