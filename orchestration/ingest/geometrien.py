"""The Gemeinde boundaries of a region profile (`seeds/regions/<name>/gemeinden.geojson`, optional): WGS84
polygons with the AGS in property `AGS`, read with DuckDB spatial and checked feature by feature (8-digit AGS
inside the region, Polygon/MultiPolygon, longitude/latitude, each AGS once). Stored as GeoJSON text, one row per
polygon, because deck.gl draws only the first polygon of a geometry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError
from orchestration.warehouse import load_extension


def load_geometrien(con: duckdb.DuckDBPyConnection, path: Path, prefix: str, lineage: Callable[[Path], dict]) -> int:
    """gemeinden.geojson into raw.region__geometrien (one row per polygon); DeliveryError naming the feature."""
    if not path.is_file():
        return 0
    load_extension(con, "spatial")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _region_geo AS SELECT * FROM ST_Read($file)", {"file": str(path)})
    except duckdb.Error as error:
        raise DeliveryError(path, f"not a readable GeoJSON FeatureCollection ({error})") from error
    con.execute("CREATE OR REPLACE TEMP TABLE _region_geo AS "
                "SELECT (rowid - min(rowid) OVER () + 1)::INTEGER AS feature, * FROM _region_geo")
    columns = [row[0] for row in con.execute("DESCRIBE _region_geo").fetchall()]
    if "AGS" not in columns:
        raise DeliveryError(path, f"features have no property 'AGS' (found {columns[1:]})")
    con.execute('CREATE OR REPLACE TEMP TABLE _region_geo AS SELECT feature, "AGS"::VARCHAR AS ags, geom '
                'FROM _region_geo')
    for check, problem in (
        ("ags IS NULL OR NOT regexp_full_match(trim(ags), '[0-9]{8}')", "property AGS is not an 8-digit AGS"),
        ("NOT starts_with(trim(ags), $prefix)",
         f"AGS is outside the region (expected a code starting with {prefix!r})"),
        ("geom IS NULL OR ST_GeometryType(geom)::VARCHAR NOT IN ('POLYGON', 'MULTIPOLYGON')",
         "geometry is not a Polygon or MultiPolygon"),
        ("ST_XMin(geom) < -180 OR ST_XMax(geom) > 180 OR ST_YMin(geom) < -90 OR ST_YMax(geom) > 90",
         "coordinates are not WGS84 longitude/latitude (expected EPSG:4326 / CRS84)"),
        ("count(*) OVER (PARTITION BY trim(ags)) > 1", "AGS appears in more than one feature"),
    ):
        bad = con.execute(f"""
            SELECT feature, ags FROM (SELECT *, {check} AS bad FROM _region_geo) WHERE bad ORDER BY feature LIMIT 1
        """, {"prefix": prefix} if "$prefix" in check else None).fetchone()
        if bad:
            raise DeliveryError(path, f"feature {bad[0]} (AGS {bad[1]!r}): {problem}")
    # deck.gl polygons draw only the first polygon of a geometry: one row per polygon, numbered `teil`.
    con.execute("""
        INSERT INTO raw.region__geometrien
        SELECT trim(ags), row_number() OVER (PARTITION BY ags ORDER BY part_path)::INTEGER AS teil,
               ST_AsGeoJSON(part_geom), $datei, $sha256, $geladen_am
        FROM (SELECT feature, ags, unnest(ST_Dump(geom), recursive := true) FROM _region_geo)
             t(feature, ags, part_geom, part_path)
        ORDER BY feature, teil
    """, lineage(path))
    con.execute("DROP TABLE _region_geo")
    return con.execute("SELECT count(*) FROM raw.region__geometrien").fetchone()[0]
