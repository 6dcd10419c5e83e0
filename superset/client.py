"""A small HTTP client for the Superset REST API (used by the tests and the benchmark).

Logs in once with POST /api/v1/security/login (JWT; logins are rate-limited, so keep one client per
user and reuse it), renews an expired access token with the refresh token, fetches a CSRF token for
endpoints that need one, and runs the stored query context of every chart through POST /api/v1/chart/data.
Runs in the pipeline venv (needs only `requests`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests

RATE_LIMIT_RETRIES = 10


class SupersetError(RuntimeError):
    pass


@dataclass
class ChartResult:
    chart_id: int
    name: str
    viz_type: str
    status: int
    rows: int
    seconds: float
    error: str | None
    data: list[dict] | None = None


class SupersetClient:
    def __init__(self, base_url: str, username: str | None = None, password: str | None = None,
                 timeout: float = 120):
        self.base = base_url.rstrip("/")
        self.s = requests.Session()
        self.timeout = timeout
        self._refresh_token: str | None = None
        if username:
            self.login(username, password or "")

    # --- plumbing ---
    def login(self, username: str, password: str) -> None:
        r = self.s.post(f"{self.base}/api/v1/security/login", timeout=self.timeout,
                        json={"username": username, "password": password, "provider": "db", "refresh": True})
        if r.status_code != 200:
            raise SupersetError(f"login {username}: {r.status_code} {r.text[:300]}")
        self._refresh_token = r.json().get("refresh_token")
        self.s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self._csrf()

    def _csrf(self) -> None:
        c = self.s.get(f"{self.base}/api/v1/security/csrf_token/", timeout=self.timeout)
        if c.status_code == 200:
            self.s.headers["X-CSRFToken"] = c.json()["result"]
            self.s.headers["Referer"] = self.base

    def _renew(self) -> bool:
        """A new access token from the refresh token (not rate-limited like the login)."""
        if not self._refresh_token:
            return False
        r = requests.post(f"{self.base}/api/v1/security/refresh", timeout=self.timeout,
                          headers={"Authorization": f"Bearer {self._refresh_token}"})
        if r.status_code != 200:
            return False
        self.s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        self._csrf()
        return True

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        r = self._send(method, path, **kw)
        if r.status_code == 401 and "expired" in r.text.lower() and self._renew():
            r = self._send(method, path, **kw)
        return r

    def _send(self, method: str, path: str, **kw: Any) -> requests.Response:
        """One request; a 429 of Superset's application rate limit (RATELIMIT_APPLICATION, 50 per second and
        client address) is waited out (its window is one second) and the request sent again."""
        for _ in range(RATE_LIMIT_RETRIES):
            for f in (kw.get("files") or {}).values():  # rewind uploads before sending them (again)
                if isinstance(f, tuple) and hasattr(f[1], "seek"):
                    f[1].seek(0)
            r = self.s.request(method, f"{self.base}{path}", timeout=self.timeout, **kw)
            if r.status_code != 429:
                return r
            time.sleep(1.1)
        return r

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def list_all(self, resource: str, columns: list[str]) -> list[dict]:
        q = "(columns:!(" + ",".join(columns) + "),page:0,page_size:1000)"
        r = self.get(f"/api/v1/{resource}/", params={"q": q})
        if r.status_code != 200:
            raise SupersetError(f"list {resource}: {r.status_code} {r.text[:300]}")
        return r.json()["result"]

    # --- charts ---
    def charts(self) -> list[dict]:
        return self.list_all("chart", ["id", "slice_name", "viz_type", "uuid"])

    def query_context(self, chart_id: int) -> dict:
        r = self.get(f"/api/v1/chart/{chart_id}")
        if r.status_code != 200:
            raise SupersetError(f"chart {chart_id}: {r.status_code} {r.text[:300]}")
        qc = r.json()["result"].get("query_context")
        if not qc:
            raise SupersetError(f"chart {chart_id} has no stored query_context")
        return json.loads(qc)

    def chart_data(self, query_context: dict, force: bool = True) -> tuple[requests.Response, float]:
        body = dict(query_context, force=force)
        t0 = time.perf_counter()
        r = self.post("/api/v1/chart/data", json=body)
        return r, time.perf_counter() - t0

    def run_chart(self, chart: dict, query_context: dict | None = None, keep_data: bool = False) -> ChartResult:
        qc = query_context or self.query_context(chart["id"])
        r, secs = self.chart_data(qc)
        rows, error, data = 0, None, None
        try:
            payload = r.json()
        except ValueError:
            payload = {"message": r.text[:500]}
        if r.status_code == 200:
            results = payload.get("result") or []
            errors = [q.get("error") for q in results if q.get("error")]
            rows = sum(int(q.get("rowcount") or len(q.get("data") or [])) for q in results)
            error = "; ".join(map(str, errors)) or None
            if keep_data:
                data = [row for q in results for row in (q.get("data") or [])]
        else:
            error = str(payload.get("message") or payload.get("errors") or payload)[:500]
        return ChartResult(chart["id"], chart["slice_name"], chart["viz_type"], r.status_code, rows, secs,
                           error, data)

    # --- SQL Lab ---
    def database_id(self, name_contains: str = "Sozialraum") -> int:
        dbs = self.list_all("database", ["id", "database_name"])
        for d in dbs:
            if name_contains in d["database_name"]:
                return d["id"]
        raise SupersetError(f"no database like {name_contains!r} in {dbs}")

    def sql(self, database_id: int, sql: str, schema: str = "mart") -> requests.Response:
        return self.post("/api/v1/sqllab/execute/", json={
            "database_id": database_id, "sql": sql, "schema": schema, "runAsync": False,
            "select_as_cta": False, "ctas_method": "TABLE", "queryLimit": 1000,
            "client_id": f"t{int(time.time() * 1000) % 10**9}", "tab": "test"})
