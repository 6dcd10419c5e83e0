"""Dagster assets of the ingest layer: one multi-asset per source family, one key per raw table
(`raw/<family>__<table>`, the same keys the dbt sources map to), all from the declarations in
orchestration/ingest/families.py (tests/ingest/test_families.py checks them against the dbt sources).

Each family asset loads its new deliveries under the warehouse writer lock (orchestration/ingest/runner.py),
audits them with the family's GX suites inside the same step and connection, and accepts or refuses
them. A refused delivery (quarantined, in conflict, or failing the audit) does not fail the step: the
family stays at its last good state, every other family loads and the mart is published; the check
`lieferungen_angenommen` (warning) and the metadata name the refused files. The step fails only when
data that were accepted earlier fail their checks (blocking `gx_<table>`), or on an error of the system.
"""

import dagster as dg

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import IngestResult
from orchestration.ingest.families import DELIVERIES, REGION, SOURCES, STATE_TABLES, Family
from orchestration.ingest.pseudonym import KeySource
from orchestration.ingest.region import Region
from orchestration.ingest.runner import Options
from orchestration.quality.checks import FamilyChecks, family_checks
from orchestration.settings import DEMO_KEY_FILE, Settings
from orchestration.warehouse import write_connection

# delivery family -> description (the sensor starts one job per family)
FAMILIES: dict[str, str] = {family.name: family.description for family in DELIVERIES}


def options(settings: Settings) -> Options:
    """The run's ingest options: maximum reject share and the pseudonymisation key source (the key, else
    the key file). Without either, deliveries that are all demo data (DEMODATEN marker) fall back to the
    local demo key file, in any run, as before the Settings resource: a build of demo deliveries without
    --demo (e.g. on a copied demo landing folder) still loads, and real deliveries still need a key."""
    return Options(
        max_reject_share=settings.max_reject_share,
        key=KeySource(secret=settings.pseudonym_key or None, file=settings.pseudonym_key_file or None,
                      demo_file=DEMO_KEY_FILE),
    )


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


def _keys(tables: list[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey(["raw", table]) for table in tables]


def _deps(declared: Family) -> list[dg.AssetKey]:
    """The raw tables of the sources `declared` loads after."""
    return [key for name in declared.after for key in _keys(SOURCES[name].tables)]


def _family_asset(declared: Family) -> dg.AssetsDefinition:
    """One multi-asset per delivery family: load, audit, accept or refuse; all of its raw tables in one go."""
    family, description, tables = declared.name, declared.description, list(declared.tables)
    checks: FamilyChecks = family_checks(family, _keys(tables))
    specs = [dg.AssetSpec(["raw", table], group_name="ingest", description=f"{description} (raw.{table})",
                          deps=_deps(declared))
             for table in tables]

    @dg.multi_asset(name=f"raw_{family}", specs=specs, check_specs=checks.specs,
                    description=description)
    def _asset(context: dg.AssetExecutionContext, settings: Settings):
        from orchestration.quality.runner import ERROR, run_suites

        paths = settings.paths
        region = Region.load(paths.region)
        loader = declared.load
        audited: dict[str, list] = {}

        def audit(con) -> list[str]:
            results = run_suites(paths, suites=checks.suite_names, con=con, data_docs=False)
            audited["results"] = results
            return [f.describe(max_examples=2) for r in results for f in r.failed(ERROR)]

        with write_connection(paths.warehouse) as con:
            result = loader(con, paths, region, audit=audit if checks.suites else None, run_id=context.run.run_id,
                            options=options(settings))
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


def _region_asset() -> dg.AssetsDefinition:
    """The region profile (configuration, replaced completely) and the delivery state log every family writes."""
    tables = [*REGION.tables, *STATE_TABLES]
    specs = [dg.AssetSpec(["raw", table], group_name="ingest",
                          description=("Zustand jeder Lieferung (neu, angenommen, abgelehnt, Quarantäne, "
                                       "zurückgezogen), von allen Quellen geschrieben"
                                       if table in STATE_TABLES else f"Regionsprofil (raw.{table})"))
             for table in tables]
    description = REGION.description

    @dg.multi_asset(name="raw_region", specs=specs, description=description)
    def _asset(context: dg.AssetExecutionContext, settings: Settings):
        paths = settings.paths
        with write_connection(paths.warehouse) as con:
            lieferstatus.ensure_table(con)
            result = REGION.load(con, Region.load(paths.region))
        metadata = result_metadata(result)
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={**metadata, "zeilen_tabelle": dg.MetadataValue.int(result.rows.get(f"raw.{table}", 0))},
            )

    return _asset


ingest_assets = [_region_asset(), *(_family_asset(family) for family in DELIVERIES)]
