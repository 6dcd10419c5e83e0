"""Einwohnermelderegister extracts: residents per Gemeinde (Ortsteil) × sex × single year of age.

`LANDING/melderegister/melderegister_YYYYMMDD.csv`: `stichtag;ags;ortsteil;geschlecht;alter;anzahl`
(`geschlecht` m/w/d, `alter` 0…100 with 100 = 100 and older, `ortsteil` may be empty).
Raw: `raw.melderegister__einwohner (stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile, lineage)`.

Row checks (→ `raw.melderegister__rejects`): invalid stichtag (`TT.MM.JJJJ` or `JJJJ-MM-TT`), a stichtag
other than the date in the file name, AGS not 8 digits or outside the region, sex not m/w/d, age not
0…100, anzahl not a whole non-negative number, the same stichtag × AGS × Ortsteil × sex × age twice
(conflicting: all rows; identical: the later copies).
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import IngestResult
from orchestration.ingest.grundsicherung import STICHTAG_SQL
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths

FAMILY = "melderegister"
REQUIRED = ("stichtag", "ags", "ortsteil", "geschlecht", "alter", "anzahl")
TABLES = {
    "einwohner": "stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR, geschlecht VARCHAR NOT NULL, "
    "alter INTEGER NOT NULL, anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL"
}


def _is_header(fields: list[str]) -> bool:
    return "stichtag" in fields and "ags" in fields and "alter" in fields


def _date_in_name(name: str) -> dt.date | None:
    match = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", name)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def load_melderegister(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                       run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new Melderegister extracts into raw.melderegister__einwohner."""
    options = options or Options()
    prefix = c.region_prefix(region)

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        tf = c.inspect_text_file(path, _is_header)
        pos = c.header_positions(tf, REQUIRED)
        name_date = _date_in_name(path.stem)
        checks = [
            ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
            ("stichtag IS NOT NULL AND $name_date IS NOT NULL AND stichtag <> $name_date",
             "'stichtag weicht vom Datum im Dateinamen ab'"),
            ("NOT regexp_full_match(coalesce(ags, ''), '[0-9]{8}')", "'ags: erwartet 8-stelligen AGS'"),
            ("regexp_full_match(coalesce(ags, ''), '[0-9]{8}') AND NOT starts_with(ags, $prefix)",
             "'ags außerhalb der Region'"),
            ("NOT (coalesce(geschlecht, '') IN ('m', 'w', 'd'))", "'geschlecht: erwartet m, w oder d'"),
            ("alter IS NULL", "'alter: erwartet ganze Zahl 0-100'"),
            ("anzahl IS NULL", "'anzahl: erwartet ganze Zahl ≥ 0'"),
            ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k",
             "'stichtag/ags/ortsteil/geschlecht/alter mehrfach mit verschiedener anzahl'"),
            ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
             "'Datensatz doppelt (identische Wiederholung)'"),
        ]
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _mr_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag,
                           CASE WHEN regexp_full_match(coalesce(t_alter, ''), '[0-9]{{1,3}}') AND t_alter::INTEGER <= 100
                                THEN t_alter::INTEGER END AS alter,
                           CASE WHEN regexp_full_match(coalesce(t_anzahl, ''), '[0-9]{{1,12}}') THEN t_anzahl::BIGINT END
                                AS anzahl,
                           hash(t_anzahl) AS h
                    FROM (
                        SELECT row_number() OVER () + {tf.skip} AS zeile,
                               nullif(trim(c{pos['stichtag']}), '') AS t_stichtag,
                               {c.ags_sql(f"c{pos['ags']}")} AS ags,
                               nullif(trim(c{pos['ortsteil']}), '') AS ortsteil,
                               lower(nullif(trim(c{pos['geschlecht']}), '')) AS geschlecht,
                               nullif(trim(c{pos['alter']}), '') AS t_alter,
                               nullif(trim(c{pos['anzahl']}), '') AS t_anzahl
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags, ortsteil, geschlecht, t_alter)""",
                {"path": str(path), "prefix": prefix, "name_date": name_date},
            )
        except duckdb.Error as error:
            raise c.csv_error(path, error) from None
        try:
            records, rejected = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(gruende) > 0) FROM _mr_stage").fetchone()
            runner.check_reject_share(path, records, rejected, runner.first_reasons(con, "_mr_stage"), options.max_reject_share)
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__einwohner
                SELECT stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile, $datei, $sha256, $geladen_am, $demo
                FROM _mr_stage WHERE len(gruende) = 0 ORDER BY zeile""",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            runner.write_rejects(con, FAMILY, "_mr_stage",
                            "{'stichtag': t_stichtag, 'ags': ags, 'ortsteil': ortsteil, 'geschlecht': geschlecht, "
                            "'alter': t_alter, 'anzahl': t_anzahl}", lineage, tf.ist_demodaten)
            stichtage, = con.execute(
                "SELECT string_agg(DISTINCT strftime(stichtag, '%Y-%m-%d'), ',') FROM _mr_stage "
                "WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _mr_stage")
        return runner.FileLoad(rows={"einwohner": records - rejected}, records=records, rejected=rejected,
                          berichtszeitraum=stichtage or (name_date.isoformat() if name_date else None),
                          ist_demodaten=tf.ist_demodaten)

    return runner.run_confidential(con, paths, FAMILY, TABLES, load_file, audit=audit, run_id=run_id)
