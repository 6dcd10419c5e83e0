"""Superset configuration of the Sozialraum-Monitor (loaded through SUPERSET_CONFIG_PATH).

Everything that changes per machine comes from the environment (set by superset/manage.sh):

  SOZIALMONITOR_SUPERSET_HOME  metadata SQLite, logs, pid file, rendered bundle
                               (default <repo>/var/superset, git-ignored)
  SOZIALMONITOR_SECRETS        SECRET_KEY and generated passwords (default <repo>/var/secrets,
                               git-ignored, files mode 0600)

The SECRET_KEY is generated on first start and never committed. Nothing here holds a credential.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
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
PUBLIC_ROLE_LIKE = None  # no anonymous access
AUTH_ROLE_PUBLIC = "Public"
WTF_CSRF_ENABLED = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = False  # served on localhost over http
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
# is not reachable; the polygons still render.
TALISMAN_ENABLED = True

# --- Caches and limits ---------------------------------------------------------------------
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}  # the published file changes under us
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SupersetMetastoreCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = FILTER_STATE_CACHE_CONFIG
RATELIMIT_STORAGE_URI = "memory://"
ROW_LIMIT = 50000
SQL_MAX_ROW = 100000
SUPERSET_WEBSERVER_TIMEOUT = 120

LOG_LEVEL = os.environ.get("SOZIALMONITOR_SUPERSET_LOG_LEVEL", "INFO")
