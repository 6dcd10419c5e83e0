"""Dagster assets of the ingest layer: one multi-asset per source family, one key per raw table
(`raw/<family>__<table>`, the same keys the dbt sources map to).

Each family asset loads its new deliveries under the warehouse writer lock (orchestration/ingest/runner.py),
audits them with the family's GX suites inside the same step and connection, and accepts or refuses
them. A refused delivery (quarantined, in conflict, or failing the audit) does not fail the step: the
family stays at its last good state, every other family loads and the mart is published; the check
`lieferungen_angenommen` (warning) and the metadata name the refused files. The step fails only when
data that were accepted earlier fail their checks (blocking `gx_<table>`), or on an error of the system.
"""

import importlib
import json
from collections import defaultdict

import dagster as dg

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import IngestResult
from orchestration.ingest.region import Region, load_region
from orchestration.quality.checks import FamilyChecks, family_checks
from orchestration.settings import Settings
from orchestration.transform.dbt import ensure_manifest
from orchestration.warehouse import write_connection

# family -> description; each module orchestration.ingest.<family> has
# load_<family>(con, paths, region, audit=None, run_id=None) -> IngestResult
FAMILIES: dict[str, str] = {
    "gebietsstand": "Gebietsstand-Umstiegsschlüssel (BBSR) für Gemeinden und Kreise: mitgeliefert und neuere Lieferungen",
    "genesis": "GENESIS/Regionalstatistik-Tabellen (Bevölkerung, Wanderungen, Beschäftigte, Arbeitslose)",
    "melderegister": "Einwohnermelderegister-Auszüge (Einzelaltersjahre je Gemeinde)",
    "sgb2": "SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), monatlich",
    "grundsicherung": "Grundsicherung im Alter (SGB XII Kap. 4) je Gemeinde, jährlich (Sozialamt)",
    "jugendhilfe": "Fallexporte des Jugendamts (Hilfen, § 8a, § 42/42a), pseudonymisiert",
}
# Families whose counts are checked against the population: they load after the population families.
POPULATION_FAMILIES = ("genesis", "melderegister")
CHECKED_AGAINST_POPULATION = ("sgb2", "grundsicherung")


def result_metadata(result: IngestResult) -> dict[str, dg.MetadataValue]:
    files = [
        {"datei": d.path.name, "sha256": d.sha256, "status": "geladen"} for d in result.loaded
    ] + [{"datei": d.path.name, "sha256": d.sha256, "status": "bereits geladen"} for d in result.skipped]
    files += [{"datei": p.name, "sha256": "", "status": f"Quarantäne: {reason}"} for p, reason in result.quarantined]
    return {
        "zeilen_geladen": dg.MetadataValue.int(sum(result.rows.values())),
        "zeilen_je_tabelle": dg.MetadataValue.json(result.rows),
        "dateien_geladen": dg.MetadataValue.int(len(result.loaded)),
        "dateien_unveraendert": dg.MetadataValue.int(len(result.skipped)),
        "dateien_quarantaene": dg.MetadataValue.int(len(result.quarantined)),
        "zeilen_abgelehnt": dg.MetadataValue.int(result.rejected),
        "werte_unterdrueckt": dg.MetadataValue.int(result.suppressed),
        "quelldateien": dg.MetadataValue.json(files),
        "hinweise": dg.MetadataValue.json(result.hints),
    }


def _raw_tables_by_family() -> dict[str, list[str]]:
    """The raw tables each family hands to dbt (the dbt sources), e.g. genesis -> [genesis__werte, …]."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    tables: dict[str, list[str]] = defaultdict(list)
    for source in manifest["sources"].values():
        tables[source["name"].split("__", 1)[0]].append(source["name"])
    return {family: sorted(names) for family, names in tables.items()}


def _keys(tables: list[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey(["raw", table]) for table in tables]


def _family_asset(family: str, description: str, tables: list[str], deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """One multi-asset per landing family: load, audit, accept or refuse; all of its raw tables in one go."""
    checks: FamilyChecks = family_checks(family, _keys(tables))
    specs = [dg.AssetSpec(["raw", table], group_name="ingest", description=f"{description} (raw.{table})", deps=deps)
             for table in tables]

    @dg.multi_asset(name=f"raw_{family}", specs=specs, check_specs=checks.specs,
                    description=description)
    def _asset(context: dg.AssetExecutionContext, settings: Settings):
        from orchestration.quality.runner import ERROR, run_suites

        paths = settings.paths
        region = Region.load(paths.region)
        loader = getattr(importlib.import_module(f"orchestration.ingest.{family}"), f"load_{family}")
        audited: dict[str, list] = {}

        def audit(con) -> list[str]:
            results = run_suites(paths, suites=checks.suite_names, con=con, data_docs=False)
            audited["results"] = results
            return [f.describe(max_examples=2) for r in results for f in r.failed(ERROR)]

        with write_connection(paths.warehouse) as con:
            result = loader(con, paths, region, audit=audit if checks.suites else None, run_id=context.run.run_id)
            suite_results = audited.get("results")
            if suite_results is None or any(not r.passed for r in suite_results):
                # no new delivery was audited, or the audit refused them: judge the data as accepted now
                suite_results = run_suites(paths, suites=checks.suite_names, con=con) if checks.suites else []
        metadata = result_metadata(result)
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={**metadata, "familie": dg.MetadataValue.text(family),
                          "zeilen_tabelle": dg.MetadataValue.int(result.rows.get(f"raw.{table}", 0))},
            )
        for note in result.hints:
            context.log.warning(note)
        for path, reason in result.quarantined:
            context.log.warning(f"abgelehnt: {path.name}: {reason}")
        yield from checks.results(suite_results, [(p.name, r) for p, r in result.quarantined])

    return _asset


def _region_asset(tables: list[str]) -> dg.AssetsDefinition:
    """The region profile (configuration, replaced completely) and the delivery state log every family writes."""
    specs = [dg.AssetSpec(["raw", table], group_name="ingest",
                          description=("Zustand jeder Lieferung (neu, angenommen, abgelehnt, Quarantäne, "
                                       "zurückgezogen), von allen Quellen geschrieben"
                                       if table == "ingest__lieferstatus" else f"Regionsprofil (raw.{table})"))
             for table in tables]
    description = "Regionsprofil: Gemeinden-Stammdaten, Sozialraum-Zuordnung, Gemeindegrenzen"

    @dg.multi_asset(name="raw_region", specs=specs, description=description)
    def _asset(context: dg.AssetExecutionContext, settings: Settings):
        paths = settings.paths
        with write_connection(paths.warehouse) as con:
            lieferstatus.ensure_table(con)
            result = load_region(con, Region.load(paths.region))
        metadata = result_metadata(result)
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={**metadata, "zeilen_tabelle": dg.MetadataValue.int(result.rows.get(f"raw.{table}", 0))},
            )

    return _asset


def _loader_deps(family: str, tables: dict[str, list[str]]) -> list[dg.AssetKey]:
    deps = _keys(tables["region"])
    if family == "genesis":  # keeps the rows of former Kreise of the region, known from the keys
        deps += _keys(tables["gebietsstand"])
    if family in CHECKED_AGAINST_POPULATION:
        for population in POPULATION_FAMILIES:
            deps += _keys(tables[population])
    return deps


_TABLES = _raw_tables_by_family()
ingest_assets = [_region_asset(_TABLES["region"] + _TABLES["ingest"])]
ingest_assets += [_family_asset(f, d, _TABLES[f], _loader_deps(f, _TABLES)) for f, d in FAMILIES.items()]

