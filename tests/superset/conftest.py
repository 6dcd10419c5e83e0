"""A real Superset server for the tests: fresh metadata DB in a temporary folder, the demo build's
published file, started and stopped with superset/manage.sh (the same commands `make up` uses)."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from superset_support import MANAGE, SupersetServer, _free_port


@pytest.fixture(scope="session")
def superset_server(demo_build, tmp_path_factory) -> SupersetServer:
    base_dir = tmp_path_factory.mktemp("superset")
    port = _free_port()
    env = {
        **os.environ,
        "SOZIALMONITOR_OUT": str(demo_build.out),
        "SOZIALMONITOR_SUPERSET_HOME": str(base_dir / "home"),
        "SOZIALMONITOR_SECRETS": str(base_dir / "secrets"),
        "SUPERSET_PORT": str(port),
        "SUPERSET_ADMIN_PASSWORD": secrets.token_urlsafe(12),
        "SOZIALMONITOR_DEMO_PASSWORD": secrets.token_urlsafe(12),
    }
    env.pop("VIRTUAL_ENV", None)
    server = SupersetServer(f"http://127.0.0.1:{port}", env, env["SUPERSET_ADMIN_PASSWORD"],
                            env["SOZIALMONITOR_DEMO_PASSWORD"], demo_build.published, base_dir / "home")
    server.manage("setup")
    try:
        server.manage("up")
        yield server
    finally:
        subprocess.run(["bash", str(MANAGE), "down"], env=env, capture_output=True, text=True, timeout=120)
        print(f"\nSuperset timings (s): {server.timings}")
