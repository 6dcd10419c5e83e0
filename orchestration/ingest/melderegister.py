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

Addresses instead of the key (Einwohner only): an extract with the columns `strasse;hausnummer` instead of
`ortsteil` is assigned to Ortsteile at ingest through the region profile's `strassenverzeichnis.csv` (see
region.py): the street compared normalised (case, ä/ö/ü/ß, "Str."/"Straße", spaces and hyphens), the house
number by its number (`12a`, `12 a`, `12/1` count as 12) within the range and side (gerade/ungerade) of a line;
a row without a usable house number is assigned when every line of its street names the same Ortsteil. The
matching runs in DuckDB; the rows are then summed per stichtag × AGS × Ortsteil × sex × age (× nationality), so
`raw.melderegister__einwohner` holds the Ortsteil key, never an address, and `zeile` is the first line of the
sum. Duplicates are judged per address (the same address × sex × age twice). A row whose address the
Straßenverzeichnis does not know (street missing, number outside every range) in a Gemeinde with Ortsteile
(`ortsteile.csv`) is counted (rows of a Gemeinde without Ortsteile simply load without Ortsteil: there is
nothing to assign): up to
the run's `max_reject_share` (setting, default 1 %) of the file's rows it is loaded with an empty Ortsteil — the Gemeinde total stays
complete, and that Gemeinde's Ortsteil figures for the Stichtag are not published (the Ortsteil sums would not add
up to the Gemeinde; int_indikatoren__ortsteil publishes only complete Gemeinden) — and the run names the count as a
warning; above 1 % the whole file is refused naming file, the first such line and the column `strasse` (or
`hausnummer` when the street is known). The rejects table never stores the address of a rejected row.
Quarantine moves the delivery file unchanged (with its addresses) to the landing's quarantine folder, as for every
refused file: that folder is as confidential as the landing itself.

All new files of a run are read and checked together (runner `load_files`: one stage per record type with the
file's number, every check per file), and the rows of those that pass are written in one transaction.

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
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest._jahreszahlen import STICHTAG_SQL
from orchestration.ingest.delivery import DeliveryError, IngestResult
from orchestration.ingest.runner import Audit, Options
from orchestration.ingest.strassenverzeichnis import STRASSE_NORM_SQL, STRASSEN_FILE, read_strassenverzeichnis
from orchestration.settings import Paths
from orchestration.warehouse import table_exists

FAMILY = "melderegister"
EINWOHNER, HAUSHALTE = "einwohner", "haushalte"
REQUIRED = ("stichtag", "ags", "ortsteil", "geschlecht", "alter", "anzahl")
OPTIONAL = ("staatsangehoerigkeit",)
REQUIRED_ADRESSE = ("stichtag", "ags", "strasse", "hausnummer", "geschlecht", "alter", "anzahl")
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


def _checks(extra: list[tuple[str, str]], key: str) -> list[tuple[str, str]]:
    """The row checks of a stage row (`key`: SQL of the text naming the record's key, for the duplicate reason)."""
    return [
        ("stichtag IS NULL", "'stichtag: erwartet Datum TT.MM.JJJJ'"),
        ("stichtag IS NOT NULL AND name_date IS NOT NULL AND stichtag <> name_date",
         "'stichtag weicht vom Datum im Dateinamen ab'"),
        ("NOT regexp_full_match(coalesce(ags, ''), '[0-9]{8}')", "'ags: erwartet 8-stelligen AGS'"),
        ("regexp_full_match(coalesce(ags, ''), '[0-9]{8}') AND NOT starts_with(ags, $prefix)",
         "'ags außerhalb der Region'"),
        *extra,
        ("anzahl IS NULL", "'anzahl: erwartet ganze Zahl ≥ 0'"),
        ("ags IS NOT NULL AND min(h) OVER k <> max(h) OVER k", f"{key} || ' mehrfach mit verschiedener anzahl'"),
        ("ags IS NOT NULL AND min(h) OVER k = max(h) OVER k AND row_number() OVER (k ORDER BY zeile) > 1",
         "'Datensatz doppelt (identische Wiederholung)'"),
    ]


ANZAHL_SQL = "CASE WHEN regexp_full_match(coalesce(t_anzahl, ''), '[0-9]{1,12}') THEN t_anzahl::BIGINT END AS anzahl"
# the temporary tables of one run's files (load_files): the files, the Straßenverzeichnis, the rejects to insert and,
# per record type, the records as read and the checked stage (the rows to insert are read from it)
FILES, STRASSEN = "_mr_dateien", "_mr_strassen"
RECORDS = {EINWOHNER: "_mr_einwohner_zeilen", HAUSHALTE: "_mr_haushalte_zeilen"}
STAGE = {EINWOHNER: "_mr_einwohner_stage", HAUSHALTE: "_mr_haushalte_stage"}
REJECTS = "_mr_rejects_neu"


class _File:
    """What the header of one new file says: record type, column positions, Ortsteil key or address, nationality."""

    def __init__(self, lineage: runner.Lineage) -> None:
        path = lineage.delivery.read_path
        self.lineage, self.path = lineage, path
        self.tf = c.inspect_text_file(path, _is_header)
        self.name_date = _date_in_name(path.stem)
        header = self.tf.header
        self.satzart = HAUSHALTE if "haushaltstyp" in header else EINWOHNER
        self.adresse = self.satzart == EINWOHNER and ("strasse" in header or "hausnummer" in header)
        if self.satzart == HAUSHALTE:
            self.pos = c.header_positions(self.tf, REQUIRED_HAUSHALTE)
        else:
            self.pos = c.header_positions(self.tf, REQUIRED_ADRESSE if self.adresse else REQUIRED, OPTIONAL)
        if self.adresse and "ortsteil" in header:
            raise DeliveryError(path, "the header has both ortsteil and strasse/hausnummer: expected either the "
                                      "Ortsteil key or the address", line=self.tf.header_line,
                                column=header.index("ortsteil") + 1)
        self.mit_sa = "staatsangehoerigkeit" in self.pos

    @property
    def schluessel(self) -> str:
        """The record's key, as the reason for a key delivered twice names it."""
        if self.satzart == HAUSHALTE:
            return "stichtag/ags/ortsteil/haushaltstyp"
        place = "strasse/hausnummer" if self.adresse else "ortsteil"
        return f"stichtag/ags/{place}/geschlecht/alter" + ("/staatsangehoerigkeit" if self.mit_sa else "")

    def columns(self) -> str:
        """SQL of the stage's columns from the file's fields (the same names and types for every file of a type)."""
        col = {name: f"c{i}" for name, i in self.pos.items()}
        common = (f"nullif(trim({col['stichtag']}), '') AS t_stichtag, {c.ags_sql(col['ags'])} AS ags, "
                  f"nullif(trim({col['anzahl']}), '') AS t_anzahl")
        if self.satzart == HAUSHALTE:
            return (f"{common}, {c.ortsteil_sql(col['ortsteil'])} AS ortsteil, "
                    f"lower(nullif(trim({col['haushaltstyp']}), '')) AS haushaltstyp")
        sa = col.get("staatsangehoerigkeit")
        nationality = (f"CASE WHEN regexp_full_match(trim({sa}), '[0-9]{{1,2}}') THEN lpad(trim({sa}), 3, '0') "
                       f"ELSE nullif(trim({sa}), '') END" if sa else "NULL::VARCHAR")
        if self.adresse:
            strasse, nummer = col["strasse"], col["hausnummer"]
            place = (f"NULL::VARCHAR AS ortsteil, {STRASSE_NORM_SQL.format(x=strasse)} AS strasse_norm, "
                     f"regexp_replace(lower(coalesce({nummer}, '')), '\\s', '', 'g') AS t_hausnummer, "
                     f"try_cast(regexp_extract(trim({nummer}), '^([0-9]{{1,5}})\\s*([a-zA-Z]|/[0-9]+)?$', 1) "
                     f"AS INTEGER) AS nummer")
        else:
            place = (f"{c.ortsteil_sql(col['ortsteil'])} AS ortsteil, NULL::VARCHAR AS strasse_norm, "
                     f"NULL::VARCHAR AS t_hausnummer, NULL::INTEGER AS nummer")
        return (f"{common}, {place}, lower(nullif(trim({col['geschlecht']}), '')) AS geschlecht, "
                f"nullif(trim({col['alter']}), '') AS t_alter, {nationality} AS staatsangehoerigkeit")

    def record_sql(self) -> str:
        """The JSON record of a rejected row (never an address)."""
        if self.satzart == HAUSHALTE:
            return ("{'stichtag': t_stichtag, 'ags': ags, 'ortsteil': ortsteil, 'haushaltstyp': haushaltstyp, "
                    "'anzahl': t_anzahl}")
        return ("{'stichtag': t_stichtag, 'ags': ags, " + ("" if self.adresse else "'ortsteil': ortsteil, ")
                + "'geschlecht': geschlecht, 'alter': t_alter, 'anzahl': t_anzahl"
                + (", 'staatsangehoerigkeit': staatsangehoerigkeit" if self.mit_sa else "") + "}")


def _stage(con: duckdb.DuckDBPyConnection, satzart: str, files: dict[int, _File], prefix: str) -> None:
    """The records of the new files of one type, typed and with the reasons of their row checks (per file: a key
    twice counts within its file), in STAGE[satzart]."""
    c.stage_records(con, RECORDS[satzart], {nr: f.tf for nr, f in files.items()}, lambda nr: files[nr].columns())
    if satzart == HAUSHALTE:
        typed, extra = "", []
        window = "nr, t_stichtag, ags, ortsteil, haushaltstyp"
    else:
        typed = ("CASE WHEN regexp_full_match(coalesce(t_alter, ''), '[0-9]{1,3}') AND t_alter::INTEGER <= 100 "
                 "THEN t_alter::INTEGER END AS alter, ")
        extra = [("NOT (coalesce(geschlecht, '') IN ('m', 'w', 'd'))", "'geschlecht: erwartet m, w oder d'"),
                 ("alter IS NULL", "'alter: erwartet ganze Zahl 0-100'")]
        # an address file's rows have no Ortsteil yet, a key file's no address: the same key as in either alone
        window = "nr, t_stichtag, ags, ortsteil, strasse_norm, t_hausnummer, geschlecht, t_alter, staatsangehoerigkeit"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {STAGE[satzart]} AS
        SELECT *, {c.reasons_sql(_checks(extra, 'schluessel'))} AS gruende FROM (
            SELECT r.*, d.name_date, d.schluessel, d.adresse, {STICHTAG_SQL.format(x='r.t_stichtag')} AS stichtag,
                   {typed}{ANZAHL_SQL}, hash(r.t_anzahl) AS h
            FROM {RECORDS[satzart]} AS r JOIN {FILES} AS d USING (nr))
        WINDOW k AS (PARTITION BY {window})""", {"prefix": prefix})
    con.execute(f"DROP TABLE {RECORDS[satzart]}")  # in the stage now (a run's records are not kept twice)


def _address_errors(con: duckdb.DuckDBPyConnection, files: dict[int, _File], counts: dict[int, tuple[int, int]],
                    region: object, prefix: str, limit: float, hinweise: dict[int, str]) -> dict[int, DeliveryError]:
    """Give every valid row of the address files `files` the Ortsteil of its address (the region profile's
    Straßenverzeichnis, in STAGE[EINWOHNER]); the DeliveryError of each file above `limit` of unknown addresses,
    else (some unknown) its warning text in `hinweise`."""
    stage = STAGE[EINWOHNER]
    folder = getattr(region, "path", None)
    verzeichnis = Path(folder) / STRASSEN_FILE if folder else None
    if verzeichnis is None or not verzeichnis.is_file() or not table_exists(con, "raw.region__ortsteile"):
        return {nr: DeliveryError(f.path, f"the extract carries addresses (strasse, hausnummer), but the region "
                                          f"profile has no {STRASSEN_FILE} to assign them to Ortsteile: expected the "
                                          f"Ortsteil key (column ortsteil) or a Straßenverzeichnis in the region profile",
                                  line=1, column=f"{f.pos['strasse'] + 1} (strasse)") for nr, f in files.items()}
    try:
        read_strassenverzeichnis(con, verzeichnis, prefix, STRASSEN)
    except DeliveryError as error:  # the profile's list is broken: no address file can be assigned
        return dict.fromkeys(files, error)
    numbers = c.numbers_sql(files)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {stage} AS
        WITH treffer AS (
            SELECT s.nr, s.zeile, v.ortsteil FROM {stage} AS s JOIN {STRASSEN} AS v
              ON v.ags = s.ags AND v.strasse_norm = s.strasse_norm
             AND (s.nummer IS NULL OR (s.nummer BETWEEN v.von AND v.bis
                  AND (v.seite = 'alle' OR (v.seite = 'gerade') = (s.nummer % 2 = 0))))
            WHERE len(s.gruende) = 0 AND s.nr IN ({numbers})),
        zuordnung AS (
            SELECT nr, zeile, CASE WHEN count(DISTINCT ortsteil) = 1 THEN min(ortsteil) END AS ortsteil_neu
            FROM treffer GROUP BY nr, zeile),
        strassen AS (SELECT DISTINCT ags, strasse_norm FROM {STRASSEN})
        SELECT s.* REPLACE (CASE WHEN s.nr IN ({numbers}) THEN z.ortsteil_neu ELSE s.ortsteil END AS ortsteil),
               (st.ags IS NOT NULL) AS strasse_bekannt
        FROM {stage} AS s LEFT JOIN zuordnung AS z USING (nr, zeile)
        LEFT JOIN strassen AS st ON st.ags = s.ags AND st.strasse_norm = s.strasse_norm""")
    errors: dict[int, DeliveryError] = {}
    for nr, unbekannt, einwohner, erste, bekannt, gemeinden in con.execute(f"""
            SELECT nr, count(*), coalesce(sum(anzahl), 0), min(zeile), arg_min(strasse_bekannt, zeile),
                   string_agg(DISTINCT ags, ', ' ORDER BY ags)
            FROM {stage} AS s WHERE s.nr IN ({numbers}) AND len(gruende) = 0 AND ortsteil IS NULL
              AND EXISTS (SELECT 1 FROM raw.region__ortsteile AS o WHERE o.ags = s.ags)
            GROUP BY nr""").fetchall():
        f = files[nr]
        records = counts[nr][0]
        share = unbekannt / records
        column = f"{f.pos['hausnummer'] + 1} (hausnummer)" if bekannt else f"{f.pos['strasse'] + 1} (strasse)"
        what = ("die Hausnummer liegt in keinem Bereich der Straße" if bekannt
                else "die Straße steht nicht im Straßenverzeichnis der Gemeinde")
        if share > limit:
            errors[nr] = DeliveryError(
                f.path, f"{unbekannt} von {records} Zeilen ({share:.2%}) haben eine Adresse, die {STRASSEN_FILE} des "
                        f"Regionsprofils nicht kennt, mehr als die erlaubten {limit:.0%} "
                        f"({runner.ENV_MAX_REJECT_SHARE}): hier {what}; "
                        f"erwartet eine Adresse des Straßenverzeichnisses (Verzeichnis ergänzen oder Schreibweise "
                        f"prüfen)", line=erste, column=column)
        else:
            hinweise[nr] = (f"{FAMILY}/{f.lineage.delivery.path.name}: {unbekannt} von {records} Zeilen ({share:.2%}, "
                            f"{einwohner} Einwohner) haben eine Adresse, die {STRASSEN_FILE} nicht kennt (zuerst Zeile "
                            f"{erste}, Spalte {column}): ohne Ortsteil geladen; die Gemeindesumme ist vollständig, "
                            f"Ortsteilwerte fehlen für diesen Stichtag in {gemeinden}")
    return errors


def _unlisted(con: duckdb.DuckDBPyConnection, satzart: str, files: dict[int, _File]) -> dict[int, DeliveryError]:
    """The first row of each file whose nationality (Einwohner with the column) or household type is not in the
    documented list: the file's DeliveryError."""
    if satzart == HAUSHALTE:
        column, known = "haushaltstyp", list(HAUSHALTSTYPEN)
        checked = files
    else:
        column, known = "staatsangehoerigkeit", sorted(staatsangehoerigkeiten())
        checked = {nr: f for nr, f in files.items() if f.mit_sa}
    errors: dict[int, DeliveryError] = {}
    if not checked:
        return errors
    for nr, zeile, value in con.execute(
            f"SELECT nr, zeile, {column} FROM {STAGE[satzart]} WHERE nr IN ({c.numbers_sql(checked)}) "
            f"AND len(gruende) = 0 AND ({column} IS NULL OR NOT list_contains($known, {column})) "
            f"QUALIFY row_number() OVER (PARTITION BY nr ORDER BY zeile) = 1", {"known": known}).fetchall():
        f = files[nr]
        shown = f"'{value}'" if value is not None else "leer"
        if satzart == HAUSHALTE:
            errors[nr] = DeliveryError(f.path, f"haushaltstyp {shown} ist kein Haushaltstyp der dokumentierten Liste: "
                                               f"erwartet {', '.join(HAUSHALTSTYPEN)}",
                                       line=zeile, column=f.pos["haushaltstyp"] + 1)
        else:
            errors[nr] = DeliveryError(
                f.path, f"staatsangehoerigkeit {shown} ist kein Schlüssel der dokumentierten Liste: erwartet "
                        f"einen 3-stelligen Staatsangehörigkeitsschlüssel des Statistischen Bundesamts "
                        f"(000 deutsch … 997 staatenlos, 998 ungeklärt, 999 ohne Angabe; "
                        f"data/reference/{STAATSANGEHOERIGKEIT_LISTE.name})",
                line=zeile, column=f.pos["staatsangehoerigkeit"] + 1)
    return errors


def _rows_sql(satzart: str, passed: list[int]) -> str:
    """The raw rows of the files that passed (`passed`), in the raw table's columns (COLUMNS, lineage) and with `nr`.
    Residents are summed per key (an address file's rows per Ortsteil: the raw table never holds an address)."""
    good = f"len(s.gruende) = 0 AND s.nr IN ({c.numbers_sql(passed)})"
    lineage = "d.datei, d.sha256, d.geladen_am, d.ist_demodaten"
    if satzart == HAUSHALTE:
        return (f"SELECT s.nr, s.stichtag, s.ags, s.ortsteil, s.haushaltstyp, s.anzahl, s.zeile, {lineage} "
                f"FROM {STAGE[satzart]} AS s JOIN {FILES} AS d USING (nr) WHERE {good}")
    return (f"SELECT s.nr, s.stichtag, s.ags, s.ortsteil, s.geschlecht, s.alter, sum(s.anzahl)::BIGINT AS anzahl, "
            f"min(s.zeile) AS zeile, s.staatsangehoerigkeit, {lineage} "
            f"FROM {STAGE[satzart]} AS s JOIN {FILES} AS d USING (nr) WHERE {good} "
            f"GROUP BY s.nr, s.stichtag, s.ags, s.ortsteil, s.geschlecht, s.alter, s.staatsangehoerigkeit, {lineage}")


def _rejects_and_rows(con: duckdb.DuckDBPyConnection, satzart: str, files: dict[int, _File],
                      passed: list[int]) -> dict[int, int]:
    """The rejects of the files that passed (`passed`) into REJECTS; their raw rows per file (`_rows_sql`, inserted
    by `_write` from the stage: the rows are not kept a second time)."""
    shapes: dict[str, list[int]] = {}
    for nr in passed:
        shapes.setdefault(files[nr].record_sql(), []).append(nr)
    for record, numbers in shapes.items():
        con.execute(f"""INSERT INTO {REJECTS}
            SELECT s.nr, d.datei, d.sha256, s.zeile, array_to_string(s.gruende, '; '), to_json({record}), d.geladen_am,
                   d.ist_demodaten
            FROM {STAGE[satzart]} AS s JOIN {FILES} AS d USING (nr)
            WHERE len(s.gruende) > 0 AND s.nr IN ({c.numbers_sql(numbers)})""")
    return dict(con.execute(f"SELECT nr, count(*) FROM ({_rows_sql(satzart, passed)}) GROUP BY nr").fetchall())


def _stichtage(con: duckdb.DuckDBPyConnection, satzart: str, passed: list[int]) -> dict[int, str]:
    """The Stichtage of each file's valid rows ('YYYY-MM-DD,…')."""
    return dict(con.execute(
        f"SELECT nr, string_agg(DISTINCT strftime(stichtag, '%Y-%m-%d'), ',') FROM {STAGE[satzart]} "
        f"WHERE len(gruende) = 0 AND nr IN ({c.numbers_sql(passed)}) GROUP BY nr").fetchall())


def _read_files(con: duckdb.DuckDBPyConnection, lineages: list[runner.Lineage], prefix: str, region: object,
                options: Options, hinweise: list[str]) -> runner.Batch:
    """Read and check the new files together: per file (in order) what it loads or the DeliveryError that refuses
    it (its first problem, in the order: header, reject share, Ortsteil key or addresses, listed codes), and the
    write of the rows of those that pass (from the stages and REJECTS)."""
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    files: dict[int, _File] = {}
    for nr, lineage in enumerate(lineages):
        try:
            files[nr] = _File(lineage)
        except DeliveryError as error:
            outcomes[nr] = error
    runner.files_table(con, FILES, {
        "nr": ("INTEGER", list(files)),
        "datei": ("VARCHAR", [f.lineage.delivery.path.name for f in files.values()]),
        "sha256": ("VARCHAR", [f.lineage.delivery.sha256 for f in files.values()]),
        "geladen_am": ("TIMESTAMP", [f.lineage.geladen_am for f in files.values()]),
        "ist_demodaten": ("BOOLEAN", [f.tf.ist_demodaten for f in files.values()]),
        "name_date": ("DATE", [f.name_date for f in files.values()]),
        "schluessel": ("VARCHAR", [f.schluessel for f in files.values()]),
        "adresse": ("BOOLEAN", [f.adresse for f in files.values()]),
    })
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REJECTS} (nr INTEGER, datei VARCHAR, sha256 VARCHAR, zeile BIGINT, "
                f"grund VARCHAR, datensatz JSON, geladen_am TIMESTAMP, ist_demodaten BOOLEAN)")
    notes: dict[int, str] = {}
    read: dict[str, list[int]] = {}  # record type -> the files of that type that pass
    for satzart in (EINWOHNER, HAUSHALTE):
        typed = {nr: f for nr, f in files.items() if f.satzart == satzart}
        if not typed:
            continue
        _stage(con, satzart, typed, prefix)
        counts, errors = runner.count_stages(con, STAGE[satzart], {nr: f.path for nr, f in typed.items()},
                                             options.max_reject_share)
        counts = {nr: counts.get(nr, (0, 0)) for nr in typed}
        adressen = {nr: f for nr, f in typed.items() if f.adresse and nr not in errors}
        if adressen:
            errors.update(_address_errors(con, adressen, counts, region, prefix, options.max_reject_share, notes))
        keyed = {nr: (f.path, f.pos["ortsteil"] + 1) for nr, f in typed.items() if not f.adresse and nr not in errors}
        if keyed:
            errors.update(c.ortsteil_key_errors(con, f"(SELECT * FROM {STAGE[satzart]} WHERE nr IN "
                                                     f"({c.numbers_sql(keyed)}))", keyed))
        errors.update(_unlisted(con, satzart, {nr: f for nr, f in typed.items() if nr not in errors}))
        outcomes.update(errors)
        passed = read[satzart] = [nr for nr in typed if nr not in errors]
        rows = _rejects_and_rows(con, satzart, typed, passed)
        stichtage = _stichtage(con, satzart, passed)
        for nr in passed:
            f, (records, rejected) = typed[nr], counts[nr]
            outcomes[nr] = runner.FileLoad(
                rows={satzart: rows.get(nr, 0)}, records=records, rejected=rejected,
                berichtszeitraum=stichtage.get(nr) or (f.name_date.isoformat() if f.name_date else None),
                ist_demodaten=f.tf.ist_demodaten, extra={"satzart": satzart})
            if nr in notes:
                hinweise.append(notes[nr])
    return runner.Batch([outcomes[nr] for nr in range(len(lineages))], lambda con: _write(con, read))


COLUMNS = {EINWOHNER: "stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile, staatsangehoerigkeit",
           HAUSHALTE: "stichtag, ags, ortsteil, haushaltstyp, anzahl, zeile"}


def _write(con: duckdb.DuckDBPyConnection, passed: dict[str, list[int]]) -> None:
    """Insert the rows and rejects of the files that passed (`_read_files`; `passed`: record type -> its files that
    passed), file after file, line after line (columns named: older warehouses got `staatsangehoerigkeit` appended
    after the lineage columns)."""
    lineage = "datei, sha256, geladen_am, ist_demodaten"
    for satzart, numbers in passed.items():
        con.execute(f"INSERT INTO raw.{FAMILY}__{satzart} ({COLUMNS[satzart]}, {lineage}) "
                    f"SELECT {COLUMNS[satzart]}, {lineage} FROM ({_rows_sql(satzart, numbers)}) ORDER BY nr, zeile")
    con.execute(f"INSERT INTO raw.{FAMILY}__rejects SELECT datei, sha256, zeile, grund, datensatz, geladen_am, "
                f"ist_demodaten FROM {REJECTS} ORDER BY nr, zeile")


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in (FILES, STRASSEN, REJECTS, *RECORDS.values(), *STAGE.values()):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def load_melderegister(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                       run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new Melderegister extracts into raw.melderegister__einwohner / raw.melderegister__haushalte, all new
    files of a run read and checked together (runner: `load_files`)."""
    options = options or Options()
    prefix = c.region_prefix(region)
    hinweise: list[str] = []

    @contextmanager
    def load_files(con: duckdb.DuckDBPyConnection, lineages: list[runner.Lineage]) -> Iterator[runner.Batch]:
        try:
            found: list[str] = []
            yield _read_files(con, lineages, prefix, region, options, found)
            hinweise.extend(found)  # only the hints of a read that was written (not of one retried file by file)
        finally:
            _drop(con)

    _migrate(con)
    result = runner.run_confidential(con, paths, FAMILY, TABLES, load_files=load_files,
                                     lieferungen_extra=LIEFERUNGEN_EXTRA, audit=audit, run_id=run_id)
    result.hints += hinweise
    return result
