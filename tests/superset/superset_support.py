"""Shared helpers of the Superset tests (server handle, hashes)."""

from __future__ import annotations

import hashlib
import os
import socket
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


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class SupersetServer:
    base: str
    env: dict
    admin_password: str
    demo_password: str
    published: Path
    home: Path
    timings: dict = field(default_factory=dict)

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
        pw = self.admin_password if username == "admin" else self.demo_password
        return SupersetClient(self.base, username, pw)

    def gemeinden(self) -> list[tuple[str, str, str]]:
        con = duckdb.connect(str(self.published), read_only=True)
        try:
            return con.execute("select gebiet_id, gebiet_name, kreis_ags from mart.dim_gebiet "
                               "where gebiet_ebene = 'gemeinde' order by gebiet_id").fetchall()
        finally:
            con.close()
