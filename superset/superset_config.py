"""Superset configuration of the Sozialraum-Monitor (loaded through SUPERSET_CONFIG_PATH).

Everything that changes per machine comes from the environment (set by superset/manage.sh):

  SOZIALMONITOR_SUPERSET_HOME  metadata SQLite, logs, pid file, rendered bundle
                               (default <repo>/var/superset, git-ignored)
  SOZIALMONITOR_SECRETS        SECRET_KEY and generated passwords (default <repo>/var/secrets,
                               git-ignored, files mode 0600)
  SOZIALMONITOR_LOGIN_RATE_LIMIT   logins (form and API) per client address, per endpoint and per
                               gunicorn worker (default "10 per minute"; Flask-Limiter syntax)
  SOZIALMONITOR_RATELIMIT_STORAGE_URI  storage of the limits (default memory:// = per worker;
                               redis://host:port for one count across workers)
  SOZIALMONITOR_SESSION_COOKIE_SECURE  1 = session cookie only over HTTPS (default 0: http://localhost)
  SOZIALMONITOR_PROXY_FIX      1 = trust X-Forwarded-For/-Proto/-Host of one reverse proxy in front

The SECRET_KEY is generated on first start and never committed. Nothing here holds a credential.

SQL: every statement Superset sends to the DuckDB database passes the read-only allowlist of
superset/readonly_sql.py (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE, PIVOT). Three hooks,
because no single one sees every statement in Superset 6.1.0 (see superset/README.md):
SQL_QUERY_MUTATOR (MUTATE_AFTER_SPLIT = False), DuckDBEngineSpec.execute (wrapped in
FLASK_APP_MUTATOR) and the SQL Lab access check of the security manager.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT / "superset") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "superset"))

import readonly_sql  # noqa: E402

SUPERSET_HOME = Path(
    os.environ.get("SOZIALMONITOR_SUPERSET_HOME") or REPO_ROOT / "var" / "superset"
).resolve()
SECRETS_DIR = Path(os.environ.get("SOZIALMONITOR_SECRETS") or REPO_ROOT / "var" / "secrets").resolve()


def _secret_key() -> str:
    path = SECRETS_DIR / "superset_secret_key"
    if not path.exists():
        SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


SUPERSET_HOME.mkdir(parents=True, exist_ok=True)
SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(SUPERSET_HOME / "data")

# --- German UI and number formats -------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "de"
LANGUAGES = {
    "de": {"flag": "de", "name": "Deutsch"},
    "en": {"flag": "us", "name": "English"},
}
D3_FORMAT = {
    "decimal": ",",
    "thousands": ".",
    "grouping": [3],
    "currency": ["", "\u00a0€"],
}
D3_TIME_FORMAT = {
    "dateTime": "%A, der %e. %B %Y, %X",
    "date": "%d.%m.%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
    "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
    "months": [
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ],
    "shortMonths": [
        "Jan", "Feb", "Mrz", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
    ],
}
CURRENCIES = ["EUR"]
APP_NAME = "Sozialraum-Monitor"

# --- Security ------------------------------------------------------------------------------
def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "ja", "on")


PUBLIC_ROLE_LIKE = None  # no anonymous access
AUTH_ROLE_PUBLIC = "Public"
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
# off by default: served on http://localhost; behind a TLS reverse proxy set it to 1 (superset/README.md)
SESSION_COOKIE_SECURE = _flag("SOZIALMONITOR_SESSION_COOKIE_SECURE")
# behind a reverse proxy: client address (rate limits, logs) and scheme (HSTS) from its X-Forwarded-* headers
ENABLE_PROXY_FIX = _flag("SOZIALMONITOR_PROXY_FIX")

# Login rate limit (Flask-AppBuilder/Flask-Limiter). Superset 6.1.0 applies AUTH_RATE_LIMIT only to
# its GET-only login page, not to the form POST (FAB's AuthDBView) nor to POST /api/v1/security/login;
# SozialmonitorSecurityManager.register_views below limits both. Every login POST counts (right or
# wrong), per client address, per endpoint and - with memory:// - per gunicorn worker.
RATELIMIT_ENABLED = True
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("SOZIALMONITOR_LOGIN_RATE_LIMIT") or "10 per minute"
RATELIMIT_STORAGE_URI = os.environ.get("SOZIALMONITOR_RATELIMIT_STORAGE_URI") or "memory://"

# --- Read-only SQL (superset/readonly_sql.py) ------------------------------------------------
# The mutator is called with is_split=False for SQL Lab blocks (sql_lab.py), chart/sample queries
# (models/helpers.py get_query_str_extended), filter values and expression validation (helpers.py,
# both executed through SQLAlchemy, not the engine spec) and virtual-dataset column metadata
# (connectors/sqla/utils.py, which calls cursor.execute directly): MUTATE_AFTER_SPLIT must stay False.
SQL_QUERY_MUTATOR = readonly_sql.sql_query_mutator
MUTATE_AFTER_SPLIT = False


def FLASK_APP_MUTATOR(app) -> None:  # noqa: N802 - Superset's config name
    # The call right before cursor.execute for SQL Lab, chart data, SQL Lab CSV export, the
    # datetime-format detector and Database.execute (SQLExecutor), which mutate only after the split.
    readonly_sql.install_engine_spec_guard()


from superset.security import SupersetSecurityManager  # noqa: E402


class SozialmonitorSecurityManager(SupersetSecurityManager):
    """Superset's security manager plus (1) the read-only check of the whole SQL Lab text before
    Superset's own parser sees it (German message, also for text sqlglot cannot parse, and no
    statement of a refused multi-statement text runs) and (2) the login rate limit on the
    endpoints that really take passwords."""

    def raise_for_access(self, *args, **kwargs):  # type: ignore[override]
        readonly_sql.sql_lab_query_check(kwargs.get("query"), kwargs.get("database"), kwargs.get("sql"))
        return super().raise_for_access(*args, **kwargs)

    def is_item_public(self, permission_name, view_name):  # type: ignore[override]
        """Flask-AppBuilder's API decorator `protect` skips the JWT check for anything the Public role may
        do (flask_appbuilder/security/decorators.py:99): a request with a token would then run as the
        anonymous visitor on exactly the endpoints the public dashboard needs (dashboard and chart lists,
        chart data). A request that carries a bearer token is therefore never treated as public: its token
        is verified and it runs as its user (or gets 401)."""
        from flask import has_request_context, request

        if has_request_context() and request.headers.get("Authorization", "").lower().startswith("bearer "):
            return False
        return super().is_item_public(permission_name, view_name)

    def register_views(self) -> None:
        super().register_views()
        if not self.is_auth_limited:
            return
        from flask import request
        from flask_appbuilder.security.api import SecurityApi
        from flask_appbuilder.security.views import AuthView
        from superset.views.auth import SupersetAuthView

        for view in list(self.appbuilder.baseviews):
            blueprint = getattr(view, "blueprint", None)
            if blueprint is None:
                continue
            if isinstance(view, SecurityApi):  # POST /api/v1/security/login (not /refresh)
                login = f"{blueprint.name}.login"
                self.limiter.limit(self.auth_rate_limit, methods=["POST"],
                                   exempt_when=lambda login=login: request.endpoint != login)(blueprint)
            elif isinstance(view, AuthView) and not isinstance(view, SupersetAuthView):
                # FAB's AuthDBView takes the POST of /login/ (Superset's own view is GET only)
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(blueprint)


CUSTOM_SECURITY_MANAGER = SozialmonitorSecurityManager
# SQLite file databases and arbitrary URIs cannot be added through the UI
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Jinja in SQL is not needed and widens the attack surface
FEATURE_FLAGS = {
    "ENABLE_TEMPLATE_PROCESSING": False,
    "DASHBOARD_RBAC": False,
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "EMBEDDED_SUPERSET": False,
    # render every chart of a dashboard, not only those in the viewport: the dashboards are printed
    # and screenshotted as a whole, and charts must not blank out when scrolled away
    "DASHBOARD_VIRTUALIZATION": False,
}
# Offline machine: the deck.gl basemap (OpenStreetMap tiles, allowed by Superset's default CSP)
# is not reachable; the polygons still render. Talisman keeps Superset's default CSP; it sends HSTS
# on HTTPS requests (or X-Forwarded-Proto: https) and leaves SESSION_COOKIE_SECURE as set above.
TALISMAN_ENABLED = True

# --- Caches and limits ---------------------------------------------------------------------
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}  # the published file changes under us
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SupersetMetastoreCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = FILTER_STATE_CACHE_CONFIG
ROW_LIMIT = 50000
SQL_MAX_ROW = 100000
SUPERSET_WEBSERVER_TIMEOUT = 120

LOG_LEVEL = os.environ.get("SOZIALMONITOR_SUPERSET_LOG_LEVEL", "INFO")
