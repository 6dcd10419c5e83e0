"""Measures of the Kreis and its partners (issue 13): `LANDING/massnahmen/massnahmen_<Stand>.csv`.

One `;`-separated UTF-8 (or ISO-8859-1) text file, header
`massnahme_id;gebiet_id;beginn;ende;titel;traeger;art` (layout: docs/deliveries.md), one row per measure:

- `massnahme_id`: the measure's key (not empty, unique in the file);
- `gebiet_id`: the area it serves, an area of the region profile: a Gemeinde (8-digit AGS), a Sozialraum
  (`sozialraum_id`), an Ortsteil (AGS + 3-digit key, as `mart.dim_gebiet`) or a Kreis of its Gemeinden (5 digits);
- `beginn` (date, `YYYY-MM-DD` or `TT.MM.JJJJ`), `ende` (date or empty = ongoing; not before `beginn`);
- `titel` (free text, not empty, at most 200 characters), `traeger` (free text, may be empty);
- `art`: one of `ARTEN`.

The file is always the complete list: the file name carries its Stand (`massnahmen_2026-11-30.csv` or
`massnahmen_20261130.csv`), and the file with the newest Stand replaces the older ones (lieferstatus period
`Stand YYYY-MM-DD`; a second file of the same Stand is a conflict unless it is a `_korrektur`). Any bad row refuses
the whole file (quarantine; the list published before stays), naming file, line, column and what was expected.

Titles and Träger are public text, stored as text: whoever renders them escapes them (profiles, Superset).
Raw: `raw.massnahmen__massnahmen (stand, massnahme_id, gebiet_id, gebiet_ebene, beginn, ende, titel, traeger,
art, zeile, lineage)`.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths

FAMILY = "massnahmen"
TABLE = "massnahmen"
COLUMNS = ("massnahme_id", "gebiet_id", "beginn", "ende", "titel", "traeger", "art")
ARTEN = ("Familienzentrum", "Quartiersprojekt", "Beratungsangebot", "Jugendarbeit", "Bildungsangebot",
         "Sonstiges")
MAX_TITEL = 200
DDL = ("stand DATE NOT NULL, massnahme_id VARCHAR NOT NULL, gebiet_id VARCHAR NOT NULL, gebiet_ebene VARCHAR NOT NULL, "
       "beginn DATE NOT NULL, ende DATE, titel VARCHAR NOT NULL, traeger VARCHAR, art VARCHAR NOT NULL, "
       "zeile INTEGER NOT NULL")
DATE_SQL = (
    "coalesce(CASE WHEN regexp_full_match({x}, '[0-9]{{2}}\\.[0-9]{{2}}\\.[0-9]{{4}}') THEN try_strptime({x}, '%d.%m.%Y')::DATE END, "
    "CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_strptime({x}, '%Y-%m-%d')::DATE END)"
)
_STAND = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def stand_of(path) -> dt.date | None:
    """The Stand in the file name (`…_YYYY-MM-DD` or `…_YYYYMMDD`), None when there is none or it is no date."""
    match = _STAND.search(path.stem)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _is_header(fields: list[str]) -> bool:
    return "massnahme_id" in fields and "gebiet_id" in fields


def _areas_sql() -> str:
    """Every area a measure may name (gebiet_id, gebiet_ebene): the region profile's areas and their Kreise."""
    return """
        SELECT DISTINCT ags AS gebiet_id, 'gemeinde' AS gebiet_ebene FROM raw.region__gemeinden
        UNION SELECT DISTINCT left(ags, 5), 'kreis' FROM raw.region__gemeinden
        UNION SELECT DISTINCT sozialraum_id, 'sozialraum' FROM raw.region__sozialraeume
        UNION SELECT DISTINCT ags || ortsteil_schluessel, 'ortsteil' FROM raw.region__ortsteile"""


def _check(con: duckdb.DuckDBPyConnection, path, pos: dict[str, int]) -> None:
    """The first bad row refuses the file: (column, condition on the stage, what was expected)."""
    arten = ", ".join(f"'{a}'" for a in ARTEN)
    checks = [
        ("massnahme_id", "massnahme_id IS NULL", "massnahme_id: erwartet eine Kennung der Maßnahme (nicht leer)"),
        ("massnahme_id", "nr > 1",
         "massnahme_id steht mehrfach in der Datei: erwartet genau eine Zeile je Maßnahme"),
        ("gebiet_id", "gebiet_ebene IS NULL",
         "gebiet_id: unbekanntes Gebiet; erwartet den AGS einer Gemeinde, eine sozialraum_id, eine Ortsteil-ID "
         "(AGS + Ortsteilschlüssel) des Regionsprofils oder den Kreisschlüssel"),
        ("beginn", "beginn IS NULL", "beginn: erwartet ein Datum JJJJ-MM-TT oder TT.MM.JJJJ"),
        ("ende", "t_ende IS NOT NULL AND ende IS NULL",
         "ende: erwartet ein Datum JJJJ-MM-TT oder TT.MM.JJJJ oder leer (laufende Maßnahme)"),
        ("ende", "ende < beginn", "ende liegt vor beginn: erwartet ende ≥ beginn"),
        ("titel", "titel IS NULL", "titel: erwartet einen Titel (nicht leer)"),
        ("titel", f"length(titel) > {MAX_TITEL}", f"titel: erwartet höchstens {MAX_TITEL} Zeichen"),
        ("titel", "regexp_matches(titel, '[\\x00-\\x1f\\x7f]') OR regexp_matches(coalesce(traeger, ''), "
                  "'[\\x00-\\x1f\\x7f]')", "titel/traeger: erwartet Text ohne Steuerzeichen"),
        ("art", f"art IS NULL OR art NOT IN ({arten})", f"art: erwartet eine von {', '.join(ARTEN)}"),
    ]
    for column, cond, reason in checks:
        bad = con.execute(f"SELECT zeile FROM _massnahmen_stage WHERE {cond} ORDER BY zeile LIMIT 1").fetchone()
        if bad:
            raise DeliveryError(path, reason, line=bad[0], column=pos[column] + 1)


def load_massnahmen(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                    run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new measure lists into raw.massnahmen__massnahmen (see module doc); `region` is not needed: the areas
    are the region profile's tables, loaded before."""

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        stand = stand_of(lineage.delivery.path)
        if stand is None:
            raise DeliveryError(path, "file name without its Stand: expected massnahmen_JJJJ-MM-TT.csv "
                                      "(the date of the list)")
        tf = c.inspect_text_file(path, _is_header)
        pos = c.header_positions(tf, COLUMNS)
        col = {name: f"c{i}" for name, i in pos.items()}
        with c.staged(con, path, "_massnahmen_stage", f"""
                CREATE OR REPLACE TEMP TABLE _massnahmen_stage AS
                SELECT s.*, a.gebiet_ebene, row_number() OVER (PARTITION BY s.massnahme_id ORDER BY s.zeile) AS nr,
                       {DATE_SQL.format(x='s.t_beginn')} AS beginn, {DATE_SQL.format(x='s.t_ende')} AS ende
                FROM (
                    SELECT row_number() OVER () + {tf.skip} AS zeile,
                           nullif(trim({col['massnahme_id']}), '') AS massnahme_id,
                           nullif(trim({col['gebiet_id']}), '') AS gebiet_id,
                           nullif(trim({col['beginn']}), '') AS t_beginn,
                           nullif(trim({col['ende']}), '') AS t_ende,
                           nullif(trim({col['titel']}), '') AS titel,
                           nullif(trim({col['traeger']}), '') AS traeger,
                           nullif(trim({col['art']}), '') AS art
                    FROM {c.csv_source('$path', len(tf.header), tf)}) AS s
                LEFT JOIN ({_areas_sql()}) AS a ON a.gebiet_id = s.gebiet_id""", {"path": str(path)}):
            records, = con.execute("SELECT count(*) FROM _massnahmen_stage").fetchone()
            if records == 0:
                raise DeliveryError(path, "no records below the header: expected one row per measure")
            _check(con, path, pos)
            con.execute(
                "INSERT INTO raw.massnahmen__massnahmen SELECT $stand, massnahme_id, gebiet_id, gebiet_ebene, beginn, "
                "ende, titel, traeger, art, zeile, $datei, $sha256, $geladen_am, $demo FROM _massnahmen_stage "
                "ORDER BY zeile", {"stand": stand, "demo": tf.ist_demodaten, **lineage.params})
        return runner.FileLoad(rows={TABLE: records}, records=records, berichtszeitraum=f"{stand:%Y-%m-%d}",
                               ist_demodaten=tf.ist_demodaten)

    return runner.run_confidential(con, paths, FAMILY, {TABLE: DDL}, load_file, audit=audit, run_id=run_id)
