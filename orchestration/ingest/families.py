"""Every source of the warehouse, declared once: what it is, which files it reads, which raw tables it
hands to dbt, its loader, what must be loaded before it (`after`) and what its new deliveries are checked
against (`checked_against`: loaded at the same time, only the check waits, orchestration/ingest/parallel.py).

The Dagster assets (orchestration/ingest/assets.py), the landing scan (delivery.scan_landing), the sensor
and the retraction read these declarations; the dbt sources (dbt_project/models/staging/*/_*__sources.yml)
must name exactly the declared tables (tests/ingest/test_families.py).

Two kinds of source:
- `lieferung`: files delivered into `LANDING/<name>/`, loaded file by file by the one runner
  (orchestration/ingest/runner.py: checksum, one transaction per file or one for all new files, rejects, quarantine, delivery state,
  audit). Each of them also writes `raw.<name>__rejects` when `rejects` is set (not a dbt source).
- `konfiguration`: the region profile (`seeds/regions/<name>/`): configuration, not deliveries. It is not
  loaded file by file but replaced completely in one transaction on every run (region.load_region); a bad
  profile file stops the run instead of being quarantined.

This module imports nothing of the ingest (the loaders are named, and imported when they are used), so
every other module may read it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

LIEFERUNG, KONFIGURATION = "lieferung", "konfiguration"

# The delivery-state log every delivery family writes (orchestration/ingest/lieferstatus.py); created and
# materialised together with the region profile, which every family waits for.
STATE_TABLES = ("ingest__lieferstatus",)


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    kind: str  # LIEFERUNG | KONFIGURATION
    patterns: tuple[str, ...]  # lieferung: file endings in LANDING/<name>/ (any case); konfiguration: file names
    tables: tuple[str, ...]  # raw tables handed to dbt (asset keys raw/<table>)
    loader: str  # "module:function"; lieferung: f(con, paths, region, audit=None, run_id=None, options=None)
    after: tuple[str, ...] = ()  # sources whose raw tables must be loaded before this one
    # sources its new deliveries are checked against before they are accepted: they load at the same time,
    # and only the check waits for them (orchestration/ingest/parallel.py)
    checked_against: tuple[str, ...] = ()
    rejects: bool = False  # rows that fail a row check go to raw.<name>__rejects

    @property
    def load(self) -> Callable:
        module, function = self.loader.split(":")
        return getattr(importlib.import_module(module), function)


REGION = Family(
    name="region",
    description="Regionsprofil: Gemeinden-Stammdaten, Sozialraum-Zuordnung, Ortsteile, Gemeindegrenzen",
    kind=KONFIGURATION,
    patterns=("region.yml", "gemeinden_stammdaten.csv", "sozialraeume.csv", "ortsteile.csv", "gemeinden.geojson"),
    tables=("region__gemeinden", "region__geometrien", "region__ortsteile", "region__profil", "region__sozialraeume"),
    loader="orchestration.ingest.region:load_region",
)

def delivery(name: str, *, description: str, tables: tuple[str, ...], after: tuple[str, ...],
             patterns: tuple[str, ...] = (".csv",), rejects: bool = False,
             checked_against: tuple[str, ...] = ()) -> Family:
    """A delivered family (`lieferung`, text files unless other `patterns` are given), loaded by `load_<name>` of
    orchestration/ingest/<name>.py: the convention every delivery family follows."""
    return Family(name=name, description=description, kind=LIEFERUNG, patterns=patterns, tables=tables,
                  loader=f"orchestration.ingest.{name}:load_{name}", after=after, rejects=rejects,
                  checked_against=checked_against)


# the population (orchestration/ingest/plausibilitaet.py) that the counts of persons are checked against
POPULATION = ("genesis", "melderegister")

# (in this order in listings and reports)
DELIVERIES: tuple[Family, ...] = (
    delivery(
        "genesis",
        description="GENESIS/Regionalstatistik-Tabellen (Bevölkerung, Wanderungen, Beschäftigte, Arbeitslose)",
        tables=("genesis__lieferungen", "genesis__werte"),
        after=("region", "gebietsstand"),  # keeps the rows of former Kreise of the region, known from the keys
    ),
    delivery(
        "melderegister",
        description="Einwohnermelderegister-Auszüge (Einzelaltersjahre und Staatsangehörigkeit je Gemeinde; Haushalte "
                    "nach Haushaltstyp)",
        tables=("melderegister__einwohner", "melderegister__haushalte", "melderegister__lieferungen"),
        after=("region",),
        rejects=True,
    ),
    delivery(
        "sgb2",
        description="SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), monatlich",
        patterns=(".xlsx", ".csv"),  # .csv: the Jobcenter's optional Ortsteil counts (sgb2_ortsteile.py)
        tables=("sgb2__gemeinde_monat", "sgb2__lieferungen", "sgb2__ortsteil_monat"),
        after=("region",),
        checked_against=POPULATION,
        rejects=True,
    ),
    delivery(
        "grundsicherung",
        description="Grundsicherung im Alter und bei Erwerbsminderung (SGB XII Kap. 4) und Hilfe zum Lebensunterhalt "
                    "(SGB XII Kap. 3) je Gemeinde, jährlich (Sozialamt)",
        tables=("grundsicherung__empfaenger", "grundsicherung__leistungen", "grundsicherung__lieferungen",
                "grundsicherung__ortsteile"),
        after=("region",),
        checked_against=POPULATION,
        rejects=True,
    ),
    delivery(
        "asylblg",
        description="Empfänger von Regelleistungen nach dem Asylbewerberleistungsgesetz je Gemeinde, jährlich "
                    "(Fachbereich Zuwanderung und Flüchtlinge)",
        tables=("asylblg__empfaenger", "asylblg__lieferungen"),
        after=("region",),
        checked_against=POPULATION,
        rejects=True,
    ),
    delivery(
        "wohngeld",
        description="Wohngeldhaushalte (reine Wohngeldhaushalte) je Gemeinde, jährlich (Wohngeldstelle)",
        tables=("wohngeld__haushalte", "wohngeld__lieferungen"),
        after=("region",),
        checked_against=POPULATION,
        rejects=True,
    ),
    delivery(
        "einrichtungen",
        description="Soziale Infrastruktur: Register der Einrichtungen (Kitas, Familienzentren, Jugendzentren, "
                    "Beratungsstellen, Schulen, Jobcenter-Standorte) mit Lage, Kapazität und Gültigkeit",
        tables=("einrichtungen__einrichtungen", "einrichtungen__lieferungen"),
        after=("region",),  # point-in-polygon check against the profile's Gemeinde geometries
    ),
    delivery(
        "jugendhilfe",
        description="Fallexporte des Jugendamts (Hilfen, § 8a, § 42/42a), pseudonymisiert",
        tables=("jugendhilfe__gefaehrdungen", "jugendhilfe__hilfen", "jugendhilfe__inobhutnahmen",
                "jugendhilfe__lieferungen"),
        after=("region",),
        rejects=True,
    ),
    delivery(
        "massnahmen",
        description="Maßnahmen des Kreises und seiner Träger (Gebiet, Zeitraum, Titel, Träger, Art): vollständige Liste "
                    "je Stand",
        tables=("massnahmen__lieferungen", "massnahmen__massnahmen"),
        after=("region",),  # the areas a measure names are the profile's
    ),
    delivery(
        "gebietsstand",
        description="Gebietsstand-Umstiegsschlüssel (BBSR) für Gemeinden und Kreise: mitgeliefert und neuere Lieferungen",
        patterns=(".csv", ".csv.gz"),
        tables=("gebietsstand__lieferungen", "gebietsstand__schluessel"),
        after=("region",),  # a Gemeinde target must be one of the profile's Gemeinden
    ),
)

SOURCES: dict[str, Family] = {f.name: f for f in (REGION, *DELIVERIES)}
# landing family -> file endings (the landing folders the ingest, the sensor and the publisher know)
FAMILY_SUFFIXES: dict[str, tuple[str, ...]] = {f.name: f.patterns for f in DELIVERIES}


def declared_tables() -> set[str]:
    """Every raw table handed to dbt: the sources' tables and the delivery-state log."""
    return {t for f in SOURCES.values() for t in f.tables} | set(STATE_TABLES)
