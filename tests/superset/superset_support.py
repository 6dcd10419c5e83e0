"""Shared helpers of the Superset tests (server handle, hashes, the serving copy)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGE = REPO_ROOT / "superset" / "manage.sh"
ARTIFACTS = REPO_ROOT / "var" / "artifacts"
if str(REPO_ROOT / "superset") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "superset"))

from client import SupersetClient  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def published_rows(server, sql: str) -> list[tuple]:
    """Rows of `sql` on the serving copy the server reads (the published mart)."""
    con = duckdb.connect(str(server.serving), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def swap_in(src: Path, target: Path) -> None:
    """Put a copy of src at target the way the publisher does: temporary file in the same folder,
    mode 0444, os.replace, folder back to its mode (0555)."""
    folder = target.parent
    mode = stat.S_IMODE(folder.stat().st_mode)
    folder.chmod(mode | stat.S_IWUSR)
    try:
        tmp = folder / f".{target.name}.test-swap"
        shutil.copyfile(src, tmp)
        tmp.chmod(0o444)
        os.replace(tmp, target)
    finally:
        folder.chmod(mode)


def ensure_serving(paths) -> Path:
    """The serving copy `Paths.serving` (docs/contracts.md "Serving copy for Superset"): the
    publisher's file when the publisher writes one, else the same copy made here (same bytes as the
    published file, 0444, folder 0555)."""
    serving = paths.serving
    if not serving.exists():
        serving.parent.mkdir(parents=True, exist_ok=True)
        swap_in(paths.published, serving)
        serving.parent.chmod(0o555)
    return serving


@dataclass
class SupersetServer:
    base: str
    env: dict
    admin_password: str
    demo_password: str
    out: Path
    home: Path
    timings: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)

    @property
    def published(self) -> Path:
        return self.out / "published" / "sozialmonitor.duckdb"

    @property
    def serving(self) -> Path:
        """The file Superset connects to."""
        return self.out / "serving" / "sozialmonitor.duckdb"

    @property
    def protected_files(self) -> list[Path]:
        """Files no SQL through Superset may change: serving copy, published file, kept versions."""
        versions = sorted(p for p in (self.out / "published" / "versions").glob("*") if p.is_file())
        return [self.serving, self.published, *versions]

    def manage(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        t0 = time.perf_counter()
        proc = subprocess.run(["bash", str(MANAGE), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        self.timings.setdefault(args[0], []).append(round(time.perf_counter() - t0, 1))
        if proc.returncode != 0:
            raise AssertionError(f"manage.sh {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def client(self, username: str = "admin") -> SupersetClient:
        """One logged-in client per user for the whole session: logins are rate-limited (as in
        production), so the tests reuse sessions and tokens instead of logging in again."""
        if username not in self.clients:
            pw = self.admin_password if username == "admin" else self.demo_password
            self.clients[username] = SupersetClient(self.base, username, pw)
        return self.clients[username]

    def gemeinden(self) -> list[tuple[str, str, str]]:
        con = duckdb.connect(str(self.serving), read_only=True)
        try:
            return con.execute("select gebiet_id, gebiet_name, kreis_ags from mart.dim_gebiet "
                               "where gebiet_ebene = 'gemeinde' order by gebiet_id").fetchall()
        finally:
            con.close()
