"""Grundsicherung im Alter (SGB XII Kap. 4) per Gemeinde, annual Sozialamt delivery.

`LANDING/grundsicherung/grundsicherung_alter_YYYY.csv`: `stichtag;ags;gemeinde;empfaenger_65_plus`
(stichtag `31.12.YYYY`; `.` = suppressed → anzahl NULL + marker `.`; `-` = nothing → 0 + marker `-`).
Raw: `raw.grundsicherung__empfaenger (stichtag, ags, gemeinde_name, anzahl, marker, zeile, lineage)`.

Row checks (→ `raw.grundsicherung__rejects`): invalid stichtag, AGS not 8 digits (Gemeinde) / 5 digits
(Kreis total), AGS outside the region, anzahl not a whole non-negative number or a marker, the same
stichtag × AGS twice (conflicting: all rows; identical: the later copies).
"""

from __future__ import annotations

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import plausibilitaet, runner
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths

FAMILY = "grundsicherung"
REQUIRED = ("stichtag", "ags", "empfaenger_65_plus")
OPTIONAL = ("gemeinde",)
TABLES = {
    "empfaenger": "stichtag DATE NOT NULL, ags VARCHAR NOT NULL, gemeinde_name VARCHAR, anzahl BIGINT, "
    "marker VARCHAR, zeile BIGINT NOT NULL"
}
MARKERS = (".", "-")

STICHTAG_SQL = (
    "coalesce(CASE WHEN regexp_full_match({x}, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}') THEN try_strptime({x}, '%d.%m.%Y')::DATE END, "
    "CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_strptime({x}, '%Y-%m-%d')::DATE END)"
)
COUNT_OK = "(regexp_full_match({x}, '[0-9]+') OR regexp_full_match({x}, '[0-9]{{1,3}}(\\.[0-9]{{3}})+'))"


def _is_header(fields: list[str]) -> bool:
    return "stichtag" in fields and "ags" in fields


def _check_population(con: duckdb.DuckDBPyConnection, path, position: int) -> None:
    """No recipient count may exceed the residents aged 65+ (else all residents) of its area."""
    jahr = "year(s.stichtag)"
    row = con.execute(f"""
        SELECT zeile, ags, anzahl, referenz, jahr FROM (
            SELECT s.zeile, s.ags, {jahr} AS jahr,
                   CASE WHEN s.v IN ('.', '-') THEN NULL ELSE replace(s.v, '.', '')::BIGINT END AS anzahl,
                   coalesce({plausibilitaet.reference_sql('s.ags', jahr, 'ab_65')},
                            {plausibilitaet.reference_sql('s.ags', jahr, 'einwohner')}) AS referenz
            FROM _gs_stage s WHERE len(s.gruende) = 0)
        WHERE anzahl > referenz ORDER BY zeile LIMIT 1""").fetchone()
    if row:
        zeile, ags, anzahl, referenz, year = row
        raise DeliveryError(
            path, f"empfaenger_65_plus = {anzahl} für {ags} ist größer als die Zahl der Einwohner ab 65 Jahren "
                  f"({int(referenz)}, {year} ±1 Jahr): unplausibel, erwartet höchstens die Bevölkerung, auf die sich "
                  f"die Zahl bezieht", line=zeile, column=position + 1)


def load_grundsicherung(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                        run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new Grundsicherung deliveries into raw.grundsicherung__empfaenger."""
    options = options or Options()
    prefix = c.region_prefix(region)

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        tf = c.inspect_text_file(path, _is_header)
        pos = c.header_positions(tf, REQUIRED, OPTIONAL)
        name = f"nullif(trim(c{pos['gemeinde']}), '')" if "gemeinde" in pos else "NULL::VARCHAR"
        checks = [
            ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
            ("NOT (regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}'))",
             "'ags: erwartet 8-stelligen Gemeinde- oder 5-stelligen Kreisschlüssel'"),
            ("(regexp_full_match(coalesce(ags, ''), '[0-9]{8}') OR regexp_full_match(coalesce(ags, ''), '[0-9]{5}')) "
             "AND NOT (starts_with(ags, $prefix) OR starts_with($prefix, ags))", "'ags außerhalb der Region'"),
            ("NOT (coalesce(v, '') IN ('.', '-') OR " + COUNT_OK.format(x="coalesce(v, '')") + ")",
             "'empfaenger_65_plus: erwartet ganze Zahl ≥ 0, . oder -'"),
            ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k", "'stichtag/ags mehrfach mit verschiedenen Werten'"),
            ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
             "'Datensatz doppelt (identische Wiederholung)'"),
        ]
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _gs_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag, hash(t_stichtag, ags, v) AS h FROM (
                        SELECT row_number() OVER () + {tf.skip} AS zeile,
                               nullif(trim(c{pos['stichtag']}), '') AS t_stichtag,
                               {c.ags_sql(f"c{pos['ags']}")} AS ags,
                               {name} AS gemeinde_name,
                               nullif(trim(c{pos['empfaenger_65_plus']}), '') AS v
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags)""",
                {"path": str(path), "prefix": prefix},
            )
        except duckdb.Error as error:
            raise c.csv_error(path, error) from None
        try:
            records, rejected = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(gruende) > 0) FROM _gs_stage").fetchone()
            runner.check_reject_share(path, records, rejected, runner.first_reasons(con, "_gs_stage"), options.max_reject_share)
            _check_population(con, path, pos["empfaenger_65_plus"])
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__empfaenger
                SELECT stichtag, ags, gemeinde_name,
                       CASE WHEN v = '.' THEN NULL WHEN v = '-' THEN 0 ELSE replace(v, '.', '')::BIGINT END,
                       CASE WHEN v IN ('.', '-') THEN v END, zeile, $datei, $sha256, $geladen_am, $demo
                FROM _gs_stage WHERE len(gruende) = 0 ORDER BY zeile""",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            runner.write_rejects(con, FAMILY, "_gs_stage",
                            "{'stichtag': t_stichtag, 'ags': ags, 'gemeinde': gemeinde_name, 'empfaenger_65_plus': v}",
                            lineage, tf.ist_demodaten)
            suppressed, years = con.execute(
                "SELECT count(*) FILTER (WHERE v = '.'), string_agg(DISTINCT year(stichtag)::VARCHAR, ',' ORDER BY "
                "year(stichtag)::VARCHAR) FROM _gs_stage WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _gs_stage")
        return runner.FileLoad(rows={"empfaenger": records - rejected}, records=records, rejected=rejected,
                          suppressed=suppressed, berichtszeitraum=years or (str(c.year_in_name(path) or "") or None),
                          ist_demodaten=tf.ist_demodaten)

    return runner.run_confidential(con, paths, FAMILY, TABLES, load_file, audit=audit, run_id=run_id,
                              before_loading=lambda new: plausibilitaet.create_reference(con))
