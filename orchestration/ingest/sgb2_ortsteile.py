"""SGB II counts per Ortsteil from the kommunale Jobcenter: `LANDING/sgb2/sgb2_ortsteile_YYYYMM.csv` (issue 12).

Optional delivery of the same family as the BA's Gemeinde workbooks (sgb2.py): `;`-separated text, one row per
Gemeinde × Ortsteil of one Berichtsmonat, header `berichtsmonat;ags;ortsteil;lb_insgesamt;nef_unter_15`
(layout: docs/deliveries.md). Read with DuckDB's CSV reader (`_confidential.csv_source`; one read for all new files of
a run with the same dialect, lines counted per file), stored in
`raw.sgb2__ortsteil_monat` (long format like `raw.sgb2__gemeinde_monat`: one row per Ortsteil × merkmal).
These are the Jobcenter's internal figures: confidential (disclosure control in dbt, geheimhaltung/).

Any bad row refuses the whole file (quarantine, nothing loaded earlier is touched), naming file, line and column:
a Berichtsmonat that is not `YYYY-MM` or differs from the file name's YYYYMM, an AGS that is not an 8-digit AGS of
the region, an empty or unknown Ortsteil key (`_confidential.ortsteil_key_errors`, the Melderegister's rule), a count that
is not a whole number ≥ 0, and the same Gemeinde × Ortsteil twice (that Ortsteil's month would be delivered twice).
A second file of the same month is a conflict like a second workbook (lieferstatus, period `Ortsteile YYYY-MM`).

Consistency with the BA workbook: where the workbook of the same month (loaded before, or in the same run: all new
files of the family are read and checked together, sgb2.py; of several, the newest) has a non-suppressed Gemeinde value,
the sum over that Gemeinde's Ortsteile must equal it; otherwise the file is refused naming the Gemeinde, the month and
the merkmal. The dbt test `sgb2_ortsteil_summen` checks the same on the current deliveries (whatever the load order
was).
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError

TABLE = "ortsteil_monat"
DDL = ("berichtsmonat DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR NOT NULL, merkmal VARCHAR NOT NULL, "
       "wert BIGINT NOT NULL, zeile INTEGER NOT NULL")
COLUMNS = ("berichtsmonat", "ags", "ortsteil", "lb_insgesamt", "nef_unter_15")
MERKMALE = ("lb_insgesamt", "nef_unter_15")


def is_ortsteil_file(path) -> bool:
    return path.suffix.lower() == ".csv"


def _is_header(fields: list[str]) -> bool:
    return "ags" in fields and "ortsteil" in fields


RECORDS = "_sgb2_ot_zeilen"
STAGE = "_sgb2_ot_stage"
FILES = "_sgb2_ot_dateien"
NEW = "_sgb2_ot_neu"


def stage_files(con: duckdb.DuckDBPyConnection, files: dict[int, runner.Lineage], prefix: str, family: str,
                gemeinde_neu: str) -> dict[int, runner.FileLoad | DeliveryError]:
    """Read and check the new Ortsteil files together (by file number): the rows of those that pass go to the
    temporary table NEW (`write` inserts them), the others get their DeliveryError. `gemeinde_neu`: the temporary
    table of the Gemeinde rows of this run's workbooks that passed (their sums count as the newest delivery)."""
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    texts: dict[int, c.TextFile] = {}
    positions: dict[int, dict[str, int]] = {}
    months: dict[int, tuple[dt.date, str]] = {}
    for nr, lineage in files.items():
        path = lineage.delivery.read_path
        try:
            texts[nr] = c.inspect_text_file(path, _is_header)
            positions[nr] = c.header_positions(texts[nr], COLUMNS)
            match = re.search(r"(\d{4})(\d{2})(?!\d)", path.stem)
            if not match or not 1 <= int(match.group(2)) <= 12:
                raise DeliveryError(path, "file name without the Berichtsmonat: expected sgb2_ortsteile_YYYYMM.csv")
            months[nr] = (dt.date(int(match.group(1)), int(match.group(2)), 1), match.group(0))
        except DeliveryError as error:
            outcomes[nr] = error
            texts.pop(nr, None)
    readable = sorted(texts)
    runner.files_table(con, FILES, {
        "nr": ("INTEGER", readable),
        "pfad": ("VARCHAR", [str(files[n].delivery.read_path) for n in readable]),
        "monat": ("DATE", [months[n][0] for n in readable]),
        "monat_text": ("VARCHAR", [f"{months[n][0]:%Y-%m}" for n in readable]),
        "datei": ("VARCHAR", [files[n].delivery.path.name for n in readable]),
        "sha256": ("VARCHAR", [files[n].delivery.sha256 for n in readable]),
        "geladen_am": ("TIMESTAMP", [files[n].geladen_am for n in readable]),
        "ist_demodaten": ("BOOLEAN", [texts[n].ist_demodaten for n in readable]),
    })
    def columns(nr: int) -> str:
        col = {name: f"c{i}" for name, i in positions[nr].items()}
        return (f"trim({col['berichtsmonat']}) AS t_monat, nullif({c.ags_sql(col['ags'])}, '') AS ags, "
                f"{c.ortsteil_sql(col['ortsteil'])} AS ortsteil, " + ", ".join(f"trim({col[m]}) AS v_{m}" for m in MERKMALE))

    con.execute(f"""CREATE OR REPLACE TEMP TABLE {STAGE} (nr INTEGER, zeile BIGINT, t_monat VARCHAR, ags VARCHAR,
        ortsteil VARCHAR, {', '.join(f"v_{m} VARCHAR" for m in MERKMALE)}, monat_text VARCHAR, gruende VARCHAR[])""")
    if readable:
        c.stage_records(con, RECORDS, {nr: texts[nr] for nr in readable}, columns)
        con.execute(f"""INSERT INTO {STAGE} BY NAME
            SELECT r.*, d.monat_text, []::VARCHAR[] AS gruende FROM {RECORDS} AS r JOIN {FILES} AS d USING (nr)""")
    paths = {nr: files[nr].delivery.read_path for nr in readable}
    counted, empty = c.records_per_file(con, STAGE, paths, "one row per Gemeinde × Ortsteil")
    outcomes.update(empty)
    errors = c.ortsteil_count_errors(
        con, f"(SELECT * FROM {STAGE} WHERE nr NOT IN ({c.numbers_sql(outcomes)}))", paths, positions, [
            ("berichtsmonat", "NOT regexp_full_match(coalesce(t_monat, ''), '[0-9]{4}-[0-9]{2}')",
             lambda _: "berichtsmonat: erwartet Monat YYYY-MM"),
            ("berichtsmonat", "t_monat <> monat_text",
             lambda n: f"berichtsmonat: erwartet {months[n][0]:%Y-%m} wie im Dateinamen (YYYYMM {months[n][1]})"),
        ], MERKMALE, {"prefix": prefix}, what="Leistungsberechtigte",
        twice=lambda n: f"der Berichtsmonat {months[n][0]:%m/%Y} wäre für dieses Ortsteil doppelt geliefert; ")
    outcomes.update(errors)
    outcomes.update(_sum_errors(con, paths, months, family, gemeinde_neu, outcomes))
    good = f"nr NOT IN ({c.numbers_sql(outcomes)})"
    unpivot = c.long_sql(STAGE, "nr, zeile, ags, ortsteil", MERKMALE, "v_{m}::BIGINT", "wert", good)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {NEW} AS
        SELECT d.monat AS berichtsmonat, s.ags, s.ortsteil, s.merkmal, s.wert, s.zeile, d.datei, d.sha256, d.geladen_am,
               d.ist_demodaten
        FROM ({unpivot}) AS s JOIN {FILES} AS d USING (nr) ORDER BY nr, zeile, merkmal""")
    for nr in readable:
        if nr not in outcomes:
            outcomes[nr] = runner.FileLoad(rows={TABLE: counted[nr] * len(MERKMALE)}, records=counted[nr], rejected=0,
                                           berichtszeitraum=f"{months[nr][0]:%Y-%m}", ist_demodaten=texts[nr].ist_demodaten)
    return outcomes


def write(con: duckdb.DuckDBPyConnection, family: str) -> None:
    """Insert the rows of the Ortsteil files that passed (stage_files)."""
    con.execute(f"INSERT INTO raw.{family}__{TABLE} SELECT * FROM {NEW}")


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {RECORDS}; DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {FILES}; "
                f"DROP TABLE IF EXISTS {NEW}")


def _sum_errors(con: duckdb.DuckDBPyConnection, paths: dict[int, object], months: dict[int, tuple[dt.date, str]],
                family: str, gemeinde_neu: str, refused: dict[int, object]) -> dict[int, DeliveryError]:
    """Σ Ortsteile = the workbook's non-suppressed Gemeinde value of the same month (its latest delivery: loaded
    before, or in this run), per file that passed the row checks."""
    good = f"nr NOT IN ({c.numbers_sql(refused)})"
    unpivot = c.long_sql(STAGE, "nr, ags", MERKMALE, "v_{m}::BIGINT", "wert", good)
    merkmale = ", ".join(f"'{m}'" for m in MERKMALE)
    gemeinde = (f"SELECT berichtsmonat, ags, merkmal, wert, geladen_am, sha256 FROM {{table}} WHERE merkmal IN ({merkmale})"
                f" AND berichtsmonat IN (SELECT monat FROM {FILES})")
    rows = con.execute(f"""
        WITH summe AS (SELECT nr, ags, merkmal, sum(wert) AS summe FROM ({unpivot}) GROUP BY nr, ags, merkmal),
        gemeinde AS (
            SELECT berichtsmonat, ags, merkmal, wert FROM (
                {gemeinde.format(table=f"raw.{family}__gemeinde_monat")} UNION ALL {gemeinde.format(table=gemeinde_neu)})
            QUALIFY row_number() OVER (PARTITION BY berichtsmonat, ags, merkmal ORDER BY geladen_am DESC, sha256) = 1)
        SELECT s.nr, s.ags, s.merkmal, s.summe, g.wert,
               (SELECT min(zeile) FROM {STAGE} AS z WHERE z.nr = s.nr AND z.ags = s.ags) AS zeile
        FROM summe AS s JOIN {FILES} AS d USING (nr)
        JOIN gemeinde AS g ON g.berichtsmonat = d.monat AND g.ags = s.ags AND g.merkmal = s.merkmal
        WHERE g.wert IS NOT NULL AND g.wert <> s.summe
        QUALIFY row_number() OVER (PARTITION BY s.nr ORDER BY s.ags, s.merkmal) = 1""").fetchall()
    return {nr: DeliveryError(paths[nr], f"{merkmal}: die Summe der Ortsteile der Gemeinde {ags} im Berichtsmonat "
                                         f"{months[nr][0]:%m/%Y} ist {summe}, die Gemeindetabelle der BA desselben Monats "
                                         f"nennt {wert}: erwartet dieselbe Zahl", line=zeile, column=None)
            for nr, ags, merkmal, summe, wert, zeile in rows}
