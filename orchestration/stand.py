"""What a publication was built from, and what the next `sozialmonitor build` therefore has to run.

Every published file records its *Stand* in its status table (the `publikation` row's `details`, key
`stand`): a fingerprint of the code and settings that decide what the mart holds, and per family a digest
of the working database's delivery state log `raw.ingest__lieferstatus` (every load, acceptance, refusal
and retraction appends to it, with its time: two working databases never share a digest).

A build compares that record with the output folder as it is now:

- no published file, an unreadable one, no working database or another one than the published file was built
  from (its first state log row differs: built again from scratch), other code or settings: **everything**
  (as a first build);
- same code; some families have files in the landing folder the working database has not seen (by
  checksum; refused entries such as links count as new, so that the run quarantines them), or a state log
  that differs from the published one (a delivery retracted, a run that ingested and was killed or refused
  before publishing, a rollback): **those families' ingest and everything downstream of it** — the same
  selection as the landing sensor's family job (`orchestration/sensors.py`);
- same code, nothing new: **nothing** — the published file is what a full build would publish.

`sozialmonitor build --voll` runs everything regardless. The result of a partial build is the same as that
of a full build (tests/publish/test_build_process.py; what it runs when: tests/orchestration/test_stand.py):
the models outside the selection are tables built from raw data that has not changed since the published
run, by the same code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest import lieferstatus
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, SHIPPED_DATA, Settings
from orchestration.warehouse import writer_lock

STATE_TABLE = lieferstatus.TABLE
# what decides the mart besides the deliveries (the region profile and the GX suites come from the settings)
CODE_ROOTS = (REPO_ROOT / "orchestration", REPO_ROOT / "seeds", SHIPPED_DATA / "reference",
              DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "macros", DBT_PROJECT_DIR / "models",
              DBT_PROJECT_DIR / "tests", REPO_ROOT / "uv.lock")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}
# the settings that change results (not the folders: a copy of an output folder stays current; nor the demo
# flag: it only lets demo deliveries fall back to the local demo key, and loaded deliveries are never re-read)
RESULT_SETTINGS = ("max_reject_share", "disclosure_min_cell", "max_sprung_pp", "max_sprung_rel")


def _files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not SKIPPED_PARTS.intersection(path.relative_to(root).parts) and path.suffix != ".pyc":
                yield path


def code_fingerprint(settings: Settings, roots: Iterable[Path] = CODE_ROOTS) -> str:
    """sha256 over the code, the region profile, the GX suites and the result settings of a run."""
    digest = hashlib.sha256()
    # by name, not by absolute path: a checkout moved or cloned elsewhere has the same fingerprint
    named = [(root.name, root) for root in roots]
    named += [("region", settings.paths.region), ("expectations", settings.expectations_dir)]
    for name, root in named:
        for path in _files(root):
            digest.update(f"{name}/{path.relative_to(root) if path != root else ''}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps({k: getattr(settings, k) for k in RESULT_SETTINGS}, sort_keys=True).encode())
    return digest.hexdigest()


def family_digests(con: duckdb.DuckDBPyConnection, table: str = STATE_TABLE) -> dict[str, str]:
    """Per family: sha256 of its rows of the delivery state log (number, file, checksum, state, time); empty
    without a state log."""
    try:
        return dict(con.execute(f"""
            SELECT familie, sha256(string_agg(concat_ws('|', nr, datei, sha256, status, am), chr(10) ORDER BY nr))
            FROM {table} GROUP BY familie ORDER BY familie""").fetchall())
    except duckdb.CatalogException:
        return {}


def identity(con: duckdb.DuckDBPyConnection, table: str = STATE_TABLE) -> str | None:
    """Which working database this is: sha256 of its first state log row (written when it was created, time in
    microseconds). A working database built again from scratch has another one; None without a state log."""
    try:
        row = con.execute(f"SELECT concat_ws('|', nr, familie, datei, sha256, status, am) FROM {table} "
                          "ORDER BY nr LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return hashlib.sha256(row[0].encode()).hexdigest() if row else None


# Dagster metadata of every materialisation of a checked asset (the ingest step, the dbt step): which data it is of.
# Several output folders share one Dagster instance; the publication gate (orchestration/publish/assets.py) judges
# only checks of the data this working database holds now.
DATA_STATE = "datenstand"


def data_state(con: duckdb.DuckDBPyConnection, database: Path) -> dict:
    """Which data the working database `con` (the file `database`) holds: its identity and the digest of each
    family's delivery state log (loading, refusing or retracting a delivery changes its family's; a copy of an output
    folder has its origin's until either changes). A database without a state log: its resolved file."""
    ident = identity(con)
    if ident is None:
        return {"datei": str(Path(database).resolve())}
    return {"arbeitsdatenbank": ident, "lieferstatus": family_digests(con)}


def same_data(recorded: dict, current: dict, families: Iterable[str]) -> bool:
    """Whether a materialisation recorded with the data state `recorded` is of the data `current` holds, as far as
    `families` (those its asset is built from) go."""
    if "datei" in recorded or "datei" in current:
        return recorded == current
    return recorded.get("arbeitsdatenbank") == current["arbeitsdatenbank"] and all(
        recorded.get("lieferstatus", {}).get(f) == current["lieferstatus"].get(f) for f in families)


def record(con: duckdb.DuckDBPyConnection, code: str | None, table: str = STATE_TABLE) -> dict:
    """The Stand to store with a publication (`con` sees the working database's state log as `table`)."""
    return {"code": code, "arbeitsdatenbank": identity(con, table), "lieferstatus": family_digests(con, table)}


def published_stand(published: Path) -> dict | None:
    """The Stand recorded in a published file, None if there is none (no file, unreadable, older format)."""
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            row = con.execute("SELECT details FROM mart.publikation_status WHERE eintrag = 'publikation'").fetchone()
    except (duckdb.Error, OSError):
        return None
    try:
        stand = json.loads(row[0]).get("stand") if row and row[0] else None
    except (ValueError, AttributeError):
        return None
    return stand if isinstance(stand, dict) and stand.get("code") else None


@dataclass(frozen=True)
class Plan:
    """What a build runs: `families` None = everything, empty = nothing, else those families and downstream."""

    families: frozenset[str] | None
    reason: str

    @property
    def everything(self) -> bool:
        return self.families is None

    @property
    def nothing(self) -> bool:
        return self.families is not None and not self.families


def _new_in_landing(con: duckdb.DuckDBPyConnection, landing: Path) -> set[str]:
    """Families with a landing entry whose checksum the working database's state log does not know."""
    from orchestration.ingest.assets import FAMILIES
    from orchestration.ingest.delivery import scan_landing, sha256_of

    known: dict[str, set[str]] = {}
    for familie, sha in con.execute(f"SELECT DISTINCT familie, sha256 FROM {STATE_TABLE}").fetchall():
        known.setdefault(familie, set()).add(sha)
    new = set()
    for family in FAMILIES:
        scan = scan_landing(landing, family)
        if scan.refused:
            new.add(family)
            continue
        for path in scan.candidates:
            try:
                digest = sha256_of(path)
            except OSError:  # replaced or removed since the listing: let the family's ingest see it
                new.add(family)
                break
            if digest not in known.get(family, ()):
                new.add(family)
                break
    return new


def plan(settings: Settings, *, full: bool = False) -> Plan:
    """What the build of `settings`' output folder has to run (see the module docstring)."""
    if full:
        return Plan(None, "vollständiger Build (--voll)")
    paths = settings.paths
    stand = published_stand(paths.published)
    if stand is None:
        return Plan(None, "vollständiger Build: keine veröffentlichte Version mit Stand")
    if stand["code"] != code_fingerprint(settings):
        return Plan(None, "vollständiger Build: Code, Regionsprofil, Prüfungen oder Einstellungen geändert")
    if not paths.warehouse.exists():
        return Plan(None, "vollständiger Build: keine Arbeitsdatenbank")
    try:  # under the writer lock: a sensor run writing this working database finishes first
        with writer_lock(paths.warehouse), duckdb.connect(str(paths.warehouse), read_only=True) as con:
            digests = family_digests(con)
            if not digests or identity(con) != stand.get("arbeitsdatenbank"):
                return Plan(None, "vollständiger Build: die Arbeitsdatenbank ist nicht die der veröffentlichten Version")
            new = _new_in_landing(con, paths.landing)
    except duckdb.Error as error:
        return Plan(None, f"vollständiger Build: Arbeitsdatenbank nicht lesbar ({error})")
    published = stand.get("lieferstatus") or {}
    changed = {f for f in set(digests) | set(published) if digests.get(f) != published.get(f)}
    families = frozenset(new | changed)
    from orchestration.ingest.families import SOURCES

    if not families <= set(SOURCES):
        return Plan(None, "vollständiger Build: Lieferstatus unbekannter Quellen " + ", ".join(sorted(families - set(SOURCES))))
    if not families:
        return Plan(families, "nichts Neues: keine neue Lieferung, Code und Einstellungen unverändert")
    return Plan(families, "nur " + ", ".join(sorted(families)) + " und was davon abhängt "
                f"({'neue Lieferung' if new else 'Lieferstatus geändert'})")
