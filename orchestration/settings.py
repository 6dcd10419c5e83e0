"""Settings of one pipeline run: the Dagster resource `Settings`, the only reader of the environment (beside
dbt_env.py, the channel of the working database to dbt's processes).

Every asset, check and sensor receives `Settings` (resource key `settings`). Its defaults come from
`SOZIALMONITOR_*` environment variables (as `dg.EnvVar`, resolved when a run starts) or the bundled
defaults; the CLI (`sozialmonitor build --region --landing --out`) passes its values as run config, and
the Dagster UI launchpad can set them per run (`resources: settings: config: …`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from pydantic import Field

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"
VAR_DIR = REPO_ROOT / "var"
DEFAULT_LANDING = VAR_DIR / "landing"
DEFAULT_OUT = VAR_DIR / "out"
SHIPPED_DATA = REPO_ROOT / "data"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEMO_KEY_FILE = VAR_DIR / "secrets" / "pseudonym.key"

ENV_REGION = "SOZIALMONITOR_REGION"
ENV_LANDING = "SOZIALMONITOR_LANDING"
ENV_OUT = "SOZIALMONITOR_OUT"
# The file name of the working database in every output folder.
WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class Paths:
    region: Path
    landing: Path
    out: Path

    @property
    def warehouse(self) -> Path:
        """The working database: raw, staging, intermediate and mart schemas."""
        return self.out / WAREHOUSE_FILE

    @property
    def published_dir(self) -> Path:
        return self.out / "published"

    @property
    def published(self) -> Path:
        """The serving file readers open read-only (only the `mart` schema)."""
        return self.published_dir / "sozialmonitor.duckdb"

    @property
    def serving_dir(self) -> Path:
        """Superset's own copy of the published file lives here (read-only folder and file)."""
        return self.out / "serving"

    @property
    def serving(self) -> Path:
        """The copy Superset serves: same bytes as `published`, a separate file, mode 0444 in a 0555
        folder, swapped atomically by the publisher. Destroying it cannot touch `published/`."""
        return self.serving_dir / "sozialmonitor.duckdb"

    @property
    def build_lock(self) -> Path:
        """Held (`flock`) by the one `sozialmonitor build` or `rollback` working on this output folder;
        holds its PID. The kernel releases it when the process dies, so a killed build never blocks."""
        return self.out / "build.lock"

    @property
    def publish_lock(self) -> Path:
        """Serialises every writer of `published/` and `serving/` (publish, rollback)."""
        return self.out / "publish.lock"

    @property
    def publish_tmp(self) -> Path:
        """Temporary files of publish and rollback: on the same file system as `published/` (so
        `os.replace` is atomic) but outside it; emptied by the next publish or rollback."""
        return self.out / ".tmp-publish"

    @property
    def quarantine(self) -> Path:
        return self.landing / "_quarantine"

    @property
    def gx_passed(self) -> Path:
        """The last flawless GX result of each suite on this folder's data, with the fingerprint of what it
        validated (orchestration/quality/runner.py: `PassedResults`)."""
        return self.out / "gx-bestanden"


# ------------------------------------------------------------------------------------ the resource

# field -> environment variable of its default (values from the environment stay EnvVar, so a secret is
# never shown in the UI and a changed variable takes effect with the next run)
ENV_DEFAULTS = {
    "region": ENV_REGION,
    "landing": ENV_LANDING,
    "out": ENV_OUT,
    "max_reject_share": "SOZIALMONITOR_MAX_REJECT_SHARE",
    "disclosure_min_cell": "SOZIALMONITOR_DISCLOSURE_MIN_CELL",
    "max_sprung_pp": "SOZIALMONITOR_MAX_SPRUNG_PP",
    "max_sprung_rel": "SOZIALMONITOR_MAX_SPRUNG_REL",
    "expectations": "SOZIALMONITOR_EXPECTATIONS",
    "gx_docs": "SOZIALMONITOR_GX_DOCS",
    "gx_home": "SOZIALMONITOR_GX_HOME",
    "gx_reuse": "SOZIALMONITOR_GX_REUSE",
    "pseudonym_key": "SOZIALMONITOR_PSEUDONYM_KEY",
    "pseudonym_key_file": "SOZIALMONITOR_PSEUDONYM_KEY_FILE",
    "demo_key_file": "SOZIALMONITOR_DEMO_KEY_FILE",
}

# the words of an on/off setting in the environment (gx_reuse; gx_docs is off with one of the off words)
SWITCH = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class Settings(dg.ConfigurableResource):
    """Region, folders, thresholds and the pseudonymisation key source of one run."""

    region: str = Field(default=str(DEFAULT_REGION), description="Ordner des Regionsprofils (region.yml, Gemeinden, Sozialräume)")
    landing: str = Field(default=str(DEFAULT_LANDING), description="Eingangsordner der Lieferungen (je Quelle ein Unterordner)")
    out: str = Field(default=str(DEFAULT_OUT), description="Ausgabeordner: Arbeitsdatenbank, veröffentlichte Datei, Profile, Protokolle")
    demo: bool = Field(default=False, description="Demo-Lauf: ohne konfigurierten Schlüssel gilt der lokale Demo-Schlüssel")
    max_reject_share: float = Field(default=0.01, ge=0, le=1,
                                    description="Höchster Anteil abgelehnter Zeilen einer Datei, bevor sie in Quarantäne geht")
    disclosure_min_cell: int | None = Field(default=None, ge=1,
                                            description="Kleinste veröffentlichte Fallzahl (leer: dbt-Variable disclosure_min_cell)")
    max_sprung_pp: float = Field(default=10.0, gt=0, description="Plausibilität: größter Sprung eines Anteils zum Vorjahr (Prozentpunkte)")
    max_sprung_rel: float = Field(default=0.5, gt=0, description="Plausibilität: größter relativer Sprung einer Quote/Zahl zum Vorjahr")
    expectations: str = Field(default=str(EXPECTATIONS_DIR), description="Ordner der GX-Suiten")
    gx_docs: str = Field(default=str(VAR_DIR / "gx_docs"), description="Ordner der GX Data Docs ('off': keine)")
    gx_home: str = Field(default=str(VAR_DIR / "gx"), description="Ordner des GX-Projekts (Ergebnisablage)")
    gx_reuse: bool = Field(default=True, description="GX: eine Suite, die dieselben Daten mit denselben Erwartungen schon "
                                                     "fehlerfrei validiert hat, wird nicht erneut validiert (aus: jede "
                                                     "Suite in jedem Lauf)")
    pseudonym_key: str | None = Field(default=None, description="Schlüssel der Pseudonymisierung (geheim, nur aus der Umgebung)")
    pseudonym_key_file: str | None = Field(default=None, description="Datei mit dem Schlüssel der Pseudonymisierung")
    demo_key_file: str = Field(default=str(DEMO_KEY_FILE),
                               description="Schlüsseldatei für Demodaten ohne konfigurierten Schlüssel (angelegt, wenn sie fehlt)")

    @classmethod
    def from_env(cls, *, resolve: bool = False, **values) -> Settings:
        """Defaults from the environment, overridden by `values`. Text values stay `dg.EnvVar` (resolved by
        Dagster when a run starts, secrets hidden in the UI) unless `resolve` (a command outside a run)."""
        return cls(**{**cls._environment(resolve), **values})

    @classmethod
    def _environment(cls, resolve: bool) -> dict:
        """The fields set in the environment (ENV_DEFAULTS): text as `dg.EnvVar` (or its value: `resolve`),
        numbers parsed."""
        env: dict = {}
        for field, var in ENV_DEFAULTS.items():
            raw = os.environ.get(var, "").strip()
            if not raw:
                continue
            kind = cls.model_fields[field].annotation
            if kind in (str, str | None):
                env[field] = raw if resolve else dg.EnvVar(var)  # resolved when the run starts; secrets stay hidden in the UI
            elif kind is bool:  # a switch: parsed here, with the variable named when it is not one
                if raw.lower() not in SWITCH:
                    raise ValueError(f"${var}={raw!r}: expected one of {', '.join(SWITCH)}")
                env[field] = SWITCH[raw.lower()]
            else:  # a number: parsed here, with the variable named when it is not one
                try:
                    env[field] = int(raw) if kind in (int, int | None) else float(raw.replace(",", "."))
                except ValueError:
                    raise ValueError(f"${var}={raw!r}: expected a number") from None
        return env

    def run_config(self) -> dict:
        """Run config that makes a run use this object's region, folders and demo mode, and the environment's other
        settings. A run config for the resource replaces the code location's resource config as a whole: without
        the environment's settings in it, every other field fell back to its default (a key, a disclosure threshold
        or GX folders set in the environment were ignored by `sozialmonitor build`). Text settings go as a
        reference to their variable (`{"env": ...}`, read when the run starts: a secret's value never appears in
        the run's config), numbers as their value."""
        environment = {field: {"env": value.env_var_name} if isinstance(value, dg.EnvVar) else value
                       for field, value in self._environment(resolve=False).items()}
        return {"resources": {"settings": {"config": {
            **environment,
            "region": str(self.paths.region), "landing": str(self.paths.landing), "out": str(self.paths.out),
            "demo": self.demo}}}}

    @property
    def paths(self) -> Paths:
        return Paths(region=Path(self.region).resolve(), landing=Path(self.landing).resolve(), out=Path(self.out).resolve())

    @property
    def gx_docs_dir(self) -> Path | None:
        return None if SWITCH.get(self.gx_docs.strip().lower()) is False else Path(self.gx_docs).resolve()

    @property
    def gx_home_dir(self) -> Path:
        return Path(self.gx_home).resolve()

    @property
    def expectations_dir(self) -> Path:
        return Path(self.expectations).resolve()
