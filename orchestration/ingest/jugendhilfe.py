"""Jugendamt Fachverfahren exports: Hilfen, § 8a Gefährdungseinschätzungen, § 42/42a Inobhutnahmen.

`LANDING/jugendhilfe/*.csv` (layouts: docs/deliveries.md). The record type of a file is recognised from
its header line (`hilfeart` → Hilfen, `ergebnis` → § 8a, `paragraph` → § 42). Privacy:

- name and address columns (`nachname, vorname, strasse, hausnummer, plz, ort`) — and any column this
  module does not know — are never selected from `read_csv`: they are parsed by DuckDB's CSV reader and
  dropped in the same scan, so they reach no table (not even a temporary one), reject row, log or error;
- `fall_id` is replaced by `fall_pseudonym` = HMAC-SHA-256(key, trimmed fall_id) in that same scan
  (computed in SQL, see `pseudonym.py`), so the plain id is not stored either;
- a real (non-demo) delivery without a configured key stops the run before anything is loaded.

Row checks (reasons in `raw.jugendhilfe__rejects`, records there as JSON of the pseudonymised,
name-free fields): missing fall_id, unknown Hilfeart / ergebnis / paragraph, invalid dates, `ende` before
`beginn`, dates after the export's reference date (31.12. of the year in the file name), birth date after
the begin of the Hilfe or in the future, invalid sex / age / j-n-u flags, a `beendigungsgrund` or `anlass` that
is not one of the listed labels (`BEENDIGUNGSGRUENDE`, `ANLAESSE`; its text is not kept in the reject either),
`wohnort_ags` not an 8-digit AGS
or outside the region, the same fall_id twice with different content (all its rows) or as an identical copy
(the later copies). A file whose reject share exceeds the run's maximum (`Options.max_reject_share`, setting
`max_reject_share`) is quarantined.

Ortsteil (all three record types): an optional column `wohnort_ortsteil`, the 3-digit `ortsteil_schluessel` of
the region profile's `ortsteile.csv` for `wohnort_ags` (`1`, `01` are padded; empty = no Ortsteil). A key the
profile does not list for that Gemeinde, or a row without a key in a Gemeinde whose other rows of the file carry
one (its cases would be missing from the Ortsteil sums), refuses the whole file naming file, line and column —
the Melderegister's rule (`_confidential.check_ortsteile`). Stored as `wohnort_ortsteil` (NULL without the key).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import privacy
from orchestration.ingest import _confidential as c
from orchestration.ingest import runner
from orchestration.ingest.delivery import Delivery, DeliveryError, IngestResult
from orchestration.ingest.pseudonym import PseudonymKey, hmac_sql, require_key
from orchestration.ingest.runner import Audit, Options
from orchestration.settings import Paths
from orchestration.warehouse import table_exists

FAMILY = "jugendhilfe"
HILFEARTEN = ("27_2", "28", "29", "30", "31", "32", "33", "34", "35", "35a", "41")
ERGEBNISSE = ("akut", "latent", "hilfebedarf", "keine")
PARAGRAPHEN = ("42", "42a")
GESCHLECHT = ("m", "w", "d")
JNU = ("j", "n", "u")
# The text fields of the exports take only these labels (KJH-Statistik; case and spacing free): a free text
# could carry a name or anything else, and nothing unchecked from outside is stored, not even in a reject row.
BEENDIGUNGSGRUENDE = ("Beendigung gemäß Hilfeplan", "Abbruch durch die Sorgeberechtigten / den jungen Menschen",
                      "Abbruch durch die Einrichtung / den Dienst", "Zuständigkeitswechsel an ein anderes Jugendamt",
                      "Adoptionspflege / Adoption", "Erreichen der Volljährigkeit",
                      "Erreichen der Altersgrenze (21 Jahre)", "sonstige Gründe")
ANLAESSE = ("Überforderung der Eltern / eines Elternteils", "Vernachlässigung",
            "Anzeichen für körperliche Misshandlung", "Anzeichen für psychische Misshandlung",
            "Anzeichen für sexuelle Gewalt", "Beziehungsprobleme", "Integrationsprobleme im Heim / in der Pflegefamilie",
            "Delinquenz des Kindes / Straftat des Jugendlichen", "Suchtprobleme des Kindes / Jugendlichen",
            "Schul- / Ausbildungsprobleme", "Wohnungsprobleme", "Unbegleitete Einreise aus dem Ausland",
            "sonstige Probleme")
_TEXTE = {"beendigungsgruende": BEENDIGUNGSGRUENDE, "anlaesse": ANLAESSE}


def _vergleich(label: str) -> str:
    """A label as it is compared: lower case, runs of spaces as one."""
    return " ".join(label.lower().split())


# the allowed codes, bound as list parameters `$codes_<name>` of the stage query (a text field's labels as
# compared, `$codes_<name>`, and as stored, `$codes_<name>_text`)
CODES = {"hilfearten": HILFEARTEN, "ergebnisse": ERGEBNISSE, "paragraphen": PARAGRAPHEN, "geschlecht": GESCHLECHT,
         "jnu": JNU,
         **{name: tuple(_vergleich(t) for t in texte) for name, texte in _TEXTE.items()},
         **{f"{name}_text": texte for name, texte in _TEXTE.items()}}
MAX_ALTER = 17  # § 8a and § 42 concern children and juveniles (under 18)

_LINEAGE_SELECT = "$datei, $sha256, $geladen_am, $demo"


@dataclass(frozen=True)
class RecordType:
    name: str  # raw table suffix
    key_column: str  # the header column that identifies the type
    columns: tuple[str, ...]  # required columns (without names/addresses)
    ddl: str


RECORD_TYPES = (
    RecordType(
        "hilfen", "hilfeart",
        ("fall_id", "hilfeart", "beginn", "ende", "geburtsmonat", "geburtsjahr", "geschlecht", "wohnort_ags",
         "alleinerziehend", "transferleistung", "beendigungsgrund"),
        "fall_pseudonym VARCHAR NOT NULL, hilfeart VARCHAR NOT NULL, beginn DATE NOT NULL, ende DATE, "
        "geburtsdatum DATE NOT NULL, geschlecht VARCHAR NOT NULL, wohnort_ags VARCHAR NOT NULL, "
        "alleinerziehend VARCHAR NOT NULL, transferleistung VARCHAR NOT NULL, beendigungsgrund VARCHAR, "
        "zeile BIGINT NOT NULL",
    ),
    RecordType(
        "gefaehrdungen", "ergebnis",
        ("fall_id", "datum", "alter", "geschlecht", "wohnort_ags", "ergebnis"),
        "fall_pseudonym VARCHAR NOT NULL, datum DATE NOT NULL, alter INTEGER NOT NULL, geschlecht VARCHAR NOT NULL, "
        "wohnort_ags VARCHAR NOT NULL, ergebnis VARCHAR NOT NULL, zeile BIGINT NOT NULL",
    ),
    RecordType(
        "inobhutnahmen", "paragraph",
        ("fall_id", "paragraph", "beginn", "ende", "anlass", "unbegleitet", "alter", "geschlecht", "wohnort_ags"),
        "fall_pseudonym VARCHAR NOT NULL, paragraph VARCHAR NOT NULL, beginn DATE NOT NULL, ende DATE, "
        "anlass VARCHAR, unbegleitet BOOLEAN NOT NULL, alter INTEGER NOT NULL, geschlecht VARCHAR NOT NULL, "
        "wohnort_ags VARCHAR NOT NULL, zeile BIGINT NOT NULL",
    ),
)
ORTSTEIL = "wohnort_ortsteil"  # optional column (every record type)
TABLES = {rt.name: rt.ddl + f", {ORTSTEIL} VARCHAR" for rt in RECORD_TYPES}
_KEYS = {rt.key_column for rt in RECORD_TYPES}


def _is_header(fields: list[str]) -> bool:
    return "fall_id" in fields and any(k in fields for k in _KEYS)


def record_type(tf: c.TextFile) -> RecordType:
    matches = [rt for rt in RECORD_TYPES if rt.key_column in tf.header]
    if len(matches) != 1:
        raise DeliveryError(
            tf.path,
            "unrecognised header: expected exactly one of the columns hilfeart (Hilfen), ergebnis (§ 8a), "
            "paragraph (§ 42) next to fall_id",
            line=tf.header_line,
        )
    return matches[0]


def _not_in(column: str, codes: str) -> str:
    """Condition: the (lower-cased) text column is empty or not one of the allowed `CODES[codes]`."""
    assert codes in CODES
    return f"NOT list_contains($codes_{codes}, coalesce({column}, ''))"


def _code_params(sql: str) -> dict[str, list[str]]:
    """The code lists the statement `sql` refers to."""
    return {f"codes_{name}": list(values) for name, values in CODES.items() if f"$codes_{name}" in sql}


def _label(column: str, codes: str) -> str:
    """The stored label of a text field (NULL when empty or not one of `CODES[codes]`, compared as `_vergleich`)."""
    assert codes in _TEXTE
    return (f"$codes_{codes}_text[list_position($codes_{codes}, "
            f"lower(regexp_replace(trim({column}), '\\s+', ' ', 'g')))]")


def _month(expr: str) -> str:
    return f"CASE WHEN regexp_full_match({expr}, '[0-9]{{4}}-[0-9]{{2}}') THEN try_strptime({expr} || '-01', '%Y-%m-%d')::DATE END"


def _day(expr: str) -> str:
    return f"CASE WHEN regexp_full_match({expr}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_strptime({expr}, '%Y-%m-%d')::DATE END"


def _int(expr: str) -> str:
    return f"CASE WHEN regexp_full_match({expr}, '[0-9]{{1,4}}') THEN {expr}::INTEGER END"


# Per record type: typed expressions over the text columns `t_<name>`, the checks, the output columns.
def _typed_and_checks(rt: RecordType) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    ags_checks = [
        ("NOT regexp_full_match(coalesce(t_wohnort_ags, ''), '[0-9]{8}')",
         "'wohnort_ags: erwartet 8-stelligen AGS'"),
        ("regexp_full_match(coalesce(t_wohnort_ags, ''), '[0-9]{8}') AND NOT starts_with(t_wohnort_ags, $prefix)",
         "'wohnort_ags außerhalb der Region'"),
    ]
    common = [
        ("fall_pseudonym IS NULL", "'fall_id fehlt'"),
        (_not_in('t_geschlecht', 'geschlecht'), "'geschlecht: erwartet m, w oder d'"),
        *ags_checks,
    ]
    if rt.name == "hilfen":
        typed = [
            _month("t_beginn") + " AS beginn",
            _month("t_ende") + " AS ende",
            f"CASE WHEN {_int('t_geburtsmonat')} BETWEEN 1 AND 12 AND {_int('t_geburtsjahr')} BETWEEN 1900 AND 2999 "
            f"THEN make_date({_int('t_geburtsjahr')}, {_int('t_geburtsmonat')}, 1) END AS geburtsdatum",
            _label("t_beendigungsgrund", "beendigungsgruende") + " AS beendigungsgrund",
        ]
        checks = common + [
            (_not_in('t_hilfeart', 'hilfearten'),
             f"'hilfeart: unbekannter Code (erwartet {', '.join(HILFEARTEN)})'"),
            ("beginn IS NULL", "'beginn: erwartet Monat YYYY-MM'"),
            ("t_ende IS NOT NULL AND ende IS NULL", "'ende: erwartet Monat YYYY-MM oder leer'"),
            ("ende < beginn", "'ende vor beginn'"),
            ("beginn > $stichtag", "'beginn nach dem Stichtag des Exports'"),
            ("ende > $stichtag", "'ende nach dem Stichtag des Exports'"),
            ("geburtsdatum IS NULL", "'geburtsmonat/geburtsjahr: erwartet Monat 1-12 und vierstelliges Jahr'"),
            ("geburtsdatum > $stichtag", "'Geburtsdatum in der Zukunft (nach dem Stichtag des Exports)'"),
            ("geburtsdatum <= $stichtag AND geburtsdatum > beginn", "'Geburtsdatum nach beginn der Hilfe'"),
            (_not_in('t_alleinerziehend', 'jnu'),
             "'alleinerziehend: erwartet j, n oder u'"),
            (_not_in('t_transferleistung', 'jnu'),
             "'transferleistung: erwartet j, n oder u'"),
            ("t_beendigungsgrund IS NOT NULL AND beendigungsgrund IS NULL",
             "'beendigungsgrund: kein Grund der Liste (docs/deliveries.md: " + "; ".join(BEENDIGUNGSGRUENDE) + ")'"),
        ]
        out = ["fall_pseudonym", "t_hilfeart", "beginn", "ende", "geburtsdatum", "t_geschlecht", "t_wohnort_ags",
               "t_alleinerziehend", "t_transferleistung", "beendigungsgrund", "zeile"]
    elif rt.name == "gefaehrdungen":
        typed = [_day("t_datum") + " AS datum", _int("t_alter") + " AS alter_"]
        checks = common + [
            ("datum IS NULL", "'datum: erwartet Datum YYYY-MM-DD'"),
            ("datum > $stichtag", "'datum nach dem Stichtag des Exports'"),
            (f"alter_ IS NULL OR alter_ > {MAX_ALTER}", f"'alter: erwartet ganze Zahl 0-{MAX_ALTER}'"),
            (_not_in('t_ergebnis', 'ergebnisse'),
             f"'ergebnis: erwartet {', '.join(ERGEBNISSE)}'"),
        ]
        out = ["fall_pseudonym", "datum", "alter_", "t_geschlecht", "t_wohnort_ags", "t_ergebnis", "zeile"]
    else:
        typed = [
            _day("t_beginn") + " AS beginn",
            _day("t_ende") + " AS ende",
            _int("t_alter") + " AS alter_",
            "CASE t_unbegleitet WHEN 'j' THEN true WHEN 'n' THEN false END AS unbegleitet",
            _label("t_anlass", "anlaesse") + " AS anlass",
        ]
        checks = common + [
            (_not_in('t_paragraph', 'paragraphen'), "'paragraph: erwartet 42 oder 42a'"),
            ("beginn IS NULL", "'beginn: erwartet Datum YYYY-MM-DD'"),
            ("t_ende IS NOT NULL AND ende IS NULL", "'ende: erwartet Datum YYYY-MM-DD oder leer'"),
            ("ende < beginn", "'ende vor beginn'"),
            ("beginn > $stichtag", "'beginn nach dem Stichtag des Exports'"),
            ("ende > $stichtag", "'ende nach dem Stichtag des Exports'"),
            ("unbegleitet IS NULL", "'unbegleitet: erwartet j oder n'"),
            ("t_anlass IS NOT NULL AND anlass IS NULL",
             "'anlass: kein Anlass der Liste (docs/deliveries.md)'"),
            (f"alter_ IS NULL OR alter_ > {MAX_ALTER}", f"'alter: erwartet ganze Zahl 0-{MAX_ALTER}'"),
        ]
        out = ["fall_pseudonym", "t_paragraph", "beginn", "ende", "anlass", "unbegleitet", "alter_", "t_geschlecht",
               "t_wohnort_ags", "zeile"]
    return typed, checks, out


_TEXT_COLUMNS = {"beendigungsgrund", "anlass"}  # checked against _TEXTE, stored as the list's label
_LOWERED = {"hilfeart", "geschlecht", "alleinerziehend", "transferleistung", "ergebnis", "paragraph", "unbegleitet"}


def _stage_sql(rt: RecordType, tf: c.TextFile, positions: dict[str, int]) -> str:
    """One scan: read, drop unknown/name columns, pseudonymise, type, check, find duplicates."""
    text_cols = [col for col in rt.columns if col != "fall_id"]
    fall = f"trim(c{positions['fall_id']})"
    select = [
        f"row_number() OVER () + {tf.skip} AS zeile",
        f"CASE WHEN nullif({fall}, '') IS NOT NULL THEN {hmac_sql(fall)} END AS fall_pseudonym",
    ]
    for col in text_cols:
        expr = f"nullif(trim(c{positions[col]}), '')"
        if col == "wohnort_ags":
            expr = f"nullif({c.ags_sql(f'c{positions[col]}')}, '')"
        elif col in _LOWERED:
            expr = f"lower({expr})"
        select.append(f"{expr} AS t_{col}")
    select.append(f"{c.ortsteil_sql(f'c{positions[ORTSTEIL]}')} AS {ORTSTEIL}" if ORTSTEIL in positions
                  else f"NULL::VARCHAR AS {ORTSTEIL}")
    typed, checks, _ = _typed_and_checks(rt)
    record = ", ".join(["fall_pseudonym", *(f"t_{col}" for col in text_cols), ORTSTEIL])
    return f"""
        CREATE OR REPLACE TEMP TABLE _jh_stage AS
        WITH src AS (
            SELECT {', '.join(select)} FROM {c.csv_source('$path', len(tf.header), tf)}
        ), typed AS (
            SELECT *, {', '.join(typed)},
                   hash({record}) AS inhalt,
                   min(hash({record})) OVER (PARTITION BY fall_pseudonym) AS inhalt_min,
                   max(hash({record})) OVER (PARTITION BY fall_pseudonym) AS inhalt_max,
                   row_number() OVER (PARTITION BY fall_pseudonym ORDER BY zeile) AS kopie
            FROM src
        )
        SELECT *, list_concat({c.reasons_sql(checks)}, {c.reasons_sql([
            ("fall_pseudonym IS NOT NULL AND inhalt_min <> inhalt_max",
             "'fall_id mehrfach mit widersprüchlichem Inhalt'"),
            ("fall_pseudonym IS NOT NULL AND inhalt_min = inhalt_max AND kopie > 1",
             "'Datensatz doppelt (identische Wiederholung)'"),
        ])}) AS gruende
        FROM typed
    """


def _columns(rt: RecordType) -> str:
    """The raw table's columns in the order the INSERT selects them (named: older warehouses got
    `wohnort_ortsteil` appended after the lineage columns by `_migrate`)."""
    names = [part.split()[0] for part in rt.ddl.split(", ")]
    return ", ".join([*names, ORTSTEIL, "datei", "sha256", "geladen_am", "ist_demodaten"])


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """`wohnort_ortsteil` for raw tables of a warehouse built before it (NULL for the old rows)."""
    for rt in RECORD_TYPES:
        if table_exists(con, f"raw.{FAMILY}__{rt.name}"):
            con.execute(f"ALTER TABLE raw.{FAMILY}__{rt.name} ADD COLUMN IF NOT EXISTS {ORTSTEIL} VARCHAR")


def _head_is_demo(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(c._HEAD_BYTES)
    return c.DEMO_MARKER.encode() in head


def load_jugendhilfe(con: duckdb.DuckDBPyConnection, paths: Paths, region: object, audit: Audit | None = None,
                     run_id: str | None = None, options: Options | None = None) -> IngestResult:
    """Load new Jugendamt exports into raw.jugendhilfe__* (pseudonymised, names dropped)."""
    options = options or Options()
    prefix = c.region_prefix(region)
    state: dict[str, PseudonymKey] = {}
    _migrate(con)

    def before_loading(new: list[Delivery]) -> None:
        # Refuse before anything is loaded when a real delivery meets a build without a key.
        state["key"] = require_key(options.key, demo=all(_head_is_demo(d.read_path) for d in new))

    def load_file(con: duckdb.DuckDBPyConnection, lineage: runner.Lineage) -> runner.FileLoad:
        path = lineage.delivery.read_path
        tf = c.inspect_text_file(path, _is_header)
        rt = record_type(tf)
        positions = c.header_positions(tf, rt.columns, [ORTSTEIL, *(n for n in tf.header if privacy.is_personal(n))])
        year = c.year_in_name(path)
        stichtag = dt.date(year, 12, 31) if year else dt.date.today()
        key = state["key"]
        stage = _stage_sql(rt, tf, positions)
        params = {"path": str(path), "prefix": prefix, "stichtag": stichtag, **_code_params(stage), **key.sql_params()}
        with c.staged(con, path, "_jh_stage", stage, params):
            records, rejected = runner.count_stage(con, path, "_jh_stage", options.max_reject_share)
            if ORTSTEIL in positions:
                c.check_ortsteile(con, path, "_jh_stage", positions[ORTSTEIL] + 1, ags="t_wohnort_ags",
                                  ortsteil=ORTSTEIL, partition=(), what="Fälle")
            _, _, out = _typed_and_checks(rt)
            con.execute(
                f"INSERT INTO raw.{FAMILY}__{rt.name} ({_columns(rt)}) SELECT {', '.join(out)}, {ORTSTEIL}, "
                f"{_LINEAGE_SELECT} "
                "FROM _jh_stage WHERE len(gruende) = 0 ORDER BY zeile",
                {**lineage.params, "demo": tf.ist_demodaten},
            )
            record = "{" + ", ".join(
                ["'fall_pseudonym': fall_pseudonym"]
                # a text field as its checked label (NULL when it is not one): its delivered text is not kept
                + [f"'{col}': {col if col in _TEXT_COLUMNS else 't_' + col}" for col in rt.columns if col != "fall_id"]
                + ([f"'{ORTSTEIL}': {ORTSTEIL}"] if ORTSTEIL in positions else [])
            ) + "}"
            runner.write_rejects(con, FAMILY, "_jh_stage", record, lineage, tf.ist_demodaten)
        return runner.FileLoad(
            rows={rt.name: records - rejected},
            records=records,
            rejected=rejected,
            berichtszeitraum=str(year) if year else None,
            ist_demodaten=tf.ist_demodaten,
            extra={"satzart": rt.name, "schluessel_id": key.key_id},
        )

    return runner.run_confidential(
        con, paths, FAMILY, TABLES, load_file,
        lieferungen_extra=", satzart VARCHAR, schluessel_id VARCHAR",
        before_loading=before_loading, audit=audit, run_id=run_id,
    )
