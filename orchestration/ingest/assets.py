"""Dagster assets of the ingest layer: one multi-asset per source family, one key per raw table
(`raw/<family>__<table>`, the same keys the dbt sources map to).

Each asset calls its family's `load_<family>` under the warehouse writer lock, reports row counts,
rejected and suppressed values and the source files as metadata, and fails (after the good files are
loaded) when a delivery had to be quarantined.
"""


import importlib
import json
from collections import defaultdict
from collections.abc import Callable

import dagster as dg

from orchestration.ingest.delivery import IngestResult
from orchestration.ingest.region import Region, load_region
from orchestration.settings import Paths, current_paths
from orchestration.transform.dbt import ensure_manifest
from orchestration.warehouse import write_connection

# family -> (module, description); each module has load_<family>(con, paths, region) -> IngestResult
FAMILIES: dict[str, str] = {
    "genesis": "GENESIS/Regionalstatistik-Tabellen (Bevölkerung, Wanderungen, Beschäftigte, Arbeitslose)",
    "melderegister": "Einwohnermelderegister-Auszüge (Einzelaltersjahre je Gemeinde)",
    "sgb2": "SGB-II-Gemeindedaten (Statistik der BA / Jobcenter), monatlich",
    "grundsicherung": "Grundsicherung im Alter (SGB XII Kap. 4) je Gemeinde, jährlich (Sozialamt)",
    "jugendhilfe": "Fallexporte des Jugendamts (Hilfen, § 8a, § 42/42a), pseudonymisiert",
}


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
    }


def _raw_tables_by_family() -> dict[str, list[str]]:
    """The raw tables each family hands to dbt (the dbt sources), e.g. genesis -> [genesis__werte, …]."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    tables: dict[str, list[str]] = defaultdict(list)
    for source in manifest["sources"].values():
        tables[source["name"].split("__", 1)[0]].append(source["name"])
    return {family: sorted(names) for family, names in tables.items()}


def _family_asset(family: str, description: str, tables: list[str], load: Callable[[Paths], IngestResult]) -> dg.AssetsDefinition:
    """One multi-asset per family: it writes all of the family's raw tables in one go."""
    specs = [dg.AssetSpec(["raw", table], group_name="ingest", description=f"{description} (raw.{table})") for table in tables]

    @dg.multi_asset(name=f"raw_{family}", specs=specs, pool="warehouse", description=description)
    def _asset(context: dg.AssetExecutionContext):
        result = load(current_paths())
        metadata = result_metadata(result)
        if result.failed:
            # The good files are loaded and committed; the run stops here so nothing downstream is
            # built (or published) from an incomplete delivery.
            raise dg.Failure(description=result.failure_message(), metadata=metadata)
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={**metadata, "familie": dg.MetadataValue.text(family),
                          "zeilen_tabelle": dg.MetadataValue.int(result.rows.get(f"raw.{table}", 0))},
            )

    return _asset


def _load_region(paths: Paths) -> IngestResult:
    with write_connection(paths.warehouse) as con:
        return load_region(con, Region.load(paths.region))


def _family_loader(family: str) -> Callable[[Paths], IngestResult]:
    def load(paths: Paths) -> IngestResult:
        loader = getattr(importlib.import_module(f"orchestration.ingest.{family}"), f"load_{family}")
        region = Region.load(paths.region)
        with write_connection(paths.warehouse) as con:
            return loader(con, paths, region)

    return load


_TABLES = _raw_tables_by_family()
ingest_assets = [_family_asset("region", "Regionsprofil: Gemeinden-Stammdaten, Sozialraum-Zuordnung, Gemeindegrenzen",
                               _TABLES["region"], _load_region)]
ingest_assets += [_family_asset(f, d, _TABLES[f], _family_loader(f)) for f, d in FAMILIES.items()]
