"""Einwohnermelderegister extracts: residents per Gemeinde (Ortsteil) × sex × single year of age (× nationality),
and households per Gemeinde (Ortsteil) × household type. Two record types, recognised from the header line:

`LANDING/melderegister/melderegister_YYYYMMDD.csv` (Einwohner):
`stichtag;ags;ortsteil;geschlecht;alter;anzahl[;staatsangehoerigkeit]` (`geschlecht` m/w/d, `alter` 0…100 with
100 = 100 and older, `ortsteil` may be empty). `staatsangehoerigkeit` (optional, any position) is the
3-digit Destatis Staatsangehörigkeitsschlüssel of the (first) nationality — `000` deutsch, also for Germans
with a further nationality; `997` staatenlos, `998` ungeklärt, `999` ohne Angabe — from the documented list
`data/reference/staatsangehoerigkeit_destatis.csv`; a code that lost its leading zeros in a spreadsheet
(`0`, `99`) is padded. A code outside the list refuses the whole file with file, line and column (the
extract uses another key: loading the rest would drop residents from every population figure).
Extracts without the column stay valid (no nationality indicators for them).

`LANDING/melderegister/melderegister_haushalte_YYYYMMDD.csv` (Haushalte, from the municipal household
generation of the register, e.g. KOSIS HHGen): `stichtag;ags;ortsteil;haushaltstyp;anzahl`, `haushaltstyp`
one of HAUSHALTSTYPEN (Kinder = ledige Kinder unter 18 im Haushalt); a type outside the list refuses the
file with file, line and column.

Raw: `raw.melderegister__einwohner (stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile,
staatsangehoerigkeit, lineage)`, `raw.melderegister__haushalte (stichtag, ags, ortsteil, haushaltstyp, anzahl,
zeile, lineage)`, `raw.melderegister__lieferungen` with `satzart` (einwohner | haushalte).

Ortsteil (both record types): an empty `ortsteil` means an extract without the Ortsteil breakdown. A key is the
3-digit `ortsteil_schluessel` of the region profile's `ortsteile.csv` for that Gemeinde (`1`, `01` are padded);
a key the profile does not list for the row's Gemeinde, or a row without a key in a Gemeinde whose other rows
carry one (its residents would be missing from the Ortsteil sums), refuses the whole file with file, line and
column.

Row checks (→ `raw.melderegister__rejects`): invalid stichtag (`TT.MM.JJJJ` or `JJJJ-MM-TT`), a stichtag
other than the date in the file name, AGS not 8 digits or outside the region, sex not m/w/d, age not
0…100, anzahl not a whole non-negative number, the same key twice (Einwohner: stichtag × AGS × Ortsteil ×
sex × age [× nationality]; Haushalte: stichtag × AGS × Ortsteil × type; conflicting: all rows; identical:
the later copies).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest._jahreszahlen import STICHTAG_SQL
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths
from orchestration.warehouse import table_exists

FAMILY = "melderegister"
EINWOHNER, HAUSHALTE = "einwohner", "haushalte"
REQUIRED = ("stichtag", "ags", "ortsteil", "geschlecht", "alter", "anzahl")
OPTIONAL = ("staatsangehoerigkeit",)
REQUIRED_HAUSHALTE = ("stichtag", "ags", "ortsteil", "haushaltstyp", "anzahl")
TABLES = {
    EINWOHNER: "stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR, geschlecht VARCHAR NOT NULL, "
    "alter INTEGER NOT NULL, anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL, staatsangehoerigkeit VARCHAR",
    HAUSHALTE: "stichtag DATE NOT NULL, ags VARCHAR NOT NULL, ortsteil VARCHAR, haushaltstyp VARCHAR NOT NULL, "
    "anzahl BIGINT NOT NULL, zeile BIGINT NOT NULL",
}
LIEFERUNGEN_EXTRA = ", satzart VARCHAR"
# household types of the household generation (Kinder = ledige Kinder unter 18 im Haushalt)
HAUSHALTSTYPEN = ("einpersonen", "paar_ohne_kinder", "paar_mit_kindern", "alleinerziehende", "sonstige")
STAATSANGEHOERIGKEIT_LISTE = settings.SHIPPED_DATA / "reference" / "staatsangehoerigkeit_destatis.csv"


@cache
def staatsangehoerigkeiten(path: Path = STAATSANGEHOERIGKEIT_LISTE) -> dict[str, str]:
    """The documented nationality codes: Destatis code -> art (deutsch | auslaendisch | ohne_angabe)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["schluessel"]: row["art"] for row in csv.DictReader(handle)}


def _is_header(fields: list[str]) -> bool:
    return "stichtag" in fields and "ags" in fields and ("alter" in fields or "haushaltstyp" in fields)


def _date_in_name(name: str) -> dt.date | None:
    match = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", name)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Columns added to existing raw tables of a warehouse built before them (NULL for the old rows)."""
    if table_exists(con, f"raw.{FAMILY}__einwohner"):
        con.execute(f"ALTER TABLE raw.{FAMILY}__einwohner ADD COLUMN IF NOT EXISTS staatsangehoerigkeit VARCHAR")
    if table_exists(con, f"raw.{FAMILY}__lieferungen"):
        con.execute(f"ALTER TABLE raw.{FAMILY}__lieferungen ADD COLUMN IF NOT EXISTS satzart VARCHAR")


def _first_unknown(con: duckdb.DuckDBPyConnection, stage: str, column: str, known: list[str]) -> tuple | None:
    return con.execute(
        f"SELECT zeile, {column} FROM {stage} WHERE len(gruende) = 0 AND ({column} IS NULL OR NOT list_contains($known, "
        f"{column})) ORDER BY zeile LIMIT 1", {"known": known}).fetchone()


def _ortsteil_sql(index: int) -> str:
    """The Ortsteil key of a row: 1–2 digits padded to 3 (lost leading zeros), empty = NULL."""
    return c.ortsteil_sql(f"c{index}")


_check_ortsteile = c.check_ortsteile  # one rule for every family with an Ortsteil key: _confidential.py


def _stage_common(tf: c.TextFile, pos: dict[str, int]) -> str:
    ags = c.ags_sql(f"c{pos['ags']}")
    return (f"row_number() OVER () + {tf.skip} AS zeile, nullif(trim(c{pos['stichtag']}), '') AS t_stichtag, "
            f"{ags} AS ags, {_ortsteil_sql(pos['ortsteil'])} AS ortsteil, "
            f"nullif(trim(c{pos['anzahl']}), '') AS t_anzahl")


def _checks(extra: list[tuple[str, str]], key: str) -> list[tuple[str, str]]:
    return [
        ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
        ("stichtag IS NOT NULL AND $name_date IS NOT NULL AND stichtag <> $name_date",
         "'stichtag weicht vom Datum im Dateinamen ab'"),
        ("NOT regexp_full_match(coalesce(ags, ''), '[0-9]{8}')", "'ags: erwartet 8-stelligen AGS'"),
        ("regexp_full_match(coalesce(ags, ''), '[0-9]{8}') AND NOT starts_with(ags, $prefix)",
         "'ags außerhalb der Region'"),
        *extra,
        ("anzahl IS NULL", "'anzahl: erwartet ganze Zahl ≥ 0'"),
        ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k", f"'{key} mehrfach mit verschiedener anzahl'"),
        ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
         "'Datensatz doppelt (identische Wiederholung)'"),
    ]


ANZAHL_SQL = "CASE WHEN regexp_full_match(coalesce(t_anzahl, ''), '[0-9]{1,12}') THEN t_anzahl::BIGINT END AS anzahl"


def load_melderegister(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                       run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new Melderegister extracts into raw.melderegister__einwohner / raw.melderegister__haushalte."""
    options = options or Options()
    prefix = c.region_prefix(region)

    def load_einwohner(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, tf: c.TextFile,
                       name_date: dt.date | None) -> runner.FileLoad:
        path = lineage.delivery.read_path
        pos = c.header_positions(tf, REQUIRED, OPTIONAL)
        has_sa = "staatsangehoerigkeit" in pos
        sa = (f"CASE WHEN regexp_full_match(trim(c{pos['staatsangehoerigkeit']}), '[0-9]{{1,2}}') "
              f"THEN lpad(trim(c{pos['staatsangehoerigkeit']}), 3, '0') "
              f"ELSE nullif(trim(c{pos['staatsangehoerigkeit']}), '') END") if has_sa else "NULL::VARCHAR"
        key = "stichtag/ags/ortsteil/geschlecht/alter" + ("/staatsangehoerigkeit" if has_sa else "")
        checks = _checks([
            ("NOT (coalesce(geschlecht, '') IN ('m', 'w', 'd'))", "'geschlecht: erwartet m, w oder d'"),
            ("alter IS NULL", "'alter: erwartet ganze Zahl 0-100'"),
        ], key)
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _mr_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag,
                           CASE WHEN regexp_full_match(coalesce(t_alter, ''), '[0-9]{{1,3}}') AND t_alter::INTEGER <= 100
                                THEN t_alter::INTEGER END AS alter,
                           {ANZAHL_SQL},
                           hash(t_anzahl) AS h
                    FROM (
                        SELECT {_stage_common(tf, pos)},
                               lower(nullif(trim(c{pos['geschlecht']}), '')) AS geschlecht,
                               nullif(trim(c{pos['alter']}), '') AS t_alter,
                               {sa} AS staatsangehoerigkeit
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags, ortsteil, geschlecht, t_alter, staatsangehoerigkeit)""",
                {"path": str(path), "prefix": prefix, "name_date": name_date},
            )
        except duckdb.Error as error:
            raise c.csv_error(path, error) from None
        try:
            records, rejected = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(gruende) > 0) FROM _mr_stage").fetchone()
            runner.check_reject_share(path, records, rejected, runner.first_reasons(con, "_mr_stage"),
                                      options.max_reject_share)
            _check_ortsteile(con, path, "_mr_stage", pos["ortsteil"] + 1)
            if has_sa:
                unknown = _first_unknown(con, "_mr_stage", "staatsangehoerigkeit", sorted(staatsangehoerigkeiten()))
                if unknown:
                    zeile, code = unknown
                    shown = f"'{code}'" if code is not None else "leer"
                    raise DeliveryError(
                        path, f"staatsangehoerigkeit {shown} ist kein Schlüssel der dokumentierten Liste: erwartet "
                              f"einen 3-stelligen Staatsangehörigkeitsschlüssel des Statistischen Bundesamts "
                              f"(000 deutsch … 997 staatenlos, 998 ungeklärt, 999 ohne Angabe; "
                              f"data/reference/{STAATSANGEHOERIGKEIT_LISTE.name})",
                        line=zeile, column=pos["staatsangehoerigkeit"] + 1)
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__einwohner (stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile,
                    staatsangehoerigkeit, datei, sha256, geladen_am, ist_demodaten)
                SELECT stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile, staatsangehoerigkeit,
                       $datei, $sha256, $geladen_am, $demo
                FROM _mr_stage WHERE len(gruende) = 0 ORDER BY zeile""",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            record = ("{'stichtag': t_stichtag, 'ags': ags, 'ortsteil': ortsteil, 'geschlecht': geschlecht, "
                      "'alter': t_alter, 'anzahl': t_anzahl"
                      + (", 'staatsangehoerigkeit': staatsangehoerigkeit" if has_sa else "") + "}")
            runner.write_rejects(con, FAMILY, "_mr_stage", record, lineage, tf.ist_demodaten)
            stichtage, = con.execute(
                "SELECT string_agg(DISTINCT strftime(stichtag, '%Y-%m-%d'), ',') FROM _mr_stage "
                "WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _mr_stage")
        return runner.FileLoad(rows={EINWOHNER: records - rejected}, records=records, rejected=rejected,
                               berichtszeitraum=stichtage or (name_date.isoformat() if name_date else None),
                               ist_demodaten=tf.ist_demodaten, extra={"satzart": EINWOHNER})

    def load_haushalte(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, tf: c.TextFile,
                       name_date: dt.date | None) -> runner.FileLoad:
        path = lineage.delivery.read_path
        pos = c.header_positions(tf, REQUIRED_HAUSHALTE)
        checks = _checks([], "stichtag/ags/ortsteil/haushaltstyp")
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _mr_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag, {ANZAHL_SQL},
                           hash(t_anzahl) AS h
                    FROM (
                        SELECT {_stage_common(tf, pos)},
                               lower(nullif(trim(c{pos['haushaltstyp']}), '')) AS haushaltstyp
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags, ortsteil, haushaltstyp)""",
                {"path": str(path), "prefix": prefix, "name_date": name_date},
            )
        except duckdb.Error as error:
            raise c.csv_error(path, error) from None
        try:
            records, rejected = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE len(gruende) > 0) FROM _mr_stage").fetchone()
            runner.check_reject_share(path, records, rejected, runner.first_reasons(con, "_mr_stage"),
                                      options.max_reject_share)
            _check_ortsteile(con, path, "_mr_stage", pos["ortsteil"] + 1)
            unknown = _first_unknown(con, "_mr_stage", "haushaltstyp", list(HAUSHALTSTYPEN))
            if unknown:
                zeile, typ = unknown
                shown = f"'{typ}'" if typ is not None else "leer"
                raise DeliveryError(path, f"haushaltstyp {shown} ist kein Haushaltstyp der dokumentierten Liste: "
                                          f"erwartet {', '.join(HAUSHALTSTYPEN)}",
                                    line=zeile, column=pos["haushaltstyp"] + 1)
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__haushalte (stichtag, ags, ortsteil, haushaltstyp, anzahl, zeile,
                    datei, sha256, geladen_am, ist_demodaten)
                SELECT stichtag, ags, ortsteil, haushaltstyp, anzahl, zeile, $datei, $sha256, $geladen_am, $demo
                FROM _mr_stage WHERE len(gruende) = 0 ORDER BY zeile""",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            runner.write_rejects(con, FAMILY, "_mr_stage",
                                 "{'stichtag': t_stichtag, 'ags': ags, 'ortsteil': ortsteil, "
                                 "'haushaltstyp': haushaltstyp, 'anzahl': t_anzahl}", lineage, tf.ist_demodaten)
            stichtage, = con.execute(
                "SELECT string_agg(DISTINCT strftime(stichtag, '%Y-%m-%d'), ',') FROM _mr_stage "
                "WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _mr_stage")
        return runner.FileLoad(rows={HAUSHALTE: records - rejected}, records=records, rejected=rejected,
                               berichtszeitraum=stichtage or (name_date.isoformat() if name_date else None),
                               ist_demodaten=tf.ist_demodaten, extra={"satzart": HAUSHALTE})

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        tf = c.inspect_text_file(path, _is_header)
        name_date = _date_in_name(path.stem)
        if "haushaltstyp" in tf.header:
            return load_haushalte(con, lineage, tf, name_date)
        return load_einwohner(con, lineage, tf, name_date)

    _migrate(con)
    return runner.run_confidential(con, paths, FAMILY, TABLES, load_file, lieferungen_extra=LIEFERUNGEN_EXTRA,
                                   audit=audit, run_id=run_id)
