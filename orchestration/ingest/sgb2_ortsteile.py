"""SGB II counts per Ortsteil from the kommunale Jobcenter: `LANDING/sgb2/sgb2_ortsteile_YYYYMM.csv` (issue 12).

Optional delivery of the same family as the BA's Gemeinde workbooks (sgb2.py): `;`-separated text, one row per
Gemeinde × Ortsteil of one Berichtsmonat, header `berichtsmonat;ags;ortsteil;lb_insgesamt;nef_unter_15`
(layout: docs/deliveries.md). Read with DuckDB's CSV reader (`_confidential.csv_source`), stored in
`raw.sgb2__ortsteil_monat` (long format like `raw.sgb2__gemeinde_monat`: one row per Ortsteil × merkmal).
These are the Jobcenter's internal figures: confidential (disclosure control in dbt, geheimhaltung/).

Any bad row refuses the whole file (quarantine, nothing loaded earlier is touched), naming file, line and column:
a Berichtsmonat that is not `YYYY-MM` or differs from the file name's YYYYMM, an AGS that is not an 8-digit AGS of
the region, an empty or unknown Ortsteil key (`_confidential.check_ortsteile`, the Melderegister's rule), a count that
is not a whole number ≥ 0, and the same Gemeinde × Ortsteil twice (that Ortsteil's month would be delivered twice).
A second file of the same month is a conflict like a second workbook (lieferstatus, period `Ortsteile YYYY-MM`).

Consistency with the BA workbook: where the workbook of the same month (loaded before: files are loaded in name
order, `sgb2_gemeinden_…` before `sgb2_ortsteile_…`) has a non-suppressed Gemeinde value, the sum over that Gemeinde's
Ortsteile must equal it; otherwise the file is refused naming the Gemeinde, the month and the merkmal. The dbt test
`sgb2_ortsteil_summen` checks the same on the current deliveries (whatever the load order was).
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


def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, prefix: str, family: str) -> runner.FileLoad:
    path = lineage.delivery.read_path
    tf = c.inspect_text_file(path, _is_header)
    pos = c.header_positions(tf, COLUMNS)
    match = re.search(r"(\d{4})(\d{2})(?!\d)", path.stem)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DeliveryError(path, "file name without the Berichtsmonat: expected sgb2_ortsteile_YYYYMM.csv")
    monat = dt.date(int(match.group(1)), int(match.group(2)), 1)
    col = {name: f"c{i}" for name, i in pos.items()}
    with c.staged(con, path, "_sgb2_ot_stage", f"""
            CREATE OR REPLACE TEMP TABLE _sgb2_ot_stage AS
            SELECT row_number() OVER () + {tf.skip} AS zeile,
                   trim({col['berichtsmonat']}) AS t_monat,
                   nullif({c.ags_sql(col['ags'])}, '') AS ags,
                   {c.ortsteil_sql(col['ortsteil'])} AS ortsteil,
                   {', '.join(f"trim({col[m]}) AS v_{m}" for m in MERKMALE)},
                   []::VARCHAR[] AS gruende
            FROM {c.csv_source('$path', len(tf.header), tf)}""", {"path": str(path)}):
        records, = con.execute("SELECT count(*) FROM _sgb2_ot_stage").fetchone()
        if records == 0:
            raise DeliveryError(path, "no records below the header: expected one row per Gemeinde × Ortsteil")
        c.check_ortsteil_counts(con, path, "_sgb2_ot_stage", pos, [
            ("berichtsmonat", "NOT regexp_full_match(coalesce(t_monat, ''), '[0-9]{4}-[0-9]{2}')",
             "berichtsmonat: erwartet Monat YYYY-MM"),
            ("berichtsmonat", "t_monat <> $monat_text",
             f"berichtsmonat: erwartet {monat:%Y-%m} wie im Dateinamen (YYYYMM {match.group(0)})"),
        ], MERKMALE, {"monat_text": f"{monat:%Y-%m}", "prefix": prefix}, what="Leistungsberechtigte",
            twice=f"der Berichtsmonat {monat:%m/%Y} wäre für dieses Ortsteil doppelt geliefert; ")
        _check_sums(con, path, monat, family)
        demo = tf.ist_demodaten
        unpivot = c.long_sql("_sgb2_ot_stage", "zeile, ags, ortsteil", MERKMALE, "v_{m}::BIGINT", "wert")
        con.execute(
            f"INSERT INTO raw.{family}__{TABLE} SELECT $monat, ags, ortsteil, merkmal, wert, zeile, "
            f"$datei, $sha256, $geladen_am, $demo FROM ({unpivot}) ORDER BY zeile, merkmal",
            {"monat": monat, "demo": demo, **lineage.params})
    return runner.FileLoad(rows={TABLE: records * len(MERKMALE)}, records=records, rejected=0,
                           berichtszeitraum=f"{monat:%Y-%m}", ist_demodaten=demo)


def _check_sums(con: duckdb.DuckDBPyConnection, path, monat: dt.date, family: str) -> None:
    """Σ Ortsteile = the workbook's non-suppressed Gemeinde value of the same month (its latest delivery)."""
    unpivot = c.long_sql("_sgb2_ot_stage", "ags", MERKMALE, "v_{m}::BIGINT", "wert")
    row = con.execute(f"""
        WITH summe AS (SELECT ags, merkmal, sum(wert) AS summe FROM ({unpivot}) GROUP BY ags, merkmal),
        gemeinde AS (
            SELECT ags, merkmal, wert FROM raw.{family}__gemeinde_monat
            WHERE berichtsmonat = $monat AND merkmal IN ({', '.join(f"'{m}'" for m in MERKMALE)})
            QUALIFY row_number() OVER (PARTITION BY ags, merkmal ORDER BY geladen_am DESC, sha256) = 1)
        SELECT s.ags, s.merkmal, s.summe, g.wert FROM summe s JOIN gemeinde g USING (ags, merkmal)
        WHERE g.wert IS NOT NULL AND g.wert <> s.summe ORDER BY s.ags, s.merkmal LIMIT 1""",
        {"monat": monat}).fetchone()
    if row:
        ags, merkmal, summe, wert = row
        line, = con.execute("SELECT min(zeile) FROM _sgb2_ot_stage WHERE ags = ?", [ags]).fetchone()
        raise DeliveryError(path, f"{merkmal}: die Summe der Ortsteile der Gemeinde {ags} im Berichtsmonat "
                                  f"{monat:%m/%Y} ist {summe}, die Gemeindetabelle der BA desselben Monats nennt "
                                  f"{wert}: erwartet dieselbe Zahl", line=line, column=None)
