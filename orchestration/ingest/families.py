"""Every source of the warehouse, declared once: what it is, which files it reads, which raw tables it
hands to dbt, its loader and what must be loaded before it.

The Dagster assets (orchestration/ingest/assets.py), the landing scan (delivery.scan_landing), the sensor
and the retraction read these declarations; the dbt sources (dbt_project/models/staging/*/_*__sources.yml)
must name exactly the declared tables (tests/ingest/test_families.py).

Two kinds of source:
- `lieferung`: files delivered into `LANDING/<name>/`, loaded file by file by the one runner
  (orchestration/ingest/runner.py: checksum, one transaction per file, rejects, quarantine, delivery state,
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

# (in this order in listings and reports)
DELIVERIES: tuple[Family, ...] = (
    Family(
        name="genesis",
        description="GENESIS/Regionalstatistik-Tabellen (Bevölkerung, Wanderungen, Beschäftigte, Arbeitslose)",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("genesis__lieferungen", "genesis__werte"),
        loader="orchestration.ingest.genesis:load_genesis",
        after=("region", "gebietsstand"),  # keeps the rows of former Kreise of the region, known from the keys
    ),
    Family(
        name="melderegister",
        description="Einwohnermelderegister-Auszüge (Einzelaltersjahre und Staatsangehörigkeit je Gemeinde; Haushalte "
                    "nach Haushaltstyp)",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("melderegister__einwohner", "melderegister__haushalte", "melderegister__lieferungen"),
        loader="orchestration.ingest.melderegister:load_melderegister",
        after=("region",),
        rejects=True,
    ),
    Family(
        name="sgb2",
        description="SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), monatlich",
        kind=LIEFERUNG,
        patterns=(".xlsx", ".csv"),  # .csv: the Jobcenter's optional Ortsteil counts (sgb2_ortsteile.py)
        tables=("sgb2__gemeinde_monat", "sgb2__lieferungen", "sgb2__ortsteil_monat"),
        loader="orchestration.ingest.sgb2:load_sgb2",
        after=("region", "genesis", "melderegister"),  # counts checked against the population
        rejects=True,
    ),
    Family(
        name="grundsicherung",
        description="Grundsicherung im Alter und bei Erwerbsminderung (SGB XII Kap. 4) und Hilfe zum Lebensunterhalt "
                    "(SGB XII Kap. 3) je Gemeinde, jährlich (Sozialamt)",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("grundsicherung__empfaenger", "grundsicherung__leistungen", "grundsicherung__lieferungen",
                "grundsicherung__ortsteile"),
        loader="orchestration.ingest.grundsicherung:load_grundsicherung",
        after=("region", "genesis", "melderegister"),  # counts checked against the population
        rejects=True,
    ),
    Family(
        name="asylblg",
        description="Empfänger von Regelleistungen nach dem Asylbewerberleistungsgesetz je Gemeinde, jährlich "
                    "(Fachbereich Zuwanderung und Flüchtlinge)",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("asylblg__empfaenger", "asylblg__lieferungen"),
        loader="orchestration.ingest.asylblg:load_asylblg",
        after=("region", "genesis", "melderegister"),  # counts checked against the population
        rejects=True,
    ),
    Family(
        name="wohngeld",
        description="Wohngeldhaushalte (reine Wohngeldhaushalte) je Gemeinde, jährlich (Wohngeldstelle)",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("wohngeld__haushalte", "wohngeld__lieferungen"),
        loader="orchestration.ingest.wohngeld:load_wohngeld",
        after=("region", "genesis", "melderegister"),  # counts checked against the population
        rejects=True,
    ),
    Family(
        name="einrichtungen",
        description="Soziale Infrastruktur: Register der Einrichtungen (Kitas, Familienzentren, Jugendzentren, "
                    "Beratungsstellen, Schulen, Jobcenter-Standorte) mit Lage, Kapazität und Gültigkeit",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("einrichtungen__einrichtungen", "einrichtungen__lieferungen"),
        loader="orchestration.ingest.einrichtungen:load_einrichtungen",
        after=("region",),  # point-in-polygon check against the profile's Gemeinde geometries
    ),
    Family(
        name="jugendhilfe",
        description="Fallexporte des Jugendamts (Hilfen, § 8a, § 42/42a), pseudonymisiert",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("jugendhilfe__gefaehrdungen", "jugendhilfe__hilfen", "jugendhilfe__inobhutnahmen",
                "jugendhilfe__lieferungen"),
        loader="orchestration.ingest.jugendhilfe:load_jugendhilfe",
        after=("region",),
        rejects=True,
    ),
    Family(
        name="massnahmen",
        description="Maßnahmen des Kreises und seiner Träger (Gebiet, Zeitraum, Titel, Träger, Art): vollständige Liste "
                    "je Stand",
        kind=LIEFERUNG,
        patterns=(".csv",),
        tables=("massnahmen__lieferungen", "massnahmen__massnahmen"),
        loader="orchestration.ingest.massnahmen:load_massnahmen",
        after=("region",),  # the areas a measure names are the profile's
    ),
    Family(
        name="gebietsstand",
        description="Gebietsstand-Umstiegsschlüssel (BBSR) für Gemeinden und Kreise: mitgeliefert und neuere Lieferungen",
        kind=LIEFERUNG,
        patterns=(".csv", ".csv.gz"),
        tables=("gebietsstand__lieferungen", "gebietsstand__schluessel"),
        loader="orchestration.ingest.gebietsstand:load_gebietsstand",
        after=("region",),  # a Gemeinde target must be one of the profile's Gemeinden
    ),
)

SOURCES: dict[str, Family] = {f.name: f for f in (REGION, *DELIVERIES)}
# landing family -> file endings (the landing folders the ingest, the sensor and the publisher know)
FAMILY_SUFFIXES: dict[str, tuple[str, ...]] = {f.name: f.patterns for f in DELIVERIES}


def declared_tables() -> set[str]:
    """Every raw table handed to dbt: the sources' tables and the delivery-state log."""
    return {t for f in SOURCES.values() for t in f.tables} | set(STATE_TABLES)
