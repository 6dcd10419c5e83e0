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
(`_confidential.ortsteil_key_errors`), a count that is not a whole number ≥ 0, the same Gemeinde × Ortsteil twice,
and Ortsteil rows not adding up to the Gemeinde row of the family's Gemeinde file of the same Stichtag (where that
row is delivered and not suppressed; of several, the latest delivery).

The Ortsteil files are read and checked together with the Gemeinde files of the run (`stage_files`, called by
`_jahreszahlen`; one read per dialect and header, one query per check for all files, each check per file). The sums
are compared with the Gemeinde files loaded before and with those of the same run that come before the Ortsteil file
in load order (name, corrections last: `<name>_alter_…` < `…_ortsteile_…`) and pass their checks: the same outcome as
when the files were loaded one after the other.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError

TABLE = "ortsteile"
DDL = ("stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR NOT NULL, merkmal VARCHAR NOT NULL, "
       "anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL")


def is_ortsteil_file(path) -> bool:
    return "ortsteile" in path.stem.lower()


def _is_header(fields: list[str]) -> bool:
    return "ags" in fields and "ortsteil" in fields


def _temp(layout, name: str) -> str:
    """A temporary table of the family's new Ortsteil files: the files, their records, the stage, the rows to insert."""
    return f"_{layout.family}_ot_{name}"


def stage_files(con: duckdb.DuckDBPyConnection, files: dict[int, runner.Lineage], prefix: str, layout,
                gemeinde_neu: tuple[str, str | None]) -> dict[int, runner.FileLoad | DeliveryError]:
    """Read and check the new Ortsteil files of `layout` (a `_jahreszahlen.Layout`) together (by file number), each
    as if alone: the rows of those that pass go to a temporary table (`write` inserts them), the others get their
    DeliveryError. `gemeinde_neu`: the temporary tables of the rows of this run's Gemeinde files that passed
    (required count; further counts or None) with their file numbers: a Gemeinde file before an Ortsteil file in
    load order counts for its sums (as when the files were loaded one after the other)."""
    from orchestration.ingest._jahreszahlen import STICHTAG_SQL

    family = layout.family
    zahlen = tuple(z.spalte for z in (layout.zahl, *layout.weitere))
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    texts: dict[int, c.TextFile] = {}
    positions: dict[int, dict[str, int]] = {}
    jahre: dict[int, int] = {}
    for nr, lineage in files.items():
        path = lineage.delivery.read_path
        try:
            tf = c.inspect_text_file(path, _is_header)
            pos = c.header_positions(tf, ("stichtag", "ags", "ortsteil", layout.zahl.spalte),
                                     tuple(z.spalte for z in layout.weitere))
            match = re.search(r"(?<!\d)(\d{4})(?!\d)", path.stem)
            if not match:
                raise DeliveryError(path, f"file name without the year: expected {family}_ortsteile_YYYY.csv")
        except DeliveryError as error:
            outcomes[nr] = error
            continue
        texts[nr], positions[nr], jahre[nr] = tf, pos, int(match.group(1))
    readable = sorted(texts)
    merkmale = {nr: tuple(m for m in zahlen if m in positions[nr]) for nr in readable}
    files_table, records, stage, new = (_temp(layout, n) for n in ("dateien", "zeilen", "stage", "neu"))
    runner.files_table(con, files_table, {
        "nr": ("INTEGER", readable),
        "stichtag_soll": ("DATE", [dt.date(jahre[n], 12, 31) for n in readable]),
        "merkmale": ("VARCHAR[]", [list(merkmale[n]) for n in readable]),
        "datei": ("VARCHAR", [files[n].delivery.path.name for n in readable]),
        "sha256": ("VARCHAR", [files[n].delivery.sha256 for n in readable]),
        "geladen_am": ("TIMESTAMP", [files[n].geladen_am for n in readable]),
        "ist_demodaten": ("BOOLEAN", [texts[n].ist_demodaten for n in readable]),
    })
    con.execute(f"CREATE OR REPLACE TEMP TABLE {new} (nr INTEGER, {DDL}, {runner.LINEAGE_DDL})")
    if not readable:
        return outcomes

    def columns(nr: int) -> str:
        col = {name: f"c{i}" for name, i in positions[nr].items()}
        return (f"nullif(trim({col['stichtag']}), '') AS t_stichtag, nullif({c.ags_sql(col['ags'])}, '') AS ags, "
                f"{c.ortsteil_sql(col['ortsteil'])} AS ortsteil, "
                + ", ".join(f"trim({col[m]}) AS v_{m}" if m in col else f"NULL::VARCHAR AS v_{m}" for m in zahlen))

    c.stage_records(con, records, {nr: texts[nr] for nr in readable}, columns)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage} AS
        SELECT r.*, d.stichtag_soll, {STICHTAG_SQL.format(x='r.t_stichtag')} AS stichtag, []::VARCHAR[] AS gruende
        FROM {records} AS r JOIN {files_table} AS d USING (nr)""")
    paths = {nr: files[nr].delivery.read_path for nr in readable}
    counted, empty = c.records_per_file(con, stage, paths, "one row per Gemeinde × Ortsteil")
    outcomes.update(empty)
    # the row checks of the files with the same counts together (a count's check only where the file has it)
    shapes: dict[tuple[str, ...], list[int]] = {}
    for nr in readable:
        if nr not in outcomes:
            shapes.setdefault(merkmale[nr], []).append(nr)
    for shape, numbers in shapes.items():
        outcomes.update(c.ortsteil_count_errors(
            con, f"(SELECT * FROM {stage} WHERE nr IN ({c.numbers_sql(numbers)}))", {n: paths[n] for n in numbers},
            {n: positions[n] for n in numbers}, [
                ("stichtag", "stichtag IS NULL", lambda _: "stichtag: erwartet Datum TT.MM.JJJJ"),
                ("stichtag", "stichtag <> stichtag_soll",
                 lambda n: f"stichtag: erwartet 31.12.{jahre[n]} wie im Dateinamen (Jahr {jahre[n]})"),
            ], shape, {"prefix": prefix}, what="Empfänger"))
    unpivot = c.long_sql(stage, "nr, zeile, ags, ortsteil", zahlen, "v_{m}::BIGINT", "anzahl",
                         f"nr NOT IN ({c.numbers_sql(outcomes)})")
    present = f"SELECT s.* FROM ({unpivot}) AS s JOIN {files_table} AS d USING (nr) WHERE list_contains(d.merkmale, s.merkmal)"
    outcomes.update(_sum_errors(con, layout, files_table, present, paths, positions, jahre, gemeinde_neu))
    con.execute(f"""INSERT INTO {new}
        SELECT s.nr, d.stichtag_soll, s.ags, s.ortsteil, s.merkmal, s.anzahl, s.zeile, d.datei, d.sha256, d.geladen_am,
               d.ist_demodaten
        FROM ({present}) AS s JOIN {files_table} AS d USING (nr) WHERE s.nr NOT IN ({c.numbers_sql(outcomes)})""")
    for nr in readable:
        if nr not in outcomes:
            outcomes[nr] = runner.FileLoad(rows={TABLE: counted[nr] * len(merkmale[nr])}, records=counted[nr],
                                           rejected=0, berichtszeitraum=str(jahre[nr]),
                                           ist_demodaten=texts[nr].ist_demodaten)
    return outcomes


def write(con: duckdb.DuckDBPyConnection, layout) -> None:
    """Insert the rows of the Ortsteil files that passed (stage_files), file by file, line by line."""
    con.execute(f"INSERT INTO raw.{layout.family}__{TABLE} SELECT * EXCLUDE (nr) FROM {_temp(layout, 'neu')} "
                "ORDER BY nr, zeile, merkmal")


def drop(con: duckdb.DuckDBPyConnection, layout) -> None:
    con.execute("; ".join(f"DROP TABLE IF EXISTS {_temp(layout, name)}" for name in ("dateien", "zeilen", "stage", "neu")))


def _sum_errors(con: duckdb.DuckDBPyConnection, layout, files_table: str, present: str, paths: dict,
                positions: dict[int, dict[str, int]], jahre: dict[int, int],
                gemeinde_neu: tuple[str, str | None]) -> dict[int, DeliveryError]:
    """Σ Ortsteile = the Gemeinde file's non-suppressed value at the same Stichtag (its latest delivery: loaded before,
    or in this run before the Ortsteil file), per file that passed the row checks (`present`: their counts, long)."""
    family = layout.family
    neu, weitere_neu = gemeinde_neu
    stichtage = f"stichtag IN (SELECT stichtag_soll FROM {files_table})"
    gemeinde = [f"SELECT NULL::INTEGER AS nr, stichtag, ags, '{layout.zahl.spalte}' AS merkmal, anzahl, geladen_am, "
                f"sha256 FROM raw.{family}__{layout.tabelle} WHERE {stichtage}",
                f"SELECT nr, stichtag, ags, '{layout.zahl.spalte}', anzahl, geladen_am, sha256 FROM {neu} WHERE {stichtage}"]
    if layout.weitere:
        gemeinde.append(f"SELECT NULL::INTEGER, stichtag, ags, merkmal, anzahl, geladen_am, sha256 "
                        f"FROM raw.{family}__{layout.weitere_tabelle} WHERE {stichtage}")
        gemeinde.append(f"SELECT nr, stichtag, ags, merkmal, anzahl, geladen_am, sha256 FROM {weitere_neu} "
                        f"WHERE {stichtage}")
    rows = con.execute(f"""
        WITH summe AS (SELECT nr, ags, merkmal, sum(anzahl) AS summe, min(zeile) AS zeile FROM ({present})
                       GROUP BY nr, ags, merkmal),
        gemeinde AS (
            SELECT d.nr, g.ags, g.merkmal, g.anzahl FROM {files_table} AS d
            JOIN ({' UNION ALL '.join(gemeinde)}) AS g ON g.stichtag = d.stichtag_soll AND (g.nr IS NULL OR g.nr < d.nr)
            QUALIFY row_number() OVER (PARTITION BY d.nr, g.ags, g.merkmal
                                       ORDER BY g.geladen_am DESC, g.nr DESC NULLS LAST, g.sha256) = 1)
        SELECT s.nr, s.ags, s.merkmal, s.summe, g.anzahl, s.zeile FROM summe AS s JOIN gemeinde AS g USING (nr, ags, merkmal)
        WHERE g.anzahl IS NOT NULL AND g.anzahl <> s.summe
        QUALIFY row_number() OVER (PARTITION BY s.nr ORDER BY s.zeile, s.merkmal) = 1""").fetchall()
    return {nr: DeliveryError(paths[nr], f"{merkmal}: die Summe der Ortsteile der Gemeinde {ags} am 31.12.{jahre[nr]} "
                                         f"ist {summe}, die Gemeindedatei desselben Stichtags nennt {anzahl}: erwartet "
                                         "dieselbe Zahl", line=zeile, column=positions[nr][merkmal] + 1)
            for nr, ags, merkmal, summe, anzahl, zeile in rows}
