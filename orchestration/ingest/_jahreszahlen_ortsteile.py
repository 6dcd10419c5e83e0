"""Optional per-Ortsteil counts next to the annual Gemeinde counts of a `_jahreszahlen` family (issue 12), the same
way as the Jobcenter's SGB II Ortsteil file (sgb2_ortsteile.py): a separate file of the family,
`LANDING/<family>/<family>_ortsteile_YYYY.csv`, header `stichtag;ags;ortsteil;<count>[;<further counts>…]`
(the count columns of the family's Layout; the required one is required here too), one row per
Gemeinde × Ortsteil at the Stichtag 31.12.YYYY. Counts are the office's internal figures (whole numbers ≥ 0, no
markers): confidential, disclosure control in dbt. Stored long in `raw.<family>__ortsteile` (`stichtag, ags,
ortsteil, merkmal, anzahl, zeile`, lineage; `merkmal` = the column name).

Any bad row refuses the whole file (quarantine; nothing loaded before is touched), naming file, line and column:
a Stichtag that is not a date or not in the file name's year, an AGS that is not an 8-digit AGS of the region, an
empty Ortsteil key, a key unknown to the region profile or a key for a Gemeinde without Ortsteile
(`_confidential.check_ortsteile`), a count that is not a whole number ≥ 0, the same Gemeinde × Ortsteil twice,
and Ortsteil rows not adding up to the Gemeinde row of the family's Gemeinde file of the same Stichtag (where that
row is delivered and not suppressed; the Gemeinde file sorts and loads first: `<name>_alter_…` < `…_ortsteile_…`).
"""

from __future__ import annotations

import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError

TABLE = "ortsteile"
DDL = ("stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR NOT NULL, merkmal VARCHAR NOT NULL, "
       "anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL")
STAGE = "_jz_ortsteil_stage"


def is_ortsteil_file(path) -> bool:
    return "ortsteile" in path.stem.lower()


def _is_header(fields: list[str]) -> bool:
    return "ags" in fields and "ortsteil" in fields


def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, prefix: str, layout) -> runner.FileLoad:
    """Load one Ortsteil file of `layout` (a `_jahreszahlen.Layout`) into raw.<family>__ortsteile."""
    from orchestration.ingest._jahreszahlen import STICHTAG_SQL

    path = lineage.delivery.read_path
    family = layout.family
    tf = c.inspect_text_file(path, _is_header)
    zahlen = (layout.zahl, *layout.weitere)
    pos = c.header_positions(tf, ("stichtag", "ags", "ortsteil", layout.zahl.spalte),
                             tuple(z.spalte for z in layout.weitere))
    merkmale = [z.spalte for z in zahlen if z.spalte in pos]
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", path.stem)
    if not match:
        raise DeliveryError(path, f"file name without the year: expected {family}_ortsteile_YYYY.csv")
    jahr = int(match.group(1))
    col = {name: f"c{i}" for name, i in pos.items()}
    with c.staged(con, path, STAGE, f"""
            CREATE OR REPLACE TEMP TABLE {STAGE} AS
            SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag FROM (
                SELECT row_number() OVER () + {tf.skip} AS zeile,
                       nullif(trim({col['stichtag']}), '') AS t_stichtag,
                       nullif({c.ags_sql(col['ags'])}, '') AS ags,
                       {c.ortsteil_sql(col['ortsteil'])} AS ortsteil,
                       {', '.join(f"trim({col[m]}) AS v_{m}" for m in merkmale)},
                       []::VARCHAR[] AS gruende
                FROM {c.csv_source('$path', len(tf.header), tf)})""", {"path": str(path)}):
        records, = con.execute(f"SELECT count(*) FROM {STAGE}").fetchone()
        if records == 0:
            raise DeliveryError(path, "no records below the header: expected one row per Gemeinde × Ortsteil")
        c.check_ortsteil_counts(con, path, STAGE, pos, [
            ("stichtag", "stichtag IS NULL", "stichtag: erwartet Datum TT.MM.JJJJ"),
            ("stichtag", f"stichtag <> DATE '{jahr}-12-31'",
             f"stichtag: erwartet 31.12.{jahr} wie im Dateinamen (Jahr {jahr})"),
        ], merkmale, {"prefix": prefix}, what="Empfänger")
        unpivot = c.long_sql(STAGE, "zeile, ags, ortsteil", merkmale, "v_{m}::BIGINT", "anzahl")
        _check_sums(con, path, layout, jahr, unpivot, pos)
        demo = tf.ist_demodaten
        con.execute(
            f"INSERT INTO raw.{family}__{TABLE} SELECT DATE '{jahr}-12-31', ags, ortsteil, merkmal, anzahl, zeile, "
            f"$datei, $sha256, $geladen_am, $demo FROM ({unpivot}) ORDER BY zeile, merkmal",
            {"demo": demo, **lineage.params})
    return runner.FileLoad(rows={TABLE: records * len(merkmale)}, records=records, rejected=0,
                           berichtszeitraum=str(jahr), ist_demodaten=demo)


def _check_sums(con: duckdb.DuckDBPyConnection, path, layout, jahr: int, unpivot: str, pos: dict) -> None:
    """Σ Ortsteile = the Gemeinde file's non-suppressed value at the same Stichtag (its latest delivery)."""
    family = layout.family
    gemeinde = [f"SELECT ags, '{layout.zahl.spalte}' AS merkmal, anzahl, geladen_am, sha256 "
                f"FROM raw.{family}__{layout.tabelle} WHERE stichtag = DATE '{jahr}-12-31'"]
    if layout.weitere:
        gemeinde.append(f"SELECT ags, merkmal, anzahl, geladen_am, sha256 FROM raw.{family}__{layout.weitere_tabelle} "
                        f"WHERE stichtag = DATE '{jahr}-12-31'")
    row = con.execute(f"""
        WITH summe AS (SELECT ags, merkmal, sum(anzahl) AS summe, min(zeile) AS zeile FROM ({unpivot})
                       GROUP BY ags, merkmal),
        gemeinde AS (SELECT ags, merkmal, anzahl FROM ({' UNION ALL '.join(gemeinde)})
                     QUALIFY row_number() OVER (PARTITION BY ags, merkmal ORDER BY geladen_am DESC, sha256) = 1)
        SELECT s.ags, s.merkmal, s.summe, g.anzahl, s.zeile FROM summe s JOIN gemeinde g USING (ags, merkmal)
        WHERE g.anzahl IS NOT NULL AND g.anzahl <> s.summe ORDER BY s.zeile, s.merkmal LIMIT 1""").fetchone()
    if row:
        ags, merkmal, summe, anzahl, zeile = row
        raise DeliveryError(path, f"{merkmal}: die Summe der Ortsteile der Gemeinde {ags} am 31.12.{jahr} ist "
                                  f"{summe}, die Gemeindedatei desselben Stichtags nennt {anzahl}: erwartet dieselbe "
                                  "Zahl", line=zeile, column=pos[merkmal] + 1)
