"""Social infrastructure: the register of facilities (Kitas, Familienzentren, Jugendzentren, Beratungsstellen,
Schulen, Jobcenter-Standorte) with their location, capacity and period of validity.

`LANDING/einrichtungen/einrichtungen*.csv` (`;`, UTF-8 or ISO-8859-1), one row per facility:
`einrichtung_id;art;name;traeger;strasse;hausnummer;ags;lon;lat;kapazitaet;gueltig_ab;gueltig_bis`
(`traeger`, `strasse`, `hausnummer`, `kapazitaet`, `gueltig_ab`, `gueltig_bis` optional columns). Each file is
the complete register at its date: the newest valid delivery replaces the earlier ones (no period conflicts),
and the history lives in `gueltig_ab`/`gueltig_bis` (`TT.MM.JJJJ` or `JJJJ-MM-TT`, empty = open).

`strasse` and `hausnummer` are never loaded: the privacy contract (seeds/catalogue/personenbezogene_spalten.csv)
treats them as address columns of a person, and lon/lat locate the facility well enough. The columns are
parsed, never selected (like every unknown column).

Checks — any failure refuses the whole file (quarantine, naming file, line and column; nothing published is
lost, the last good register stays current): einrichtung_id present and unique, `art` one of ARTEN, `name`
present, `ags` an 8-digit Gemeinde of the region, lon/lat numbers in WGS84, the point inside the region and
inside the polygon of its `ags` (raw.region__geometrien, DuckDB spatial loaded from the locked PyPI package;
skipped when the profile has no gemeinden.geojson), `kapazitaet` a whole number ≥ 0 (empty allowed except for
a Kita), `gueltig_ab`/`gueltig_bis` valid dates with gueltig_ab ≤ gueltig_bis.

Raw: `raw.einrichtungen__einrichtungen (einrichtung_id, art, name, traeger, ags, lon, lat, kapazitaet, gueltig_ab,
gueltig_bis, zeile, lineage)` and the standard `raw.einrichtungen__lieferungen`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths
from orchestration.warehouse import load_extension, table_exists

FAMILY = "einrichtungen"
ARTEN = ("Kita", "Familienzentrum", "Jugendzentrum", "Beratungsstelle", "Schule", "Jobcenter-Standort")
REQUIRED = ("einrichtung_id", "art", "name", "ags", "lon", "lat")
OPTIONAL = ("traeger", "kapazitaet", "gueltig_ab", "gueltig_bis")
TABLES = {
    "einrichtungen": ("einrichtung_id VARCHAR NOT NULL, art VARCHAR NOT NULL, name VARCHAR NOT NULL, traeger VARCHAR, "
                      "ags VARCHAR NOT NULL, lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, kapazitaet BIGINT, "
                      "gueltig_ab DATE, gueltig_bis DATE, zeile BIGINT NOT NULL"),
}
STAGE = "_einrichtungen_stage"
DATE_SQL = (
    "coalesce(CASE WHEN regexp_full_match({x}, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}') "
    "THEN try_strptime({x}, '%d.%m.%Y')::DATE END, "
    "CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_strptime({x}, '%Y-%m-%d')::DATE END)"
)


def _is_header(fields: list[str]) -> bool:
    return "einrichtung_id" in fields and "art" in fields


def _text(pos: dict[str, int], name: str) -> str:
    return f"nullif(trim(c{pos[name]}), '')" if name in pos else "NULL::VARCHAR"


def _checks(prefix: str) -> list[tuple[str, str, str]]:
    """(column, condition of a bad row, what was expected) in the order they are reported."""
    arten = ", ".join(f"'{a}'" for a in ARTEN)
    return [
        ("einrichtung_id", "einrichtung_id IS NULL", "einrichtung_id ist leer: erwartet eine Kennung je Einrichtung"),
        ("einrichtung_id", "einrichtung_id IS NOT NULL AND count(*) OVER (PARTITION BY einrichtung_id) > 1",
         "einrichtung_id kommt mehrfach vor: erwartet eine Zeile je Einrichtung"),
        ("art", f"art IS NULL OR art NOT IN ({arten})",
         f"unbekannte Art {{art}}: erwartet eine von {', '.join(ARTEN)}"),
        ("name", "name IS NULL", "name ist leer: erwartet den Namen der Einrichtung"),
        ("ags", "NOT regexp_full_match(coalesce(ags, ''), '[0-9]{8}')",
         "ags {ags}: erwartet einen 8-stelligen Gemeindeschlüssel"),
        ("ags", "NOT starts_with(ags, $prefix)", f"ags {{ags}} liegt außerhalb der Region (erwartet {prefix}…)"),
        ("lon", "lon IS NULL OR lon < -180 OR lon > 180",
         "lon {t_lon}: erwartet eine geographische Länge in Grad (WGS84, Dezimalpunkt)"),
        ("lat", "lat IS NULL OR lat < -90 OR lat > 90",
         "lat {t_lat}: erwartet eine geographische Breite in Grad (WGS84, Dezimalpunkt)"),
        ("kapazitaet", "t_kapazitaet IS NOT NULL AND NOT regexp_full_match(t_kapazitaet, '[0-9]+')",
         "kapazitaet {t_kapazitaet}: erwartet eine ganze Zahl ≥ 0"),
        ("kapazitaet", "t_kapazitaet IS NULL AND art = 'Kita'",
         "kapazitaet ist leer: für eine Kita erwartet die Zahl der genehmigten Plätze"),
        ("gueltig_ab", "t_ab IS NOT NULL AND gueltig_ab IS NULL", "gueltig_ab {t_ab}: erwartet Datum TT.MM.JJJJ"),
        ("gueltig_bis", "t_bis IS NOT NULL AND gueltig_bis IS NULL", "gueltig_bis {t_bis}: erwartet Datum TT.MM.JJJJ"),
        ("gueltig_ab", "gueltig_ab > gueltig_bis",
         "gueltig_ab {t_ab} liegt nach gueltig_bis {t_bis}: erwartet gueltig_ab ≤ gueltig_bis"),
    ]


def _check_rows(con: duckdb.DuckDBPyConnection, path: Path, pos: dict[str, int], prefix: str) -> None:
    """The first bad row of the staged file: DeliveryError naming file, line and column."""
    for column, condition, problem in _checks(prefix):  # an absent optional column is NULL in every row
        row = con.execute(
            f"SELECT * FROM (SELECT *, ({condition}) AS bad FROM {STAGE}) WHERE bad ORDER BY zeile LIMIT 1",
            {"prefix": prefix} if "$prefix" in condition else None).fetchdf()
        if len(row):
            values = {k: ("leer" if v is None or v != v else f"'{v}'") for k, v in row.iloc[0].to_dict().items()}
            raise DeliveryError(path, problem.format(**values), line=int(row.iloc[0]["zeile"]),
                                column=f"{pos.get(column, pos['art']) + 1} ({column})")


def _check_location(con: duckdb.DuckDBPyConnection, path: Path, pos: dict[str, int]) -> bool:
    """Each point lies in the polygon of its Gemeinde (DuckDB spatial). False when the region profile has no
    Gemeinde geometries (nothing to check against)."""
    if not table_exists(con, "raw.region__geometrien") or not con.execute(
            "SELECT count(*) FROM raw.region__geometrien").fetchone()[0]:
        return False
    load_extension(con, "spatial")
    row = con.execute(f"""
        WITH geo AS (SELECT ags, ST_GeomFromGeoJSON(geojson) AS geom FROM raw.region__geometrien),
        lage AS (
            SELECT s.zeile, s.ags, s.t_lon, s.t_lat,
                   (SELECT min(g.ags) FROM geo g WHERE ST_Intersects(g.geom, ST_Point(s.lon, s.lat))) AS in_ags,
                   EXISTS (SELECT 1 FROM geo g WHERE g.ags = s.ags
                           AND ST_Intersects(g.geom, ST_Point(s.lon, s.lat))) AS in_eigener
            FROM {STAGE} s)
        SELECT zeile, ags, t_lon, t_lat, in_ags FROM lage WHERE NOT in_eigener ORDER BY zeile LIMIT 1""").fetchone()
    if row:
        zeile, ags, lon, lat, in_ags = row
        where = (f"liegen in der Gemeinde {in_ags}, nicht in der Gemeinde {ags}" if in_ags else
                 "liegen außerhalb der Region (in keiner Gemeinde des Regionsprofils, gemeinden.geojson)")
        raise DeliveryError(path, f"Koordinaten lon {lon}, lat {lat} {where}: erwartet einen Punkt innerhalb der "
                                  f"Gemeinde {ags} der Einrichtung (lon/lat in WGS84)",
                            line=zeile, column=f"{pos['lon'] + 1} (lon)")
    return True


def load_einrichtungen(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                       run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new facility registers into raw.einrichtungen__einrichtungen through the runner (module doc)."""
    prefix = c.region_prefix(region)

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        tf = c.inspect_text_file(path, _is_header)
        pos = c.header_positions(tf, REQUIRED, OPTIONAL)
        with c.staged(con, path, STAGE, f"""
                CREATE OR REPLACE TEMP TABLE {STAGE} AS
                SELECT *, try_cast(t_lon AS DOUBLE) AS lon, try_cast(t_lat AS DOUBLE) AS lat,
                       {DATE_SQL.format(x='t_ab')} AS gueltig_ab, {DATE_SQL.format(x='t_bis')} AS gueltig_bis
                FROM (
                    SELECT row_number() OVER () + {tf.skip} AS zeile,
                           {_text(pos, 'einrichtung_id')} AS einrichtung_id, {_text(pos, 'art')} AS art,
                           {_text(pos, 'name')} AS name, {_text(pos, 'traeger')} AS traeger,
                           {c.ags_sql(f"c{pos['ags']}")} AS ags,
                           {_text(pos, 'lon')} AS t_lon, {_text(pos, 'lat')} AS t_lat,
                           {_text(pos, 'kapazitaet')} AS t_kapazitaet,
                           {_text(pos, 'gueltig_ab')} AS t_ab, {_text(pos, 'gueltig_bis')} AS t_bis
                    FROM {c.csv_source('$path', len(tf.header), tf)})""", {"path": str(path)}):
            records, = con.execute(f"SELECT count(*) FROM {STAGE}").fetchone()
            if records == 0:
                raise DeliveryError(path, "no facilities: expected one row per facility after the header",
                                    line=tf.header_line)
            _check_rows(con, path, pos, prefix)
            _check_location(con, path, pos)
            con.execute(f"""
                INSERT INTO raw.{FAMILY}__einrichtungen
                SELECT einrichtung_id, art, name, traeger, ags, lon, lat, t_kapazitaet::BIGINT, gueltig_ab, gueltig_bis,
                       zeile, $datei, $sha256, $geladen_am, $demo
                FROM {STAGE} ORDER BY zeile""", {**lineage.params, "demo": tf.ist_demodaten})
            stand, = con.execute(f"SELECT strftime(max(gueltig_ab), '%Y-%m-%d') FROM {STAGE}").fetchone()
        return runner.FileLoad(rows={"einrichtungen": records}, records=records, berichtszeitraum=stand,
                               ist_demodaten=tf.ist_demodaten)

    return runner.run_confidential(con, paths, FAMILY, TABLES, load_file, audit=audit, run_id=run_id)
