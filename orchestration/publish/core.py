"""Write-audit-publish: build the serving file from the checked working database and swap it in atomically.

Readers (Superset, notebooks) only ever open `OUT/published/sozialmonitor.duckdb` read-only. A new
version is built in a temporary file in the same folder, closed and fsynced, and then `os.replace`d
onto the served path: a reader sees the old file or the new one, never a half-written one; readers
that already opened the old file keep reading it. Every published version is also linked into
`OUT/published/versions/` (the last `KEEP_VERSIONS` are kept), so `rollback` can put the previous
one back the same way.

Writers of the published file are serialised by `writer_lock(published)`; while the mart is copied the
working database's writer lock is held too, so no ingest or dbt run changes it mid-copy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.settings import Paths
from orchestration.warehouse import writer_lock

KEEP_VERSIONS = 5
STATUS_TABLE = "publikation_status"
STATE_TABLE = "raw.ingest__lieferstatus"  # the delivery state log of the ingest runner
VERSION_PATTERN = re.compile(r"^sozialmonitor_(\d{8}T\d{6}\d{6}Z)_([A-Za-z0-9-]+)\.duckdb$")
# Columns that identify persons or cases: never in the published file.
FORBIDDEN_COLUMNS = {"fall_id", "fall_pseudonym", "nachname", "vorname", "strasse", "hausnummer", "geburtsdatum"}
_TMP_PREFIX = ".publish-"


class PublishError(RuntimeError):
    pass


class RollbackError(RuntimeError):
    pass


@dataclass(frozen=True)
class Version:
    path: Path
    stamp: str
    run_id: str

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.strptime(self.stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.timezone.utc)


def versions_dir(paths: Paths) -> Path:
    return paths.published_dir / "versions"


def list_versions(paths: Paths) -> list[Version]:
    """Kept versions, oldest first."""
    folder = versions_dir(paths)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = VERSION_PATTERN.match(p.name)
        if m:
            found.append(Version(p, m.group(1), m.group(2)))
    return sorted(found, key=lambda v: v.stamp)


def current_version(paths: Paths) -> Version | None:
    """The kept version the served file is (same inode), if any."""
    if not paths.published.exists():
        return None
    for v in reversed(list_versions(paths)):
        try:
            if os.path.samefile(v.path, paths.published):
                return v
        except FileNotFoundError:
            continue
    return None


# ---------------------------------------------------------------------------------------------- helpers


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
        _fsync_file(target)


def _clean_stale_temp(folder: Path) -> None:
    """Temporary files of a publish that was killed (we hold the lock: nobody else is writing one)."""
    for p in folder.glob(_TMP_PREFIX + "*"):
        p.unlink(missing_ok=True)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _family_deliveries(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(familie, datei, sha256, berichtszeitraum, ist_demodaten, zeilen, geladen_am) of every raw
    deliveries table in the attached working database `w`."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' "
        "AND table_name LIKE '%\\_\\_lieferungen' ESCAPE '\\' ORDER BY table_name"
    ).fetchall()]
    rows: list[tuple] = []
    for table in tables:
        family = table.split("__", 1)[0]
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'w' AND table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchall()}

        def col(name: str, cast: str = "VARCHAR") -> str:
            return f"CAST(l.{_q(name)} AS {cast})" if name in cols else f"CAST(NULL AS {cast})"

        if "berichtszeitraum" in cols:
            period = col("berichtszeitraum")
        elif family == "genesis" and con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' AND table_name = 'genesis__werte'"
        ).fetchone()[0]:
            # GENESIS deliveries name their reference dates in the rows: table id and time labels.
            period = ("(SELECT l.tabelle || ': ' || string_agg(DISTINCT v.zeit, ', ' ORDER BY v.zeit) "
                      "FROM w.raw.genesis__werte v WHERE v.sha256 = l.sha256)")
        else:
            period = "CAST(NULL AS VARCHAR)"
        # refused, quarantined and retracted deliveries are not part of what is published
        valid = (f"l.sha256 NOT IN (SELECT sha256 FROM w.{STATE_TABLE} WHERE familie = ? QUALIFY row_number() OVER "
                 f"(PARTITION BY sha256 ORDER BY nr DESC) = 1 AND status IN ('abgelehnt', 'quarantaene', "
                 f"'zurueckgezogen', 'neu'))") if _has_state_table(con) else "true"
        rows += con.execute(
            f"""SELECT ? AS familie, {col('datei')}, {col('sha256')}, {period}, {col('ist_demodaten', 'BOOLEAN')},
                       {col('zeilen', 'BIGINT')}, {col('geladen_am', 'TIMESTAMP')}
                FROM w.raw.{_q(table)} l WHERE {valid} ORDER BY 7, 2""",
            [family, family] if valid != "true" else [family],
        ).fetchall()
    return rows


def _has_state_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'raw' "
        "AND table_name = 'ingest__lieferstatus'").fetchone()[0])


def _family_rows(con: duckdb.DuckDBPyConnection, deliveries: list[tuple]) -> list[tuple]:
    """(familie, ergebnis, berichtszeitraum, details) per landing family and the refused deliveries
    (familie, datei, sha256, refused at, reason) that make a family stale (contracts: partial publication)."""
    from orchestration.ingest.delivery import FAMILY_SUFFIXES
    from orchestration.ingest.lieferstatus import family_status

    newest: dict[str, tuple] = {}
    for d in deliveries:
        if d[0] in FAMILY_SUFFIXES and (d[0] not in newest or (d[6] or dt.datetime.min) >= (newest[d[0]][6] or dt.datetime.min)):
            newest[d[0]] = d
    families, refused = [], []
    states = family_status(con, FAMILY_SUFFIXES, table=f"w.{STATE_TABLE}") if _has_state_table(con) else []
    for state in states:
        latest = newest.get(state.familie)
        period = latest[3] if latest else None
        if state.veraltet:
            details = (f"veraltet: {len(state.abgelehnt)} Lieferung(en) abgelehnt "
                       f"({', '.join(s.datei for s in state.abgelehnt)}); veröffentlicht ist der letzte geprüfte Stand"
                       + (f" (neueste Lieferung {latest[1]})" if latest else ""))
        else:
            details = f"aktuell: neueste Lieferung {latest[1]}" if latest else "keine Lieferung"
        families.append((state.familie, "veraltet" if state.veraltet else "aktuell", period, details))
        refused += [(state.familie, s.datei, s.sha256, s.am, s.grund) for s in state.abgelehnt]
    return families, refused


def _write_status(con: duckdb.DuckDBPyConnection, *, published_at: dt.datetime, run_id: str, version_name: str,
                  checks: list[dict[str, Any]], mart_tables: dict[str, int]) -> None:
    con.execute(f"""CREATE TABLE mart.{STATUS_TABLE} (
        eintrag VARCHAR NOT NULL,          -- publikation | lieferung | familie | abgelehnt | pruefung | tabelle
        veroeffentlicht_am TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        familie VARCHAR,
        datei VARCHAR,
        sha256 VARCHAR,
        berichtszeitraum VARCHAR,
        ist_demodaten BOOLEAN,
        zeilen BIGINT,
        geladen_am TIMESTAMP,
        pruefung VARCHAR,
        geprueftes_asset VARCHAR,
        ergebnis VARCHAR,
        details VARCHAR
    )""")
    base = [published_at, run_id, version_name]
    deliveries = _family_deliveries(con)
    demo = any(bool(d[4]) for d in deliveries)
    con.execute(
        f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, ist_demodaten, zeilen, details) "
        "VALUES ('publikation', ?, ?, ?, ?, ?, ?)",
        base + [demo, len(deliveries), json.dumps({"tabellen": mart_tables, "pruefungen": len(checks)}, ensure_ascii=False)],
    )
    for familie, datei, sha, period, ist_demo, zeilen, geladen in deliveries:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, datei, sha256, "
            "berichtszeitraum, ist_demodaten, zeilen, geladen_am) VALUES ('lieferung', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            base + [familie, datei, sha, period, ist_demo, zeilen, geladen],
        )
    families, refused = _family_rows(con, deliveries)
    for familie, ergebnis, period, details in families:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, berichtszeitraum, "
            "ergebnis, details) VALUES ('familie', ?, ?, ?, ?, ?, ?, ?)",
            base + [familie, period, ergebnis, details],
        )
    for familie, datei, sha, am, grund in refused:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, familie, datei, sha256, "
            "geladen_am, ergebnis, details) VALUES ('abgelehnt', ?, ?, ?, ?, ?, ?, ?, 'abgelehnt', ?)",
            base + [familie, datei, sha, am, grund],
        )
    for table, n in mart_tables.items():
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, datei, zeilen) "
            "VALUES ('tabelle', ?, ?, ?, ?, ?)",
            base + [f"mart.{table}", n],
        )
    for check in checks:
        con.execute(
            f"INSERT INTO mart.{STATUS_TABLE} (eintrag, veroeffentlicht_am, run_id, version, pruefung, geprueftes_asset, "
            "ergebnis, details) VALUES ('pruefung', ?, ?, ?, ?, ?, ?, ?)",
            base + [str(check.get("name")), str(check.get("asset", "")), str(check.get("result") or _result_of(check)),
                    check.get("description")],
        )


def _result_of(check: dict[str, Any]) -> str:
    if check.get("passed", True):
        return "bestanden"
    return "warnung" if str(check.get("severity", "")).upper().startswith("WARN") else "fehlgeschlagen"


# ---------------------------------------------------------------------------------------------- API


def publish(paths: Paths, *, run_id: str, checks: list[dict[str, Any]] | None = None) -> Path:
    """Build the serving file from the mart of the working database and swap it in atomically.

    `checks`: the checks of this run as dicts (`name`, `asset`, `passed`, `severity`, optional
    `description`); a failed ERROR-level check refuses publication. Returns the kept version's path.
    """
    checks = list(checks or [])
    failed = [c for c in checks if not c.get("passed", True) and not str(c.get("severity", "ERROR")).upper().startswith("WARN")]
    if failed:
        raise PublishError("not publishing: failed checks: " + ", ".join(f"{c.get('asset')}:{c.get('name')}" for c in failed))
    if not paths.warehouse.exists():
        raise PublishError(f"working database {paths.warehouse} does not exist")
    folder = paths.published_dir
    folder.mkdir(parents=True, exist_ok=True)
    versions = versions_dir(paths)
    versions.mkdir(parents=True, exist_ok=True)
    safe_run = re.sub(r"[^A-Za-z0-9-]", "", run_id)[:36] or "manuell"

    with writer_lock(paths.published):
        _clean_stale_temp(folder)
        published_at = dt.datetime.now(dt.timezone.utc)
        stamp = published_at.strftime("%Y%m%dT%H%M%S%fZ")
        version_name = f"sozialmonitor_{stamp}_{safe_run}.duckdb"
        tmp = folder / f"{_TMP_PREFIX}{stamp}-{os.getpid()}.duckdb"
        try:
            con = duckdb.connect(str(tmp))
            try:
                with writer_lock(paths.warehouse):
                    con.execute(f"ATTACH '{paths.warehouse}' AS w (READ_ONLY)")
                    tables = [r[0] for r in con.execute(
                        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w' AND table_schema = 'mart' "
                        "ORDER BY table_name"
                    ).fetchall()]
                    if not tables:
                        raise PublishError(f"the working database {paths.warehouse} has no mart tables")
                    if STATUS_TABLE in tables:
                        tables.remove(STATUS_TABLE)
                    bad = con.execute(
                        "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'w' "
                        "AND table_schema = 'mart' AND lower(column_name) IN (SELECT unnest(?))",
                        [sorted(FORBIDDEN_COLUMNS)],
                    ).fetchall()
                    if bad:
                        raise PublishError(f"mart contains case-level columns, refusing to publish: {bad}")
                    con.execute("CREATE SCHEMA mart")
                    counts: dict[str, int] = {}
                    for table in tables:
                        con.execute(f"CREATE TABLE mart.{_q(table)} AS SELECT * FROM w.mart.{_q(table)}")
                        counts[table] = con.execute(f"SELECT count(*) FROM mart.{_q(table)}").fetchone()[0]
                    _write_status(con, published_at=published_at, run_id=run_id, version_name=version_name,
                                  checks=checks, mart_tables=counts)
                    con.execute("DETACH w")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            _fsync_file(tmp)
            wal = tmp.with_name(tmp.name + ".wal")
            if wal.exists():  # CHECKPOINT + close leave none; never publish a file that needs its WAL
                raise PublishError(f"temporary file {tmp} still has a WAL after close")
            os.replace(tmp, paths.published)  # the atomic step: readers see the old or the new file
            _fsync_dir(folder)
            # keep the served file as a version (a hard link: same bytes, no copy). A crash between the two
            # steps leaves the new file served without a version entry; rollback then still finds the previous one.
            _link_or_copy(paths.published, versions / version_name)
            _fsync_dir(versions)
        finally:
            tmp.unlink(missing_ok=True)
        _prune(paths)
        return versions / version_name


def _prune(paths: Paths) -> None:
    kept = list_versions(paths)
    current = current_version(paths)
    for v in kept[:-KEEP_VERSIONS] if len(kept) > KEEP_VERSIONS else []:
        if current is not None and v.path == current.path:
            continue
        v.path.unlink(missing_ok=True)


def rollback(paths: Paths) -> Path:
    """Serve the version published before the current one again (atomically). Returns its path.

    Repeated calls step further back. The rolled-back-from version stays in `versions/` until retention
    removes it.
    """
    with writer_lock(paths.published):
        kept = list_versions(paths)
        current = current_version(paths)
        if current is None:
            older = kept
        else:
            older = [v for v in kept if v.stamp < current.stamp]
        if not older:
            raise RollbackError(
                "no earlier published version to roll back to"
                + (f" (current: {current.path.name})" if current else "")
            )
        target = older[-1]
        _clean_stale_temp(paths.published_dir)
        tmp = paths.published_dir / f"{_TMP_PREFIX}rollback-{os.getpid()}.duckdb"
        try:
            _link_or_copy(target.path, tmp)
            os.replace(tmp, paths.published)
            _fsync_dir(paths.published_dir)
        finally:
            tmp.unlink(missing_ok=True)
        return target.path


def read_status(published: Path) -> list[dict[str, Any]]:
    """The status table of a published file (read-only), as dicts."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM mart.{STATUS_TABLE} ORDER BY eintrag, familie, datei, pruefung")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def table_counts(published: Path) -> dict[str, int]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = [r for r in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2").fetchall()]
        return {f"{s}.{t}": con.execute(f"SELECT count(*) FROM {_q(s)}.{_q(t)}").fetchone()[0] for s, t in tables}
    finally:
        con.close()


def checks_from_results(results: Iterable[Any]) -> list[dict[str, Any]]:
    """Check dicts for `publish` from Dagster AssetCheckEvaluation objects."""
    out = []
    for ev in results:
        out.append({
            "name": ev.check_name,
            "asset": ev.asset_key.to_user_string(),
            "passed": ev.passed,
            "severity": getattr(ev.severity, "value", str(ev.severity)),
            "description": getattr(ev, "description", None),
        })
    return out
