"""A real Superset server for the tests: fresh metadata DB in a temporary folder, serving the demo
build's serving copy (OUT/serving, written by the publisher; made here from the published file
when the publisher in use does not write it yet), started and stopped with superset/manage.sh (the
same commands `make up` uses). As root, manage.sh runs gunicorn with OUT mounted read-only."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
from superset_support import MANAGE, SupersetServer, _free_port, ensure_serving


@pytest.fixture(scope="session")
def superset_server(demo_build, tmp_path_factory) -> SupersetServer:
    base_dir = tmp_path_factory.mktemp("superset")
    ensure_serving(demo_build)
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
    # the production defaults (login rate limit, plain-http cookies, no proxy) are what is tested
    for name in ("SOZIALMONITOR_LOGIN_RATE_LIMIT", "SOZIALMONITOR_RATELIMIT_STORAGE_URI",
                 "SOZIALMONITOR_SESSION_COOKIE_SECURE", "SOZIALMONITOR_PROXY_FIX", "SUPERSET_WORKERS"):
        env.pop(name, None)
    server = SupersetServer(f"http://127.0.0.1:{port}", env, env["SUPERSET_ADMIN_PASSWORD"],
                            env["SOZIALMONITOR_DEMO_PASSWORD"], demo_build.out, base_dir / "home")
    server.manage("setup")
    try:
        server.manage("up")
        yield server
    finally:
        subprocess.run(["bash", str(MANAGE), "down"], env=env, capture_output=True, text=True, timeout=120)
        print(f"\nSuperset timings (s): {server.timings}")
