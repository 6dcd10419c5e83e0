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

    hinweise: list[str] = []

    def load_einwohner(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, tf: c.TextFile,
                       name_date: dt.date | None) -> runner.FileLoad:
        path = lineage.delivery.read_path
        adresse = "strasse" in tf.header or "hausnummer" in tf.header
        pos = c.header_positions(tf, REQUIRED_ADRESSE if adresse else REQUIRED, OPTIONAL)
        if adresse and "ortsteil" in tf.header:
            raise DeliveryError(path, "the header has both ortsteil and strasse/hausnummer: expected either the "
                                      "Ortsteil key or the address", line=tf.header_line,
                                column=tf.header.index("ortsteil") + 1)
        has_sa = "staatsangehoerigkeit" in pos
        sa = (f"CASE WHEN regexp_full_match(trim(c{pos['staatsangehoerigkeit']}), '[0-9]{{1,2}}') "
              f"THEN lpad(trim(c{pos['staatsangehoerigkeit']}), 3, '0') "
              f"ELSE nullif(trim(c{pos['staatsangehoerigkeit']}), '') END") if has_sa else "NULL::VARCHAR"
        place = "strasse/hausnummer" if adresse else "ortsteil"
        key = f"stichtag/ags/{place}/geschlecht/alter" + ("/staatsangehoerigkeit" if has_sa else "")
        checks = _checks([
            ("NOT (coalesce(geschlecht, '') IN ('m', 'w', 'd'))", "'geschlecht: erwartet m, w oder d'"),
            ("alter IS NULL", "'alter: erwartet ganze Zahl 0-100'"),
        ], key)
        if adresse:
            strasse, nummer = f"c{pos['strasse']}", f"c{pos['hausnummer']}"
            ags = c.ags_sql(f"c{pos['ags']}")
            common = (f"row_number() OVER () + {tf.skip} AS zeile, nullif(trim(c{pos['stichtag']}), '') AS t_stichtag, "
                      f"{ags} AS ags, "
                      f"{STRASSE_NORM_SQL.format(x=strasse)} AS strasse_norm, "
                      f"regexp_replace(lower(coalesce({nummer}, '')), '\\s', '', 'g') AS t_hausnummer, "
                      f"try_cast(regexp_extract(trim({nummer}), '^([0-9]{{1,5}})\\s*([a-zA-Z]|/[0-9]+)?$', 1) "
                      f"AS INTEGER) AS nummer, NULL::VARCHAR AS ortsteil, "
                      f"nullif(trim(c{pos['anzahl']}), '') AS t_anzahl")
            window = "t_stichtag, ags, strasse_norm, t_hausnummer, geschlecht, t_alter, staatsangehoerigkeit"
        else:
            common = _stage_common(tf, pos)
            window = "t_stichtag, ags, ortsteil, geschlecht, t_alter, staatsangehoerigkeit"
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
                        SELECT {common},
                               lower(nullif(trim(c{pos['geschlecht']}), '')) AS geschlecht,
                               nullif(trim(c{pos['alter']}), '') AS t_alter,
                               {sa} AS staatsangehoerigkeit
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY {window})""",
                {"path": str(path), "prefix": prefix, "name_date": name_date},
            )
        except duckdb.Error as error:
            raise c.csv_error(path, error) from None
        try:
            records, rejected = runner.count_stage(con, path, "_mr_stage", options.max_reject_share)
            hinweis = None
            if adresse:
                hinweis = _assign_ortsteile(con, path, lineage.delivery.path.name, pos, records)
            else:
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
            # address rows are summed per Ortsteil: the raw table never holds an address
            con.execute(
                f"""INSERT INTO raw.{FAMILY}__einwohner (stichtag, ags, ortsteil, geschlecht, alter, anzahl, zeile,
                    staatsangehoerigkeit, datei, sha256, geladen_am, ist_demodaten)
                SELECT stichtag, ags, ortsteil, geschlecht, alter, sum(anzahl)::BIGINT, min(zeile), staatsangehoerigkeit,
                       $datei, $sha256, $geladen_am, $demo
                FROM _mr_stage WHERE len(gruende) = 0
                GROUP BY stichtag, ags, ortsteil, geschlecht, alter, staatsangehoerigkeit ORDER BY min(zeile)""",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            loaded, = con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT stichtag, ags, ortsteil, geschlecht, alter, staatsangehoerigkeit "
                "FROM _mr_stage WHERE len(gruende) = 0)").fetchone()
            record = ("{'stichtag': t_stichtag, 'ags': ags, "
                      + ("" if adresse else "'ortsteil': ortsteil, ")
                      + "'geschlecht': geschlecht, 'alter': t_alter, 'anzahl': t_anzahl"
                      + (", 'staatsangehoerigkeit': staatsangehoerigkeit" if has_sa else "") + "}")
            runner.write_rejects(con, FAMILY, "_mr_stage", record, lineage, tf.ist_demodaten)
            stichtage, = con.execute(
                "SELECT string_agg(DISTINCT strftime(stichtag, '%Y-%m-%d'), ',') FROM _mr_stage "
                "WHERE len(gruende) = 0").fetchone()
        finally:
            con.execute("DROP TABLE IF EXISTS _mr_stage")
            con.execute("DROP TABLE IF EXISTS _mr_strassen")
        if hinweis:
            hinweise.append(hinweis)
        return runner.FileLoad(rows={EINWOHNER: loaded}, records=records, rejected=rejected,
                               berichtszeitraum=stichtage or (name_date.isoformat() if name_date else None),
                               ist_demodaten=tf.ist_demodaten, extra={"satzart": EINWOHNER})

    def _assign_ortsteile(con: duckdb.DuckDBPyConnection, path: Path, name: str, pos: dict[str, int],
                          records: int) -> str | None:
        """Give every valid row of _mr_stage the Ortsteil of its address (Straßenverzeichnis of the region
        profile); DeliveryError above the run's max_reject_share of unknown addresses, else a warning text or None."""
        folder = getattr(region, "path", None)
        verzeichnis = Path(folder) / STRASSEN_FILE if folder else None
        if verzeichnis is None or not verzeichnis.is_file() or not table_exists(con, "raw.region__ortsteile"):
            raise DeliveryError(path, f"the extract carries addresses (strasse, hausnummer), but the region profile "
                                      f"has no {STRASSEN_FILE} to assign them to Ortsteile: expected the Ortsteil key "
                                      f"(column ortsteil) or a Straßenverzeichnis in the region profile",
                                line=1, column=f"{pos['strasse'] + 1} (strasse)")
        read_strassenverzeichnis(con, verzeichnis, prefix, "_mr_strassen")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _mr_stage AS
            WITH treffer AS (
                SELECT s.zeile, v.ortsteil FROM _mr_stage AS s JOIN _mr_strassen AS v
                  ON v.ags = s.ags AND v.strasse_norm = s.strasse_norm
                 AND (s.nummer IS NULL OR (s.nummer BETWEEN v.von AND v.bis
                      AND (v.seite = 'alle' OR (v.seite = 'gerade') = (s.nummer % 2 = 0))))
                WHERE len(s.gruende) = 0),
            zuordnung AS (
                SELECT zeile, CASE WHEN count(DISTINCT ortsteil) = 1 THEN min(ortsteil) END AS ortsteil_neu
                FROM treffer GROUP BY zeile),
            strassen AS (SELECT DISTINCT ags, strasse_norm FROM _mr_strassen)
            SELECT s.* REPLACE (z.ortsteil_neu AS ortsteil),
                   (st.ags IS NOT NULL) AS strasse_bekannt
            FROM _mr_stage AS s LEFT JOIN zuordnung AS z USING (zeile)
            LEFT JOIN strassen AS st ON st.ags = s.ags AND st.strasse_norm = s.strasse_norm""")
        unbekannt, einwohner, erste, bekannt, gemeinden = con.execute("""
            SELECT count(*), coalesce(sum(anzahl), 0), min(zeile), arg_min(strasse_bekannt, zeile),
                   string_agg(DISTINCT ags, ', ' ORDER BY ags)
            FROM _mr_stage AS s WHERE len(gruende) = 0 AND ortsteil IS NULL
              AND EXISTS (SELECT 1 FROM raw.region__ortsteile AS o WHERE o.ags = s.ags)""").fetchone()
        if not unbekannt:
            return None
        share = unbekannt / records
        column = f"{pos['hausnummer'] + 1} (hausnummer)" if bekannt else f"{pos['strasse'] + 1} (strasse)"
        what = ("die Hausnummer liegt in keinem Bereich der Straße" if bekannt
                else "die Straße steht nicht im Straßenverzeichnis der Gemeinde")
        if share > options.max_reject_share:
            raise DeliveryError(
                path, f"{unbekannt} von {records} Zeilen ({share:.2%}) haben eine Adresse, die {STRASSEN_FILE} des "
                      f"Regionsprofils nicht kennt, mehr als die erlaubten {options.max_reject_share:.0%} "
                      f"({runner.ENV_MAX_REJECT_SHARE}): hier {what}; "
                      f"erwartet eine Adresse des Straßenverzeichnisses (Verzeichnis ergänzen oder Schreibweise "
                      f"prüfen)", line=erste, column=column)
        return (f"{FAMILY}/{name}: {unbekannt} von {records} Zeilen ({share:.2%}, {einwohner} Einwohner) haben eine "
                f"Adresse, die {STRASSEN_FILE} nicht kennt (zuerst Zeile {erste}, Spalte {column}): ohne Ortsteil "
                f"geladen; die Gemeindesumme ist vollständig, Ortsteilwerte fehlen für diesen Stichtag in "
                f"{gemeinden}")

    def load_haushalte(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage, tf: c.TextFile,
                       name_date: dt.date | None) -> runner.FileLoad:
        path = lineage.delivery.read_path
        pos = c.header_positions(tf, REQUIRED_HAUSHALTE)
        checks = _checks([], "stichtag/ags/ortsteil/haushaltstyp")
        with c.staged(
                con, path, "_mr_stage",
                f"""CREATE OR REPLACE TEMP TABLE _mr_stage AS
                SELECT *, {c.reasons_sql(checks)} AS gruende FROM (
                    SELECT *, {STICHTAG_SQL.format(x='t_stichtag')} AS stichtag, {ANZAHL_SQL},
                           hash(t_anzahl) AS h
                    FROM (
                        SELECT {_stage_common(tf, pos)},
                               lower(nullif(trim(c{pos['haushaltstyp']}), '')) AS haushaltstyp
                        FROM {c.csv_source('$path', len(tf.header), tf)}))
                WINDOW k AS (PARTITION BY t_stichtag, ags, ortsteil, haushaltstyp)""",
                {"path": str(path), "prefix": prefix, "name_date": name_date}):
            records, rejected = runner.count_stage(con, path, "_mr_stage", options.max_reject_share)
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
    result = runner.run_confidential(con, paths, FAMILY, TABLES, load_file, lieferungen_extra=LIEFERUNGEN_EXTRA,
                                     audit=audit, run_id=run_id)
    result.hints += hinweise
    return result
