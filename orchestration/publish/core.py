"""Write-audit-publish: build the published file from the checked working database and swap it in atomically.

Files in OUT (docs/contracts.md):

    published/sozialmonitor.duckdb      the published file (mode 0444)
    published/versions/<version>.duckdb the last KEEP_VERSIONS published files, independent copies (0444)
    serving/sozialmonitor.duckdb        Superset's copy: same bytes, a file of its own (0444, folder 0555)
    publish.lock                        serialises publish and rollback
    .tmp-publish/                       temporary files of publish and rollback (emptied by the next one)

A new version is written as a DuckDB file in `.tmp-publish/`, checkpointed, closed and fsynced; its
copies for `versions/` and `serving/` are written and fsynced there as well. Only then are the three
files `os.replace`d into place, published file first (the commit point): a reader sees the old file or
the new one, never a half-written one, and readers that already opened the old file keep reading it.
A publish killed at any point leaves nothing in `published/` but the published file and `versions/`.
Nothing is ever a hard link: destroying one file cannot touch another. `rollback` puts an earlier
version back the same way (copy to a temporary file, atomic replace).

Writers are serialised by the lock `OUT/publish.lock`; while the mart is copied the working database's
writer lock is held too, so no ingest or dbt run changes it mid-copy.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration import privacy, stand
from orchestration.publish.status import STATE_TABLE, STATUS_TABLE, _q, _write_status
from orchestration.settings import Paths
from orchestration.warehouse import file_lock, writer_lock

# the package API (re-exported by orchestration/publish/__init__.py)
__all__ = [
    "KEEP_VERSIONS", "STATUS_TABLE", "PublishError", "RollbackError", "Version", "current_version",
    "ensure_serving_copy", "list_versions", "publish", "read_status", "rollback", "table_counts",
]

KEEP_VERSIONS = 5
VERSION_PATTERN = re.compile(r"^sozialmonitor_(\d{8}T\d{6}\d{6}Z)_([A-Za-z0-9-]+)\.duckdb$")
FILE_MODE = 0o444  # published file, versions and serving copy
SERVING_DIR_MODE = 0o555  # the serving folder; writable only during a swap
_TMP_PREFIX = ".publish-"  # temporary files of earlier releases, inside published/ (removed on sight)


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
        return dt.datetime.strptime(self.stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)


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


def version_name_of(published: Path) -> str | None:
    """The version name a published file records in its own status table (None if unreadable)."""
    try:
        con = duckdb.connect(str(published), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        row = con.execute(f"SELECT max(version) FROM mart.{STATUS_TABLE} WHERE eintrag = 'publikation'").fetchone()
        return row[0] if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def current_version(paths: Paths) -> Version | None:
    """The version the published file is: the name recorded in its own `mart.publikation_status`
    (row `publikation`, column `version`), else the kept version with the same bytes, else None (e.g. a
    destroyed published file). The returned version's file may be missing if it was never kept."""
    if not paths.published.exists():
        return None
    name = version_name_of(paths.published)
    m = VERSION_PATTERN.match(name or "")
    if m:
        return Version(versions_dir(paths) / name, m.group(1), m.group(2))
    size = paths.published.stat().st_size
    digest = None
    for v in reversed(list_versions(paths)):
        try:
            if v.path.stat().st_size != size:
                continue
            digest = digest or _sha256(paths.published)
            if _sha256(v.path) == digest:
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


def _prepare_folders(paths: Paths) -> None:
    for folder in (paths.published_dir, versions_dir(paths), paths.publish_tmp):
        folder.mkdir(parents=True, exist_ok=True)


def _clean_stale_temp(paths: Paths) -> None:
    """Temporary files of a publish or rollback that was killed (we hold the publish lock: nobody else
    is writing one), including those earlier releases left inside `published/`."""
    if paths.publish_tmp.is_dir():
        for p in paths.publish_tmp.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    if paths.published_dir.is_dir():
        for p in paths.published_dir.glob(_TMP_PREFIX + "*"):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _temp_path(paths: Paths, label: str) -> Path:
    return paths.publish_tmp / f"{label}-{os.getpid()}-{time.time_ns()}.duckdb"


def _finish(path: Path) -> None:
    """Make a finished temporary file durable and read-only before it is moved into place."""
    os.chmod(path, FILE_MODE)
    _fsync_file(path)


def _copy_to_temp(paths: Paths, source: Path, label: str) -> Path:
    """An independent, fsynced, read-only copy of `source` in the temporary folder."""
    tmp = _temp_path(paths, label)
    shutil.copyfile(source, tmp)
    _finish(tmp)
    return tmp


def _swap_serving(paths: Paths, tmp: Path) -> None:
    """Atomically replace the serving copy by `tmp`; the folder is writable only meanwhile."""
    folder = paths.serving_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    try:
        os.replace(tmp, paths.serving)
        _fsync_dir(folder)
    finally:
        os.chmod(folder, SERVING_DIR_MODE)


def _serving_is_current(paths: Paths) -> bool:
    try:
        return (paths.serving.stat().st_mode & 0o777 == FILE_MODE
                and paths.serving_dir.stat().st_mode & 0o777 == SERVING_DIR_MODE
                and filecmp.cmp(paths.serving, paths.published, shallow=False))
    except FileNotFoundError:
        return False


def _published_is_sound(paths: Paths) -> bool:
    """The published file has the bytes of the kept version it names (never copy a destroyed file)."""
    current = current_version(paths)
    return current is not None and current.path.exists() and filecmp.cmp(current.path, paths.published, shallow=False)


def _ensure_serving_locked(paths: Paths) -> bool:
    if not paths.published.exists() or _serving_is_current(paths) or not _published_is_sound(paths):
        return False
    _prepare_folders(paths)
    tmp = _copy_to_temp(paths, paths.published, "serving")
    try:
        _swap_serving(paths, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def ensure_serving_copy(paths: Paths) -> bool:
    """Recreate the serving copy if it is missing or differs from the published file (a byte
    comparison: cheap at the size of the mart), provided the published file is intact (equal to the
    kept version it names). Returns whether it had to be written."""
    if not paths.published.exists() or _serving_is_current(paths):
        return False
    with file_lock(paths.publish_lock):
        return _ensure_serving_locked(paths)


# ---------------------------------------------------------------------------------------------- API


def _keep_current_version(paths: Paths) -> None:
    """A publish killed between its replaces can leave the published file without its entry in
    `versions/`: copy it there (the name is in its status table). Under the publish lock."""
    current = current_version(paths)
    if current is None or current.path.exists():
        return
    tmp = _copy_to_temp(paths, paths.published, "version")
    try:
        os.replace(tmp, current.path)
        _fsync_dir(current.path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _repair(paths: Paths, *, serving: bool) -> None:
    """Start of every publish and rollback (under the publish lock): remove what a killed one left in
    the temporary folder, keep the published file's version and, with `serving`, restore a missing or
    changed serving copy (so that even a refused rollback restores it; `publish` writes a new one, and
    its Dagster step checks the copy before the gate with `ensure_serving_copy`)."""
    _prepare_folders(paths)
    _clean_stale_temp(paths)
    _keep_current_version(paths)
    if serving:
        _ensure_serving_locked(paths)


def _put_in_place(paths: Paths, published_tmp: Path, version_path: Path | None) -> None:
    """The copies for `versions/` and `serving/` first, then the atomic replaces, the published file
    first: a kill before it leaves every served file as it was."""
    version_tmp = _copy_to_temp(paths, published_tmp, "version") if version_path is not None else None
    serving_tmp = _copy_to_temp(paths, published_tmp, "serving")
    try:
        os.replace(published_tmp, paths.published)  # the commit point: readers see the old or the new file
        _fsync_dir(paths.published_dir)
        if version_tmp is not None:
            os.replace(version_tmp, version_path)
            _fsync_dir(version_path.parent)
        _swap_serving(paths, serving_tmp)
    finally:
        for tmp in (version_tmp, serving_tmp):
            if tmp is not None:
                tmp.unlink(missing_ok=True)


def publish(paths: Paths, *, run_id: str, checks: list[dict[str, Any]] | None = None, code: str | None = None) -> Path:
    """Build the published file from the mart of the working database and swap it in atomically,
    together with its copy in `versions/` and the serving copy for Superset.

    `checks`: the checks of this run as dicts (`name`, `asset`, `passed`, `severity`, optional
    `description`); a failed ERROR-level check refuses publication. `code`: the fingerprint of the code
    and settings of the run (`orchestration.stand`), recorded with the delivery state as the file's Stand;
    without it the next build is a full one. Returns the kept version's path.
    """
    checks = list(checks or [])
    failed = [c for c in checks if not c.get("passed", True) and not str(c.get("severity", "ERROR")).upper().startswith("WARN")]
    if failed:
        raise PublishError("not publishing: failed checks: " + ", ".join(f"{c.get('asset')}:{c.get('name')}" for c in failed))
    if not paths.warehouse.exists():
        raise PublishError(f"working database {paths.warehouse} does not exist")
    versions = versions_dir(paths)
    safe_run = re.sub(r"[^A-Za-z0-9-]", "", run_id)[:36] or "manuell"

    with file_lock(paths.publish_lock):
        _repair(paths, serving=False)
        published_at = dt.datetime.now(dt.UTC)
        stamp = published_at.strftime("%Y%m%dT%H%M%S%fZ")
        version_name = f"sozialmonitor_{stamp}_{safe_run}.duckdb"
        tmp = _temp_path(paths, "published")
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
                    columns = con.execute(
                        "SELECT table_name || '.' || column_name FROM information_schema.columns "
                        "WHERE table_catalog = 'w' AND table_schema = 'mart' ORDER BY ALL").fetchall()
                    bad = [c for (c,) in columns if privacy.match(c.split(".", 1)[1])]
                    if bad:
                        raise PublishError(f"mart contains case-level columns, refusing to publish: {bad}")
                    con.execute("CREATE SCHEMA mart")
                    counts: dict[str, int] = {}
                    for table in tables:
                        con.execute(f"CREATE TABLE mart.{_q(table)} AS SELECT * FROM w.mart.{_q(table)}")
                        counts[table] = con.execute(f"SELECT count(*) FROM mart.{_q(table)}").fetchone()[0]
                    _write_status(con, published_at=published_at, run_id=run_id, version_name=version_name,
                                  checks=checks, mart_tables=counts, stand=stand.record(con, code, f"w.{STATE_TABLE}"))
                    con.execute("DETACH w")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            wal = tmp.with_name(tmp.name + ".wal")
            if wal.exists():  # CHECKPOINT + close leave none; never publish a file that needs its WAL
                raise PublishError(f"temporary file {tmp} still has a WAL after close")
            _finish(tmp)
            _put_in_place(paths, tmp, versions / version_name)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
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
    """Serve the version published before the current one again (atomically), and its serving copy.
    Returns its path. If the published file is destroyed or missing, the newest kept version is
    restored.

    Repeated calls step further back. The rolled-back-from version stays in `versions/` until retention
    removes it.
    """
    with file_lock(paths.publish_lock):
        _repair(paths, serving=True)
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
        if version_name_of(target.path) != target.path.name:
            raise RollbackError(f"version {target.path} is damaged (its status table does not name it); nothing changed")
        tmp = _copy_to_temp(paths, target.path, "rollback")
        try:
            _put_in_place(paths, tmp, None)
        finally:
            tmp.unlink(missing_ok=True)
        return target.path


def read_status(published: Path) -> list[dict[str, Any]]:
    """The status table of a published file (read-only), as dicts."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM mart.{STATUS_TABLE} ORDER BY eintrag, familie, datei, pruefung")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]
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
