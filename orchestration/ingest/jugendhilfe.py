"""Jugendamt Fachverfahren exports: Hilfen, § 8a Gefährdungseinschätzungen, § 42/42a Inobhutnahmen.

`LANDING/jugendhilfe/*.csv` (layouts: docs/deliveries.md). The record type of a file is recognised from
its header line (`hilfeart` → Hilfen, `ergebnis` → § 8a, `paragraph` → § 42). Privacy:

- name and address columns (`nachname, vorname, strasse, hausnummer, plz, ort`) — and any column this
  module does not know — are never selected from `read_csv`: they are parsed by DuckDB's CSV reader and
  dropped in the same scan, so they reach no table (not even a temporary one), reject row, log or error;
- `fall_id` is replaced by `fall_pseudonym` = HMAC-SHA-256(key, trimmed fall_id) in that same scan
  (computed in SQL, see `pseudonym.py`), so the plain id is not stored either;
- a real (non-demo) delivery without a configured key stops the run before anything is loaded.

All new exports of a run are read and checked together (runner `load_files`): one `read_csv` per record type and
dialect (`_confidential.stage_records`, the pseudonym computed in that read), one query per check for all files, each
check per file as if it were loaded alone; the rows and rejects of the files that pass are written in one transaction.
A bad file is refused alone; when DuckDB cannot read one of them, the files are loaded one at a time, so that the
error names that file.

Row checks (reasons in `raw.jugendhilfe__rejects`, records there as JSON of the pseudonymised,
name-free fields): missing fall_id, unknown Hilfeart / ergebnis / paragraph, invalid dates, `ende` before
`beginn`, dates after the export's reference date (31.12. of the year in the file name), birth date after
the begin of the Hilfe or in the future, invalid sex / age / j-n-u flags, a `beendigungsgrund` or `anlass` that
is not one of the listed labels (`BEENDIGUNGSGRUENDE`, `ANLAESSE`; its text is not kept in the reject either),
`wohnort_ags` not an 8-digit AGS
or outside the region, the same fall_id twice in a file with different content (all its rows) or as an identical
copy (the later copies). A file whose reject share exceeds the run's maximum (`Options.max_reject_share`, setting
`max_reject_share`) is quarantined.

Ortsteil (all three record types): an optional column `wohnort_ortsteil`, the 3-digit `ortsteil_schluessel` of
the region profile's `ortsteile.csv` for `wohnort_ags` (`1`, `01` are padded; empty = no Ortsteil). A key the
profile does not list for that Gemeinde, or a row without a key in a Gemeinde whose other rows of the file carry
one (its cases would be missing from the Ortsteil sums), refuses the whole file naming file, line and column —
the Melderegister's rule (`_confidential.ortsteil_key_errors`). Stored as `wohnort_ortsteil` (NULL without the key).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
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


# Per record type: typed expressions over the text columns `t_<name>`, the checks (`stichtag`: the file's reference
# date, a column of the stage), the output columns.
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
            ("beginn > stichtag", "'beginn nach dem Stichtag des Exports'"),
            ("ende > stichtag", "'ende nach dem Stichtag des Exports'"),
            ("geburtsdatum IS NULL", "'geburtsmonat/geburtsjahr: erwartet Monat 1-12 und vierstelliges Jahr'"),
            ("geburtsdatum > stichtag", "'Geburtsdatum in der Zukunft (nach dem Stichtag des Exports)'"),
            ("geburtsdatum <= stichtag AND geburtsdatum > beginn", "'Geburtsdatum nach beginn der Hilfe'"),
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
            ("datum > stichtag", "'datum nach dem Stichtag des Exports'"),
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
            ("beginn > stichtag", "'beginn nach dem Stichtag des Exports'"),
            ("ende > stichtag", "'ende nach dem Stichtag des Exports'"),
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


def _record_columns(rt: RecordType, positions: dict[str, int]) -> str:
    """The columns `stage_records` reads from one file (its fields c0, c1, …): the pseudonym, computed in the scan
    that reads the file (the plain fall_id reaches no table), and the known text columns; names, addresses and
    unknown columns are never selected."""
    fall = f"trim(c{positions['fall_id']})"
    select = [f"CASE WHEN nullif({fall}, '') IS NOT NULL THEN {hmac_sql(fall)} END AS fall_pseudonym"]
    for col in rt.columns:
        if col == "fall_id":
            continue
        expr = f"nullif(trim(c{positions[col]}), '')"
        if col == "wohnort_ags":
            expr = f"nullif({c.ags_sql(f'c{positions[col]}')}, '')"
        elif col in _LOWERED:
            expr = f"lower({expr})"
        select.append(f"{expr} AS t_{col}")
    select.append(f"{c.ortsteil_sql(f'c{positions[ORTSTEIL]}')} AS {ORTSTEIL}" if ORTSTEIL in positions
                  else f"NULL::VARCHAR AS {ORTSTEIL}")
    return ", ".join(select)


# the temporary tables of a run's new files (load_files): the files, their records as read, one stage per record type
FILES = "_jh_dateien"
RECORDS = "_jh_zeilen"


def _stage(rt: RecordType) -> str:
    return f"_jh_stage_{rt.name}"


def _stage_sql(rt: RecordType) -> str:
    """The stage of the record type's files from their records (RECORDS): typed, checked, duplicates found per file."""
    record = ", ".join(["fall_pseudonym", *(f"t_{col}" for col in rt.columns if col != "fall_id"), ORTSTEIL])
    typed, checks, _ = _typed_and_checks(rt)
    return f"""
        CREATE OR REPLACE TEMP TABLE {_stage(rt)} AS
        WITH typed AS (
            SELECT r.*, d.stichtag, {', '.join(typed)},
                   hash({record}) AS inhalt,
                   min(hash({record})) OVER (PARTITION BY nr, fall_pseudonym) AS inhalt_min,
                   max(hash({record})) OVER (PARTITION BY nr, fall_pseudonym) AS inhalt_max,
                   row_number() OVER (PARTITION BY nr, fall_pseudonym ORDER BY zeile) AS kopie
            FROM {RECORDS} AS r JOIN {FILES} AS d USING (nr)
        )
        SELECT *, list_concat({c.reasons_sql(checks)}, {c.reasons_sql([
            ("fall_pseudonym IS NOT NULL AND inhalt_min <> inhalt_max",
             "'fall_id mehrfach mit widersprüchlichem Inhalt'"),
            ("fall_pseudonym IS NOT NULL AND inhalt_min = inhalt_max AND kopie > 1",
             "'Datensatz doppelt (identische Wiederholung)'"),
        ])}) AS gruende
        FROM typed
    """


def _reject_record(rt: RecordType, ortsteil: bool) -> str:
    """The JSON record of a rejected row: pseudonymised, name-free; a text field as its checked label (NULL when it
    is not one: its delivered text is not kept); the Ortsteil key when the file has the column."""
    return "{" + ", ".join(
        ["'fall_pseudonym': fall_pseudonym"]
        + [f"'{col}': {col if col in _TEXT_COLUMNS else 't_' + col}" for col in rt.columns if col != "fall_id"]
        + ([f"'{ORTSTEIL}': {ORTSTEIL}"] if ortsteil else [])
    ) + "}"


@dataclass(frozen=True)
class _Export:
    """What the header of one export says."""

    text: c.TextFile
    record_type: RecordType
    positions: dict[str, int]
    year: int | None

    @property
    def stichtag(self) -> dt.date:
        """The export's reference date: 31.12. of the year in the file name (today without one)."""
        return dt.date(self.year, 12, 31) if self.year else dt.date.today()


def _stage_files(con: duckdb.DuckDBPyConnection, files: dict[int, runner.Lineage], prefix: str, key: PseudonymKey,
                 limit: float) -> runner.Batch:
    """Read and check the new exports together (by file number): one read per record type and dialect, one query per
    check for all files. A file that fails gets its DeliveryError; `write` inserts the rows and rejects of the
    others. A file DuckDB cannot read raises its duckdb.Error (the runner then loads the files one at a time)."""
    outcomes: dict[int, runner.FileLoad | DeliveryError] = {}
    exports: dict[int, _Export] = {}
    for nr, lineage in files.items():
        path = lineage.delivery.read_path
        try:
            tf = c.inspect_text_file(path, _is_header)
            rt = record_type(tf)
            positions = c.header_positions(tf, rt.columns,
                                           [ORTSTEIL, *(n for n in tf.header if privacy.is_personal(n))])
        except DeliveryError as error:
            outcomes[nr] = error
            continue
        exports[nr] = _Export(tf, rt, positions, c.year_in_name(path))
    readable = sorted(exports)
    runner.files_table(con, FILES, {
        "nr": ("INTEGER", readable),
        "stichtag": ("DATE", [exports[n].stichtag for n in readable]),
        "datei": ("VARCHAR", [files[n].delivery.path.name for n in readable]),
        "sha256": ("VARCHAR", [files[n].delivery.sha256 for n in readable]),
        "geladen_am": ("TIMESTAMP", [files[n].geladen_am for n in readable]),
        "ist_demodaten": ("BOOLEAN", [exports[n].text.ist_demodaten for n in readable]),
        "mit_ortsteil": ("BOOLEAN", [ORTSTEIL in exports[n].positions for n in readable]),
    })
    types = [rt for rt in RECORD_TYPES if any(exports[n].record_type is rt for n in readable)]
    counts: dict[int, tuple[int, int]] = {}
    for rt in types:
        numbers = [n for n in readable if exports[n].record_type is rt]
        c.stage_records(con, RECORDS, {n: exports[n].text for n in numbers},
                        lambda n, rt=rt: _record_columns(rt, exports[n].positions), params=key.sql_params())
        stage = _stage_sql(rt)
        con.execute(stage, {"prefix": prefix, **_code_params(stage)})
    if types:
        con.execute(f"DROP TABLE {RECORDS}")  # in the stages now (a run's records are not kept twice)
        stages = " UNION ALL ".join(f"SELECT nr, zeile, gruende, t_wohnort_ags, {ORTSTEIL} FROM {_stage(rt)}"
                                    for rt in types)
        paths = {n: files[n].delivery.read_path for n in readable}
        # a file's first problem as when it was loaded alone: its reject share, then its Ortsteil keys
        counts, too_many = runner.count_stages(con, f"({stages})", paths, limit)
        outcomes.update(too_many)
        keyed = {n: (paths[n], exports[n].positions[ORTSTEIL] + 1) for n in readable
                 if n not in outcomes and ORTSTEIL in exports[n].positions}
        if keyed:
            outcomes.update(c.ortsteil_key_errors(
                con, f"(SELECT * FROM ({stages}) WHERE nr IN ({c.numbers_sql(keyed)}))", keyed,
                ags="t_wohnort_ags", ortsteil=ORTSTEIL, partition=(), what="Fälle"))
    for nr in readable:
        if nr in outcomes:
            continue
        export = exports[nr]
        records, rejected = counts.get(nr, (0, 0))
        outcomes[nr] = runner.FileLoad(
            rows={export.record_type.name: records - rejected},
            records=records,
            rejected=rejected,
            berichtszeitraum=str(export.year) if export.year else None,
            ist_demodaten=export.text.ist_demodaten,
            extra={"satzart": export.record_type.name, "schluessel_id": key.key_id},
        )
    passed = c.numbers_sql(n for n in readable if not isinstance(outcomes[n], DeliveryError))

    def write(con: duckdb.DuckDBPyConnection) -> None:
        # in the order the files were loaded one at a time: file by file, line by line
        for rt in types:
            _, _, out = _typed_and_checks(rt)
            con.execute(
                f"INSERT INTO raw.{FAMILY}__{rt.name} ({_columns(rt)}) SELECT {', '.join(out)}, {ORTSTEIL}, "
                f"d.datei, d.sha256, d.geladen_am, d.ist_demodaten FROM {_stage(rt)} JOIN {FILES} AS d USING (nr) "
                f"WHERE len(gruende) = 0 AND nr IN ({passed}) ORDER BY nr, zeile")
        if types:
            rejects = " UNION ALL ".join(
                f"SELECT nr, zeile, array_to_string(gruende, '; ') AS grund, CASE WHEN d.mit_ortsteil "
                f"THEN to_json({_reject_record(rt, True)}) ELSE to_json({_reject_record(rt, False)}) END AS datensatz, "
                f"d.datei, d.sha256, d.geladen_am, d.ist_demodaten FROM {_stage(rt)} JOIN {FILES} AS d USING (nr) "
                f"WHERE len(gruende) > 0 AND nr IN ({passed})" for rt in types)
            con.execute(f"INSERT INTO raw.{FAMILY}__rejects SELECT datei, sha256, zeile, grund, datensatz, geladen_am, "
                        f"ist_demodaten FROM ({rejects}) ORDER BY nr, zeile")

    return runner.Batch([outcomes[n] for n in files], write)


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
    """Load new Jugendamt exports into raw.jugendhilfe__* (pseudonymised, names dropped), all new files of a run
    read and checked together (runner: `load_files`)."""
    options = options or Options()
    prefix = c.region_prefix(region)
    state: dict[str, PseudonymKey] = {}
    _migrate(con)

    def before_loading(new: list[Delivery]) -> None:
        # Refuse before anything is loaded when a real delivery meets a build without a key.
        state["key"] = require_key(options.key, demo=all(_head_is_demo(d.read_path) for d in new))

    @contextmanager
    def load_files(con: duckdb.DuckDBPyConnection, lineages: list[runner.Lineage]) -> Iterator[runner.Batch]:
        try:
            yield _stage_files(con, dict(enumerate(lineages)), prefix, state["key"], options.max_reject_share)
        finally:
            con.execute(f"DROP TABLE IF EXISTS {FILES}; DROP TABLE IF EXISTS {RECORDS}; "
                        + "; ".join(f"DROP TABLE IF EXISTS {_stage(rt)}" for rt in RECORD_TYPES))

    return runner.run_confidential(
        con, paths, FAMILY, TABLES, load_files=load_files,
        lieferungen_extra=", satzart VARCHAR, schluessel_id VARCHAR",
        before_loading=before_loading, audit=audit, run_id=run_id,
    )
