"""Dagster assets of the ingest layer: one asset per source family, keyed `raw/<family>`.

Each asset calls its family's `load_<family>` under the warehouse writer lock, reports row counts,
rejected and suppressed values and the source files as metadata, and fails (after the good files are
loaded) when a delivery had to be quarantined.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import dagster as dg

from orchestration.ingest.delivery import IngestResult
from orchestration.ingest.region import Region, load_region
from orchestration.settings import current_paths
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


def _finish(context: dg.AssetExecutionContext, result: IngestResult) -> dg.MaterializeResult:
    metadata = result_metadata(result)
    if result.failed:
        # The good files are loaded and committed; the run stops here so nothing downstream is
        # built (or published) from an incomplete delivery.
        raise dg.Failure(description=result.failure_message(), metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(key=["raw", "region"], group_name="ingest", pool="warehouse",
          description="Regionsprofil: Gemeinden-Stammdaten, Sozialraum-Zuordnung, Gemeindegrenzen.")
def raw_region(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = current_paths()
    region = Region.load(paths.region)
    with write_connection(paths.warehouse) as con:
        result = load_region(con, region)
    return _finish(context, result)


def _family_asset(family: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(key=["raw", family], group_name="ingest", pool="warehouse", description=description)
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        loader: Callable = getattr(importlib.import_module(f"orchestration.ingest.{family}"), f"load_{family}")
        paths = current_paths()
        region = Region.load(paths.region)
        with write_connection(paths.warehouse) as con:
            result = loader(con, paths, region)
        return _finish(context, result)

    return _asset


ingest_assets = [raw_region] + [_family_asset(f, d) for f, d in FAMILIES.items()]
