"""The region profile (`seeds/regions/<name>/`): which area a run covers, and its configuration tables.

A profile folder holds
- `region.yml` (required): `ags` = prefix of every AGS of the region (Kreis "06432", Land "06", or
  "" / "DG" for all of Germany) and `name`; optional `gebietsstand: <year>`, the Gebietsstand (31.12. of
  that year) every figure is converted to (default: the newest conversion key loaded);
- `gemeinden_stammdaten.csv` (optional): master data per Gemeinde (`ags`, a name column, area, centroid);
- `sozialraeume.csv` (optional): `ags,sozialraum_id,sozialraum_name[,ortsteil_schluessel][,gueltig_ab,gueltig_bis]`,
  the Kreis' own grouping of Gemeinden; with the two optional year columns (inclusive, empty = open) a re-cut
  keeps the earlier years on the earlier cut: a Gemeinde may then appear once per period, periods must not
  overlap. With the optional column `ortsteil_schluessel` a line assigns one Ortsteil (a key of ortsteile.csv)
  instead of the whole Gemeinde (empty = whole Gemeinde), so a Gemeinde can be split across Sozialräume: in a
  period a Gemeinde is either assigned whole or by Ortsteile, never both, and a split Gemeinde has every one
  of its Ortsteile assigned in every year any of them is;
- `ortsteile.csv` (optional): `ags,ortsteil_schluessel,ortsteil_name`, the Ortsteile of a Gemeinde (3-digit key,
  unique within the Gemeinde; the Ortsteil id in the mart is AGS + key, 11 digits). Gemeinden without lines have
  no Ortsteil level. Melderegister deliveries may carry the key (column `ortsteil`); a key the profile does not
  list refuses the delivery;
- `strassenverzeichnis.csv` (optional): the Straßenverzeichnis, checked here and read by the Melderegister
  ingest (orchestration/ingest/strassenverzeichnis.py);
- `gemeinden.geojson` (optional): Gemeinde boundaries in WGS84 with the AGS in property `AGS`.

`load_region` writes raw.region__profil, raw.region__gemeinden, raw.region__sozialraeume, raw.region__ortsteile
and raw.region__geometrien. They are configuration, not deliveries (families.REGION, kind `konfiguration`): every
load replaces them completely, in one transaction (runner.transaction), and a bad profile file stops the run
instead of being quarantined.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.ingest.delivery import Delivery, DeliveryError, IngestResult, detect_encoding
from orchestration.ingest.geometrien import load_geometrien
from orchestration.ingest.runner import transaction

FAMILY = "region"
PROFILE_FILE = "region.yml"
STAMMDATEN_FILE = "gemeinden_stammdaten.csv"
SOZIALRAEUME_FILE = "sozialraeume.csv"
GEOJSON_FILE = "gemeinden.geojson"
ORTSTEILE_FILE = "ortsteile.csv"
ORTSTEILE_HEADER = ["ags", "ortsteil_schluessel", "ortsteil_name"]
PERIOD_COLUMNS = ("gueltig_ab", "gueltig_bis")  # optional in sozialraeume.csv
ORTSTEIL_COLUMN = "ortsteil_schluessel"  # optional in sozialraeume.csv: the line assigns one Ortsteil

_AGS_PREFIX = re.compile(r"^([0-9]{2}|[0-9]{3}|[0-9]{5})$")

DDL = {
    "raw.region__profil": """
        CREATE TABLE IF NOT EXISTS raw.region__profil (
            region_ags VARCHAR NOT NULL, region_name VARCHAR NOT NULL,
            datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL,
            gebietsstand INTEGER)""",
    "raw.region__gemeinden": """
        CREATE TABLE IF NOT EXISTS raw.region__gemeinden (
            ags VARCHAR NOT NULL, gemeinde_name VARCHAR, flaeche_km2 DOUBLE, laengengrad DOUBLE,
            breitengrad DOUBLE, datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL)""",
    "raw.region__sozialraeume": """
        CREATE TABLE IF NOT EXISTS raw.region__sozialraeume (
            ags VARCHAR NOT NULL, sozialraum_id VARCHAR NOT NULL, sozialraum_name VARCHAR,
            datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL,
            gueltig_ab INTEGER, gueltig_bis INTEGER, ortsteil_schluessel VARCHAR)""",
    "raw.region__ortsteile": """
        CREATE TABLE IF NOT EXISTS raw.region__ortsteile (
            ags VARCHAR NOT NULL, ortsteil_schluessel VARCHAR NOT NULL, ortsteil_name VARCHAR NOT NULL,
            zeile INTEGER NOT NULL, datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL)""",
    "raw.region__geometrien": """
        CREATE TABLE IF NOT EXISTS raw.region__geometrien (
            ags VARCHAR NOT NULL, teil INTEGER NOT NULL, geojson VARCHAR NOT NULL,
            datei VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, geladen_am TIMESTAMP NOT NULL)""",
}


class RegionError(ValueError):
    """A region profile that cannot be used; the message names the file and what was expected."""


@dataclass(frozen=True)
class Region:
    """The area a run covers: `ags_prefix` "" means all of Germany."""

    path: Path
    ags_prefix: str
    name: str
    gebietsstand: int | None = None  # target Gebietsstand (31.12. of this year); None = newest key

    @classmethod
    def load(cls, path: Path | str) -> Region:
        """Read `region.yml` from a profile folder (or the file itself)."""
        path = Path(path)
        file = path / PROFILE_FILE if path.is_dir() else path
        folder = file.parent.resolve()
        if not file.is_file():
            raise RegionError(f"{file}: region profile not found (expected a file {PROFILE_FILE} in {folder})")
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise RegionError(f"{file}: not valid YAML ({error})") from error
        if not isinstance(data, dict):
            raise RegionError(f"{file}: expected a mapping with keys 'ags' and 'name'")
        if "ags" not in data:
            raise RegionError(f"{file}: key 'ags' is missing (expected the AGS prefix of the region as quoted "
                              f"text: a Kreis \"06432\", a Land \"06\", or \"\" for all of Germany)")
        ags = data["ags"]
        if ags is None:
            ags = ""
        if not isinstance(ags, str):
            raise RegionError(f"{file}: 'ags' must be quoted text (leading zeros matter), got {ags!r}")
        ags = ags.strip()
        if ags.upper() == "DG":
            ags = ""
        if ags and not _AGS_PREFIX.match(ags):
            raise RegionError(f"{file}: 'ags' {ags!r} is not a Land (2 digits), Regierungsbezirk (3) or Kreis (5) "
                              f"code, nor \"\" / \"DG\" for all of Germany")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RegionError(f"{file}: key 'name' is missing or empty (expected the region's name as text)")
        gebietsstand = data.get("gebietsstand")
        if gebietsstand is not None and (isinstance(gebietsstand, bool) or not isinstance(gebietsstand, int)
                                         or not 1990 <= gebietsstand <= 2100):
            raise RegionError(f"{file}: 'gebietsstand' must be a year between 1990 and 2100 (the Gebietsstand "
                              f"31.12. of that year, e.g. gebietsstand: 2020), got {gebietsstand!r}")
        return cls(path=folder, ags_prefix=ags, name=name.strip(), gebietsstand=gebietsstand)

    @property
    def profile_file(self) -> Path:
        return self.path / PROFILE_FILE


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for ddl in DDL.values():
        con.execute(ddl)
    # warehouses built before the Gebietsstand setting existed
    con.execute("ALTER TABLE raw.region__profil ADD COLUMN IF NOT EXISTS gebietsstand INTEGER")
    # ... and before Sozialraum periods existed
    for column in PERIOD_COLUMNS:
        con.execute(f"ALTER TABLE raw.region__sozialraeume ADD COLUMN IF NOT EXISTS {column} INTEGER")
    # ... and before Sozialräume cut from Ortsteile existed
    con.execute("ALTER TABLE raw.region__sozialraeume ADD COLUMN IF NOT EXISTS ortsteil_schluessel VARCHAR")


def _lineage(path: Path, stamp: dt.datetime) -> dict[str, object]:
    """The lineage parameters `$datei, $sha256, $geladen_am` of a profile file."""
    return {"datei": path.name, "sha256": Delivery.of(path).sha256, "geladen_am": stamp}


def read_csv_lines(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> list[str]:
    """Read a small profile CSV (header, all VARCHAR) into temp `table` with its physical line number `zeile`."""
    enc = detect_encoding(path)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT * FROM read_csv($file, header=true, all_varchar=true, auto_detect=true, encoding='{enc}',
                               parallel=false)
    """, {"file": str(path)})
    # empty lines are skipped by the reader: map record k to the k-th non-empty line after the header
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _region_lines AS
        SELECT line FROM read_csv($file, columns={{'line': 'VARCHAR'}}, delim='\\x01', quote='', escape='',
                                  header=false, auto_detect=false, encoding='{enc}', parallel=false)
    """, {"file": str(path)})
    # (rowids of a table created inside a transaction do not start at 0)
    con.execute("CREATE OR REPLACE TEMP TABLE _region_lines AS "
                "SELECT (rowid - min(rowid) OVER () + 1)::INTEGER AS zeile, line FROM _region_lines")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH lines AS (
            SELECT zeile, row_number() OVER (ORDER BY zeile) - 2 AS k
            FROM _region_lines WHERE line IS NOT NULL
        )
        SELECT l.zeile, t.* FROM (SELECT rowid - min(rowid) OVER () AS k, * FROM {table}) t JOIN lines l USING (k)
    """)
    con.execute("DROP TABLE _region_lines")
    return [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in ("zeile", "k")]


def check_ags(con: duckdb.DuckDBPyConnection, path: Path, table: str, prefix: str, once: bool = True) -> None:
    """Every `ags` is 8 digits, inside the region and (if `once`) appears once."""
    bad = con.execute(f"""
        SELECT zeile, ags FROM {table}
        WHERE ags IS NULL OR NOT regexp_full_match(trim(ags), '[0-9]{{8}}')
        ORDER BY zeile LIMIT 1
    """).fetchone()
    if bad:
        raise DeliveryError(path, f"AGS {bad[1]!r} is not an 8-digit Gemeindeschlüssel (keep it as text with its "
                                  f"leading zero)", line=bad[0], column="ags")
    if prefix:
        bad = con.execute(f"""
            SELECT zeile, ags FROM {table} WHERE NOT starts_with(trim(ags), $prefix)
            ORDER BY zeile LIMIT 1
        """, {"prefix": prefix}).fetchone()
        if bad:
            raise DeliveryError(path, f"AGS {bad[1]!r} is outside the region (expected a code starting with "
                                      f"{prefix!r})", line=bad[0], column="ags")
    if not once:
        return
    dup = con.execute(f"""
        SELECT zeile, ags, first_zeile FROM (
            SELECT zeile, ags, min(zeile) OVER (PARTITION BY trim(ags)) AS first_zeile FROM {table})
        WHERE zeile > first_zeile ORDER BY zeile LIMIT 1
    """).fetchone()
    if dup:
        raise DeliveryError(path, f"AGS {dup[1]!r} appears twice (first in line {dup[2]}): expected each Gemeinde "
                                  f"once", line=dup[0], column="ags")


def _load_stammdaten(con, region: Region, stamp: dt.datetime) -> int:
    path = region.path / STAMMDATEN_FILE
    if not path.is_file():
        return 0
    columns = read_csv_lines(con, path, "_region_stamm")
    if "ags" not in columns:
        raise DeliveryError(path, f"expected a column 'ags' in the header, found {columns}", line=1)
    check_ags(con, path, "_region_stamm", region.ags_prefix)

    def pick(*candidates: str, prefix: str | None = None) -> str:
        for name in candidates:
            if name in columns:
                return name
        if prefix:
            matching = sorted(c for c in columns if c.startswith(prefix))
            if matching:
                return matching[-1]  # e.g. flaeche_km2_2023: the latest year
        return ""

    name_col = pick("gemeinde_name", "name", "name_gv", "gen")
    numeric = {"flaeche_km2": pick("flaeche_km2", prefix="flaeche_km2"), "laengengrad": pick("laengengrad", "lon"),
               "breitengrad": pick("breitengrad", "lat")}
    for target, column in numeric.items():
        if not column:
            continue
        bad = con.execute(f"""
            SELECT zeile, "{column}" FROM _region_stamm
            WHERE "{column}" IS NOT NULL AND TRY_CAST(replace(trim("{column}"), ',', '.') AS DOUBLE) IS NULL
            ORDER BY zeile LIMIT 1
        """).fetchone()
        if bad:
            raise DeliveryError(path, f"{bad[1]!r} is not a number (expected {target})", line=bad[0], column=column)
    select = ", ".join(
        f"TRY_CAST(replace(trim(\"{column}\"), ',', '.') AS DOUBLE)" if column else "NULL::DOUBLE"
        for column in numeric.values())
    name_sql = f'nullif(trim("{name_col}"), \'\')' if name_col else "NULL"
    con.execute(f"""
        INSERT INTO raw.region__gemeinden
        SELECT trim(ags), {name_sql}, {select}, $datei, $sha256, $geladen_am FROM _region_stamm ORDER BY zeile
    """, _lineage(path, stamp))
    con.execute("DROP TABLE _region_stamm")
    return con.execute("SELECT count(*) FROM raw.region__gemeinden").fetchone()[0]


# The lines of sozialraeume.csv (_region_sr) with their period as years (open ends 0 / 9999) and Ortsteil key.
_PERIODEN_SQL = """
    SELECT zeile, trim(ags) AS ags, nullif(trim(ortsteil_schluessel), '') AS ortsteil,
           coalesce(nullif(trim(gueltig_ab), '')::INTEGER, 0) AS ab,
           coalesce(nullif(trim(gueltig_bis), '')::INTEGER, 9999) AS bis
    FROM _region_sr"""


def _check_ortsteile(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every Ortsteil key is in ortsteile.csv (raw.region__ortsteile, loaded before), and a Gemeinde split into
    Ortsteile has all of its Ortsteile assigned in every year any of them is (checked at each year a period of
    the Gemeinde's Ortsteil lines starts or ends: the assignment is constant in between)."""
    bad = con.execute("""
        SELECT zeile, trim(ags), trim(ortsteil_schluessel) FROM _region_sr
        WHERE nullif(trim(ortsteil_schluessel), '') IS NOT NULL
          AND (trim(ags), trim(ortsteil_schluessel)) NOT IN (
              SELECT (ags, ortsteil_schluessel) FROM raw.region__ortsteile)
        ORDER BY zeile LIMIT 1""").fetchone()
    if bad:
        raise DeliveryError(path, f"Ortsteil {bad[2]!r} of Gemeinde {bad[1]} is not in {ORTSTEILE_FILE}: expected "
                                  f"a 3-digit key listed there for this Gemeinde", line=bad[0],
                            column=ORTSTEIL_COLUMN)
    bad = con.execute(f"""
        WITH p AS (SELECT * FROM ({_PERIODEN_SQL}) WHERE ortsteil IS NOT NULL),
        jahre AS (  -- the years the Ortsteil assignment of a Gemeinde can change
            SELECT DISTINCT ags, ab AS jahr FROM p
            UNION SELECT DISTINCT ags, bis + 1 FROM p WHERE bis < 9999),
        belegt AS (
            SELECT j.ags, j.jahr, min(p.zeile) AS zeile, list(DISTINCT p.ortsteil) AS ortsteile
            FROM jahre j JOIN p ON p.ags = j.ags AND j.jahr BETWEEN p.ab AND p.bis
            GROUP BY j.ags, j.jahr),
        fehlend AS (
            SELECT b.zeile, b.ags, b.jahr, o.ortsteil_schluessel, o.ortsteil_name
            FROM belegt b JOIN raw.region__ortsteile o ON o.ags = b.ags
            WHERE NOT list_contains(b.ortsteile, o.ortsteil_schluessel))
        SELECT zeile, ags, jahr, string_agg(ortsteil_schluessel || ' ' || ortsteil_name, ', '
                                            ORDER BY ortsteil_schluessel)
        FROM fehlend GROUP BY zeile, ags, jahr ORDER BY zeile, jahr LIMIT 1""").fetchone()
    if bad:
        zeile, ags, jahr, fehlende = bad
        jahre = "before the first gueltig_ab" if jahr == 0 else f"in {jahr}"
        raise DeliveryError(path, f"Gemeinde {ags} is split into Ortsteile {jahre}, but Ortsteil {fehlende} is not "
                                  f"assigned then: expected every Ortsteil of a split Gemeinde in every year of the "
                                  f"split", line=zeile, column=ORTSTEIL_COLUMN)


def _check_periods(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """gueltig_ab/gueltig_bis are empty or a year, ab ≤ bis, and the periods of one Gemeinde do not overlap."""
    for column in PERIOD_COLUMNS:
        bad = con.execute(f"""
            SELECT zeile, {column} FROM _region_sr
            WHERE nullif(trim({column}), '') IS NOT NULL AND NOT regexp_full_match(trim({column}), '(19|20)[0-9]{{2}}')
            ORDER BY zeile LIMIT 1""").fetchone()
        if bad:
            raise DeliveryError(path, f"{column} {bad[1]!r} is not a year: expected a year such as 2019, or nothing "
                                      f"for an open period", line=bad[0], column=column)
    bad = con.execute("""
        SELECT zeile, gueltig_ab, gueltig_bis FROM _region_sr
        WHERE nullif(trim(gueltig_bis), '')::INTEGER < nullif(trim(gueltig_ab), '')::INTEGER
        ORDER BY zeile LIMIT 1""").fetchone()
    if bad:
        raise DeliveryError(path, f"gueltig_bis {bad[2]} is before gueltig_ab {bad[1]}: expected gueltig_ab ≤ "
                                  f"gueltig_bis", line=bad[0], column="gueltig_bis")
    bad = con.execute(f"""
        WITH p AS ({_PERIODEN_SQL})
        SELECT b.zeile, b.ags, a.zeile, a.ortsteil, b.ortsteil
        FROM p a JOIN p b ON a.ags = b.ags AND a.zeile < b.zeile
            AND (a.ortsteil IS NULL OR b.ortsteil IS NULL OR a.ortsteil = b.ortsteil)
        WHERE a.ab <= b.bis AND b.ab <= a.bis ORDER BY b.zeile LIMIT 1""").fetchone()
    if bad:
        zeile, ags, erste, ortsteil_a, ortsteil_b = bad
        if ortsteil_a is None and ortsteil_b is None:
            raise DeliveryError(path, f"Gemeinde {ags} has overlapping periods (line {erste} and this line): "
                                      f"expected at most one Sozialraum per Gemeinde and year", line=zeile,
                                column="gueltig_ab")
        if ortsteil_a == ortsteil_b:
            raise DeliveryError(path, f"Ortsteil {ortsteil_b} of Gemeinde {ags} has overlapping periods (line "
                                      f"{erste} and this line): expected at most one Sozialraum per Ortsteil and "
                                      f"year", line=zeile, column="gueltig_ab")
        raise DeliveryError(path, f"Gemeinde {ags} is assigned both whole and by Ortsteile in overlapping periods "
                                  f"(line {erste} and this line): expected in each year either the whole Gemeinde "
                                  f"or all of its Ortsteile", line=zeile, column=ORTSTEIL_COLUMN)


def _load_sozialraeume(con, region: Region, stamp: dt.datetime) -> int:
    path = region.path / SOZIALRAEUME_FILE
    if not path.is_file():
        return 0
    columns = read_csv_lines(con, path, "_region_sr")
    expected = ["ags", "sozialraum_id", "sozialraum_name"]
    allowed = [expected + ortsteil + periods for ortsteil in ([], [ORTSTEIL_COLUMN])
               for periods in ([], list(PERIOD_COLUMNS))]
    if columns not in allowed:
        raise DeliveryError(path, f"expected the header {','.join(expected)} (optionally followed by "
                                  f"{ORTSTEIL_COLUMN} and/or {','.join(PERIOD_COLUMNS)}), found {','.join(columns)}",
                            line=1)
    periods = PERIOD_COLUMNS[0] in columns
    ortsteile = ORTSTEIL_COLUMN in columns
    check_ags(con, path, "_region_sr", region.ags_prefix, once=not (periods or ortsteile))
    if not periods:
        con.execute("ALTER TABLE _region_sr ADD COLUMN gueltig_ab VARCHAR")
        con.execute("ALTER TABLE _region_sr ADD COLUMN gueltig_bis VARCHAR")
    if not ortsteile:
        con.execute(f"ALTER TABLE _region_sr ADD COLUMN {ORTSTEIL_COLUMN} VARCHAR")
    if periods or ortsteile:
        _check_periods(con, path)
    if ortsteile:
        _check_ortsteile(con, path)
    bad = con.execute("""
        SELECT zeile FROM _region_sr WHERE trim(coalesce(sozialraum_id, '')) = '' ORDER BY zeile LIMIT 1
    """).fetchone()
    if bad:
        raise DeliveryError(path, "sozialraum_id is empty: every Gemeinde needs a Sozialraum id", line=bad[0],
                            column="sozialraum_id")
    bad = con.execute("""
        SELECT zeile, sozialraum_id FROM (
            SELECT zeile, sozialraum_id, count(DISTINCT trim(sozialraum_name)) OVER (PARTITION BY trim(sozialraum_id)) n
            FROM _region_sr) WHERE n > 1 ORDER BY zeile LIMIT 1
    """).fetchone()
    if bad:
        raise DeliveryError(path, f"Sozialraum {bad[1]!r} has different names in different lines: expected one "
                                  f"name per sozialraum_id", line=bad[0], column="sozialraum_name")
    con.execute("""
        INSERT INTO raw.region__sozialraeume (ags, sozialraum_id, sozialraum_name, datei, sha256, geladen_am,
                                              gueltig_ab, gueltig_bis, ortsteil_schluessel)
        SELECT trim(ags), trim(sozialraum_id), trim(sozialraum_name), $datei, $sha256, $geladen_am,
               nullif(trim(gueltig_ab), '')::INTEGER, nullif(trim(gueltig_bis), '')::INTEGER,
               nullif(trim(ortsteil_schluessel), '')
        FROM _region_sr ORDER BY zeile
    """, _lineage(path, stamp))
    con.execute("DROP TABLE _region_sr")
    return con.execute("SELECT count(*) FROM raw.region__sozialraeume").fetchone()[0]


def _load_ortsteile(con, region: Region, stamp: dt.datetime) -> int:
    """ortsteile.csv: every line a Gemeinde of the region, a 3-digit key unique within it, and a name."""
    path = region.path / ORTSTEILE_FILE
    if not path.is_file():
        return 0
    columns = read_csv_lines(con, path, "_region_ot")
    if columns != ORTSTEILE_HEADER:
        raise DeliveryError(path, f"expected the header {','.join(ORTSTEILE_HEADER)}, found {','.join(columns)}",
                            line=1)
    check_ags(con, path, "_region_ot", region.ags_prefix, once=False)
    for check, problem, column in (
        ("NOT regexp_full_match(coalesce(trim(ortsteil_schluessel), ''), '[0-9]{3}')",
         "ortsteil_schluessel {value!r} is not a 3-digit key (e.g. 001; keep the leading zeros)",
         "ortsteil_schluessel"),
        ("trim(coalesce(ortsteil_name, '')) = ''", "ortsteil_name is empty: every Ortsteil needs a name",
         "ortsteil_name"),
    ):
        bad = con.execute(f"SELECT zeile, ortsteil_schluessel FROM _region_ot WHERE {check} ORDER BY zeile LIMIT 1"
                          ).fetchone()
        if bad:
            raise DeliveryError(path, problem.format(value=bad[1]), line=bad[0], column=column)
    dup = con.execute("""
        SELECT zeile, ags, ortsteil_schluessel, first_zeile FROM (
            SELECT zeile, ags, ortsteil_schluessel,
                   min(zeile) OVER (PARTITION BY trim(ags), trim(ortsteil_schluessel)) AS first_zeile
            FROM _region_ot)
        WHERE zeile > first_zeile ORDER BY zeile LIMIT 1""").fetchone()
    if dup:
        raise DeliveryError(path, f"Ortsteil {dup[2]} of Gemeinde {dup[1]} appears twice (first in line {dup[3]}): "
                                  f"expected each key once per Gemeinde", line=dup[0], column="ortsteil_schluessel")
    con.execute("""
        INSERT INTO raw.region__ortsteile
        SELECT trim(ags), trim(ortsteil_schluessel), trim(ortsteil_name), zeile, $datei, $sha256, $geladen_am
        FROM _region_ot ORDER BY zeile
    """, _lineage(path, stamp))
    con.execute("DROP TABLE _region_ot")
    return con.execute("SELECT count(*) FROM raw.region__ortsteile").fetchone()[0]


def _check_strassenverzeichnis(con, region: Region) -> None:
    from orchestration.ingest.strassenverzeichnis import STRASSEN_FILE, read_strassenverzeichnis

    path = region.path / STRASSEN_FILE
    if path.is_file():
        read_strassenverzeichnis(con, path, region.ags_prefix, "_region_strassen")
        con.execute("DROP TABLE _region_strassen")


def load_region(con: duckdb.DuckDBPyConnection, region: Region) -> IngestResult:
    """Replace the raw.region__* tables with the profile's content (all or nothing).

    A bad profile file raises DeliveryError: profile files are configuration, so they are not quarantined.
    """
    ensure_tables(con)
    stamp = dt.datetime.now().replace(microsecond=0)
    profile = Delivery.of(region.profile_file)
    with transaction(con):
        for table in DDL:
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO raw.region__profil (region_ags, region_name, datei, sha256, geladen_am, gebietsstand) "
                    "VALUES ($ags, $name, $datei, $sha256, $geladen_am, $gebietsstand::INTEGER)",
                    {"ags": region.ags_prefix, "name": region.name, **_lineage(region.profile_file, stamp),
                     "gebietsstand": region.gebietsstand})
        gemeinden = _load_stammdaten(con, region, stamp)
        ortsteile = _load_ortsteile(con, region, stamp)  # before the Sozialräume: they may name Ortsteile
        rows = {
            "raw.region__profil": 1,
            "raw.region__gemeinden": gemeinden,
            "raw.region__sozialraeume": _load_sozialraeume(con, region, stamp),
            "raw.region__ortsteile": ortsteile,
            "raw.region__geometrien": load_geometrien(con, region.path / GEOJSON_FILE, region.ags_prefix,
                                                     lambda path: _lineage(path, stamp)),
        }
        _check_strassenverzeichnis(con, region)
    files = (STAMMDATEN_FILE, SOZIALRAEUME_FILE, ORTSTEILE_FILE, GEOJSON_FILE, "strassenverzeichnis.csv")
    loaded = [profile] + [Delivery.of(region.path / f) for f in files if (region.path / f).is_file()]
    return IngestResult(family=FAMILY, rows=rows, loaded=loaded, skipped=[], quarantined=[])
