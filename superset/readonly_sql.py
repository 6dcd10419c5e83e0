"""Only reading SQL reaches the published mart: the allowlist for every statement Superset sends to DuckDB.

DuckDB lets a read-only connection with ``enable_external_access = false`` still write its own
database file, its ``.wal`` files and its temp directory (``COPY (select 'x' a) TO '<the file>'``
destroys the served copy), and Superset's DML switch does not know ``COPY``, ``ATTACH``,
``INSTALL``, ``SET`` or ``CHECKPOINT``. So every statement is classified here before DuckDB sees
it, with DuckDB's own tokenizer and parser (``duckdb.tokenize``, ``extract_statements``; the same
duckdb version that executes it), never with regular expressions: comments, case, whitespace and
quoting cannot disguise a statement.

Allowed statement classes (the first keyword) and what DuckDB 1.5's parser makes of them:

  SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE  one ``StatementType.SELECT`` (DESCRIBE/SHOW/SUMMARIZE
                                           are rewritten into SELECTs by the parser)
  PIVOT                                    ``SELECT``; without an ``IN (…)`` list DuckDB first adds
                                           one ``CREATE`` per ON column (a temporary ENUM type of
                                           the pivot values), so ``CREATE…, SELECT`` is accepted
                                           for PIVOT only
  EXPLAIN [ANALYZE] <statement>            ``EXPLAIN``; the explained statement must itself be
                                           allowed (EXPLAIN ANALYZE executes it)

Everything else is refused: COPY (TO and FROM), EXPORT/IMPORT DATABASE, ATTACH/DETACH,
INSTALL/LOAD, SET/RESET/USE, PRAGMA (some PRAGMAs parse as SELECT, so the first keyword counts
too), CHECKPOINT, CALL, DML/DDL, VACUUM, FROM-first queries, VALUES, text DuckDB cannot parse, an
empty string and several statements in one string (DuckDB's ``cursor.execute`` would run them all).

The parser runs on a private in-memory DuckDB connection without file access: DuckDB's parser
reads ``schema.sql``/``load.sql`` of an ``IMPORT DATABASE`` while parsing, so parsing untrusted
SQL with the default connection would read host files.

Used by superset/superset_config.py (``SQL_QUERY_MUTATOR``, the DuckDB engine spec's ``execute``
and the SQL Lab access check); :func:`check` needs only duckdb and runs in either environment.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import duckdb

ALLOWED = ("SELECT", "WITH", "DESCRIBE", "SHOW", "EXPLAIN", "SUMMARIZE", "PIVOT")
_SELECT_LIKE = {"SELECT", "WITH", "DESCRIBE", "SHOW", "SUMMARIZE"}
_EXPLAIN_MODIFIERS = {"ANALYZE", "ANALYSE", "VERBOSE"}
_PARSER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}

logger = logging.getLogger(__name__)
_local = threading.local()


class NotReadOnly(Exception):
    """A statement that is not on the allowlist; ``str()`` is the German message for the user."""

    def __init__(self, what: str, hint: str = "") -> None:
        self.what = what
        message = (f"Nicht erlaubt: {what}. SQL Lab liest den veröffentlichten Mart nur "
                   f"(erlaubt: {', '.join(ALLOWED)}).")
        super().__init__(f"{message} {hint}".strip())


def _parser() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config=dict(_PARSER_CONFIG))
        _local.con = con
    return con


def _word(sql: str, pos: int) -> str:
    """The token starting at pos as the user wrote it (a keyword/identifier, else one character)."""
    end = pos
    while end < len(sql) and (sql[end].isalnum() or sql[end] == "_"):
        end += 1
    return sql[pos:end] if end > pos else sql[pos:pos + 1]


def _tokens(sql: str) -> list[tuple[int, Any]]:
    """duckdb.tokenize with character positions: the tokenizer counts bytes of the UTF-8 text, so
    every non-ASCII character before a token (ü, –, €) would shift it."""
    char_at: dict[int, int] = {}
    offset = 0
    for index, char in enumerate(sql):
        char_at[offset] = index
        offset += len(char.encode("utf-8"))
    char_at[offset] = len(sql)
    return [(char_at[pos], kind) for pos, kind in duckdb.tokenize(sql)]


def _segments(sql: str) -> list[list[tuple[int, Any]]]:
    """Tokens of sql split at ';' (DuckDB's tokenizer: ';' inside strings, comments or dollar
    quotes is no separator); empty segments (a trailing ';') are dropped."""
    segments: list[list[tuple[int, Any]]] = [[]]
    for pos, kind in _tokens(sql):
        if kind == duckdb.token_type.operator and sql[pos] == ";":
            segments.append([])
        elif kind != duckdb.token_type.comment:
            segments[-1].append((pos, kind))
    return [s for s in segments if s]


def _statement_class(sql: str, tokens: list[tuple[int, Any]]) -> str:
    pos, kind = tokens[0]
    word = _word(sql, pos)
    return word.upper() if kind == duckdb.token_type.keyword else f"„{word}“ am Anfang"


def _parse_types(sql: str) -> list[str]:
    try:
        statements = _parser().extract_statements(sql)
    except duckdb.Error as ex:
        first_line = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise NotReadOnly("nicht lesbare Anweisung", f"DuckDB: {first_line}") from None
    return [s.type.name for s in statements]


def check(sql: str, *, explain: bool = True) -> str:
    """The statement class of sql if it only reads, else raise NotReadOnly."""
    try:
        segments = _segments(sql)
    except Exception as ex:  # noqa: BLE001 - the tokenizer is strict about what it accepts
        raise NotReadOnly("nicht lesbare Anweisung", f"DuckDB: {ex}") from None
    if not segments:
        raise NotReadOnly("leere Anweisung")
    if len(segments) > 1:
        classes = ", ".join(_statement_class(sql, s) for s in segments)
        raise NotReadOnly(f"mehrere Anweisungen in einem Aufruf ({classes})",
                          "Bitte jede Anweisung einzeln ausführen.")
    tokens = segments[0]
    klass = _statement_class(sql, tokens)
    if tokens[0][1] != duckdb.token_type.keyword:
        _parse_types(sql)  # names DuckDB's parser error when there is one
    if klass not in ALLOWED or (klass == "EXPLAIN" and not explain):
        raise NotReadOnly(klass)
    types = _parse_types(sql)
    if klass == "EXPLAIN":
        if types != ["EXPLAIN"]:
            raise NotReadOnly(f"EXPLAIN ({', '.join(types) or 'leer'})")
        label, inner_start = _explained(sql, tokens)
        if inner_start is None:
            raise NotReadOnly(f"{label} ohne Anweisung")
        try:
            inner = check(sql[inner_start:], explain=False)
        except NotReadOnly as ex:
            raise NotReadOnly(f"{label} {ex.what}") from None
        return f"{label} {inner}"
    if klass == "PIVOT":
        ok = bool(types) and types[-1] == "SELECT" and all(t == "CREATE" for t in types[:-1])
    else:
        ok = types == ["SELECT"]
    if not ok:
        raise NotReadOnly(f"{klass} ({', '.join(types) or 'leer'})")
    return klass


def _explained(sql: str, tokens: list[tuple[int, Any]]) -> tuple[str, int | None]:
    """('EXPLAIN' or 'EXPLAIN ANALYZE', start of the explained statement) after the modifiers
    ANALYZE/VERBOSE or an option list in parentheses."""
    analyze = False
    i = 1
    if i < len(tokens) and _word(sql, tokens[i][0]) == "(":
        depth = 0
        while i < len(tokens):
            w = _word(sql, tokens[i][0])
            if tokens[i][1] == duckdb.token_type.operator and w in "()":
                depth += 1 if w == "(" else -1
            elif w.upper() in ("ANALYZE", "ANALYSE"):
                analyze = True
            i += 1
            if depth == 0:
                break
    else:
        while i < len(tokens) and tokens[i][1] == duckdb.token_type.keyword \
                and _word(sql, tokens[i][0]).upper() in _EXPLAIN_MODIFIERS:
            analyze = analyze or _word(sql, tokens[i][0]).upper() in ("ANALYZE", "ANALYSE")
            i += 1
    label = "EXPLAIN ANALYZE" if analyze else "EXPLAIN"
    return label, (tokens[i][0] if i < len(tokens) else None)


# --------------------------------------------------------------------------------------------
# Superset hooks (imported lazily: this module is also used without Superset)
# --------------------------------------------------------------------------------------------
def _is_duckdb(database: Any) -> bool:
    if database is None:
        return True  # be strict when the caller does not say which database
    try:
        return database.db_engine_spec.engine in ("duckdb", "motherduck")
    except Exception:  # noqa: BLE001
        return True


def superset_error(ex: NotReadOnly, access_check: bool = False) -> Exception:
    """Superset's error with the German message: a SupersetSecurityException (403) from the access
    check (SQL Lab and dataset commands show its message), else a SupersetErrorException (400),
    which SQL Lab and the chart-data API pass on to the user as it is."""
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetErrorException, SupersetSecurityException

    error = SupersetError(message=str(ex), error_type=SupersetErrorType.DML_NOT_ALLOWED_ERROR,
                          level=ErrorLevel.ERROR, extra={"statement_class": ex.what})
    return SupersetSecurityException(error) if access_check else SupersetErrorException(error, status=400)


def guard(sql: str, database: Any = None, where: str = "", access_check: bool = False) -> None:
    """Raise Superset's error (German message) unless sql only reads; other databases pass."""
    if not _is_duckdb(database):
        return
    try:
        check(sql)
    except NotReadOnly as ex:
        logger.warning("SQL refused (%s): %s | %s", where or "guard", ex.what, " ".join(sql.split())[:300])
        raise superset_error(ex, access_check) from None


def sql_query_mutator(sql: str, **kwargs: Any) -> str:
    """SQL_QUERY_MUTATOR (with MUTATE_AFTER_SPLIT = False): refuses, never changes the SQL."""
    guard(sql, kwargs.get("database"), "SQL_QUERY_MUTATOR")
    return sql


def install_engine_spec_guard() -> None:
    """Wrap DuckDBEngineSpec.execute, the call right before ``cursor.execute`` in SQL Lab, chart
    data, SQL Lab CSV export and Database.execute (idempotent)."""
    from superset.db_engine_specs.duckdb import DuckDBEngineSpec

    current = DuckDBEngineSpec.execute.__func__  # type: ignore[attr-defined]
    if getattr(current, "_sozialmonitor_readonly", False):
        return

    def execute(cls: Any, cursor: Any, query: str, database: Any, **kwargs: Any) -> None:
        guard(query, database, "DuckDBEngineSpec.execute")
        return current(cls, cursor, query, database, **kwargs)

    execute._sozialmonitor_readonly = True  # type: ignore[attr-defined]
    DuckDBEngineSpec.execute = classmethod(execute)  # type: ignore[method-assign,assignment]


def sql_lab_query_check(query: Any = None, database: Any = None, sql: str | None = None) -> None:
    """The whole SQL Lab text, before Superset's own (sqlglot) parser splits or rejects it
    (raise_for_access(query=…)), and the SQL of a virtual dataset being created or changed
    (raise_for_access(database=…, sql=…))."""
    if query is not None:
        from superset.models.sql_lab import Query

        if isinstance(query, Query) and query.database is not None and query.sql is not None:
            guard(query.sql, query.database, "SQL Lab", access_check=True)
    elif sql is not None and database is not None:
        guard(sql, database, "dataset SQL", access_check=True)
