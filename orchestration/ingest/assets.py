"""Dagster assets of the ingest layer, one key per raw table (`raw/<family>__<table>`, the same keys the dbt
sources map to), all from the declarations in orchestration/ingest/families.py (tests/ingest/test_families.py
checks them against the dbt sources): `raw_region` (the region profile and the delivery-state log), then
one multi-asset `raw_lieferungen` for every delivery family, which loads independent families at the same
time (orchestration/ingest/parallel.py) and can be subset to the families of a run (the sensor's jobs).

Each family loads its new deliveries under the warehouse writer lock (orchestration/ingest/runner.py),
audits them with the family's GX suites inside the same step and connection, and accepts or refuses
them. A refused delivery (quarantined, in conflict, or failing the audit) does not fail the step: the
family stays at its last good state, every other family loads and the mart is published; the check
`lieferungen_angenommen` (warning) and the metadata name the refused files. The step fails only when
data that were accepted earlier fail their checks (blocking `gx_<table>`), or on an error of the system
(the failure names the family; the other families are loaded and materialised all the same).
"""

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import dagster as dg

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import IngestResult, scan_landing
from orchestration.ingest.families import DELIVERIES, REGION, SOURCES, STATE_TABLES, Family
from orchestration.ingest.parallel import Outcome, load_families
from orchestration.ingest.pseudonym import KeySource
from orchestration.ingest.region import Region
from orchestration.ingest.runner import Options, one_thread
from orchestration.progress import part_message
from orchestration.quality.checks import FamilyChecks, family_checks
from orchestration.settings import Settings
from orchestration.stand import DATA_STATE, data_state
from orchestration.warehouse import write_connection

# delivery family -> description (the sensor starts one job per family)
FAMILIES: dict[str, str] = {family.name: family.description for family in DELIVERIES}
DELIVERIES_STEP = "raw_lieferungen"  # the one step (multi-asset) of every delivery family


def options(settings: Settings) -> Options:
    """The run's ingest options: maximum reject share and the pseudonymisation key source (the key, else
    the key file). Without either, deliveries that are all demo data (DEMODATEN marker) fall back to the
    demo key file (`Settings.demo_key_file`, created if absent), in any run, as before the Settings resource: a build of demo deliveries without
    --demo (e.g. on a copied demo landing folder) still loads, and real deliveries still need a key."""
    return Options(
        max_reject_share=settings.max_reject_share,
        key=KeySource(secret=settings.pseudonym_key or None, file=settings.pseudonym_key_file or None,
                      demo_file=Path(settings.demo_key_file)),
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


def skipped_message(outcome: Outcome) -> str:
    """Why a family was not loaded or its new deliveries were not judged (a family it needs failed)."""
    if outcome.started:  # it loaded, and its check waited in vain: its new deliveries stay `neu`
        return (f"{outcome.family}: nicht angenommen, da {outcome.skipped} fehlgeschlagen ist (die neuen "
                f"Lieferungen werden im nächsten Lauf geprüft)")
    return f"{outcome.family}: nicht geladen, da {outcome.skipped} fehlgeschlagen ist"


def landing_bytes(landing: Path, family: Family) -> int:
    """The bytes of the family's delivery candidates in the landing folder (`scan_landing`, as the family reads
    them): roughly how long it loads (the larger families start first, orchestration/ingest/parallel.py)."""
    try:
        return sum(path.stat().st_size for path in scan_landing(landing, family.name).candidates)
    except OSError:  # a file gone since the scan: its family is judged by its loader
        return 0


def _keys(tables: list[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey(["raw", table]) for table in tables]


def _deps(declared: Family) -> list[dg.AssetKey]:
    """The raw tables of the sources `declared` loads after or is checked against."""
    return [key for name in (*declared.after, *declared.checked_against) for key in _keys(SOURCES[name].tables)]


def _load(con, declared: Family, checks: FamilyChecks, settings: Settings, region: Region, run_id: str,
          checked_against_loaded: Callable[[], None]) -> tuple[IngestResult, list]:
    """One family: load its new deliveries, check them against the families it is checked against once they
    have loaded, audit them with its GX suites on the same connection, accept or refuse them; returns the
    result and the suite results on the data as accepted."""
    from orchestration.quality.runner import ERROR, run_suites

    paths = settings.paths
    audited: dict[str, list] = {}

    def audit(con) -> list[str]:
        results = run_suites(settings, suites=checks.suite_names, con=con, data_docs=False)
        audited["results"] = results
        return [f.describe(max_examples=2) for r in results for f in r.failed(ERROR)]

    result = declared.load(con, paths, region, audit=audit if checks.suites else None, run_id=run_id,
                           options=replace(options(settings), checked_against_loaded=checked_against_loaded))
    suite_results = audited.get("results")
    if suite_results is None or any(not r.passed for r in suite_results):
        # no new delivery was audited, or the audit refused them: judge the data as accepted now
        suite_results = run_suites(settings, suites=checks.suite_names, con=con) if checks.suites else []
    return result, suite_results


def _family_results(context: dg.AssetExecutionContext, declared: Family, checks: FamilyChecks,
                    outcome: Outcome, state: dict) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The materialisations (of the data `state`, `stand.data_state`) and check results of one loaded family (those
    of the run's selection)."""
    result, suite_results = outcome.value
    metadata = {
        **result_metadata(result),
        DATA_STATE: dg.MetadataValue.json(state),
        "familie": dg.MetadataValue.text(declared.name),
        # when and how long the family loaded (the families of a build load at the same time)
        "laden_von": dg.MetadataValue.timestamp(outcome.started),
        "laden_bis": dg.MetadataValue.timestamp(outcome.ended),
        "laden_sekunden": dg.MetadataValue.float(round(outcome.seconds, 3)),
        "cpu_sekunden": dg.MetadataValue.float(round(outcome.cpu, 3)),
    }
    for key, table in zip(_keys(list(declared.tables)), declared.tables, strict=True):
        if key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key, metadata={
                **metadata, "zeilen_tabelle": dg.MetadataValue.int(result.rows.get(f"raw.{table}", 0))})
    for note in result.hints:
        context.log.warning(note)
    for path, reason in result.quarantined:
        context.log.warning(f"{declared.name}: abgelehnt: {path.name}: {reason}")
    for check in checks.results(suite_results, [(p.name, r) for p, r in result.quarantined]):
        if dg.AssetCheckKey(dg.AssetKey.from_coercible(check.asset_key), check.check_name) in \
                context.selected_asset_check_keys:
            yield check


def _deliveries_asset() -> dg.AssetsDefinition:
    """One multi-asset for every delivery family (subsettable: a family's job selects its family's tables).

    The selected families load at the same time in threads of the step, each after the families it loads
    `after` (orchestration/ingest/parallel.py), on cursors of one write connection. A family whose loading
    fails (an error of the system) fails the step with its name, after every other family has loaded and
    been materialised; the families that load after it are not loaded."""
    checks = {family.name: family_checks(family.name, _keys(list(family.tables))) for family in DELIVERIES}
    specs = [dg.AssetSpec(["raw", table], group_name="ingest", description=f"{family.description} (raw.{table})",
                          deps=_deps(family))
             for family in DELIVERIES for table in family.tables]

    @dg.multi_asset(name=DELIVERIES_STEP, specs=specs, check_specs=[s for c in checks.values() for s in c.specs],
                    can_subset=True, description="Lieferungen aller Quellen laden, prüfen, annehmen oder ablehnen "
                                                 "(unabhängige Quellen gleichzeitig)")
    def _asset(context: dg.AssetExecutionContext, settings: Settings):
        from orchestration.quality.runner import start_gx

        start_gx()  # GX imports in its own process while the first families load (a no-op when the build started it)
        families = [f for f in DELIVERIES if any(k in context.selected_asset_keys for k in _keys(list(f.tables)))]
        region = Region.load(settings.paths.region)
        run_id = context.run.run_id
        problems: list[str] = []
        errors: list[BaseException] = []
        loaded: list[Outcome] = []
        with write_connection(settings.paths.warehouse) as con, one_thread(con) as threads:
            outcomes = load_families(con, families, lambda con, family, checked_against_loaded: _load(
                con, family, checks[family.name], settings, region, run_id, checked_against_loaded),
                size=lambda family: landing_bytes(settings.paths.landing, family), threads_alone=threads)
            for outcome in outcomes:
                if outcome.skipped is not None:
                    problems.append(skipped_message(outcome))
                    context.log.error(problems[-1])
                elif outcome.error is not None:
                    errors.append(outcome.error)
                    text = f"{type(outcome.error).__name__}: {outcome.error}"
                    problems.append(f"{outcome.family}: {text}")
                    context.log.info(part_message(outcome.family, outcome.seconds, "FEHLGESCHLAGEN"))
                    context.log.error(problems[-1])
                else:
                    context.log.info(part_message(outcome.family, outcome.seconds, f"CPU {outcome.cpu:.1f} s"))
                    loaded.append(outcome)
            # materialised once every family has loaded: which data they are of names the working database's
            # identity, the first row of its state log, which a fresh database has once every family has written
            state = data_state(con, settings.paths.warehouse)
        for outcome in loaded:
            yield from _family_results(context, SOURCES[outcome.family], checks[outcome.family], outcome, state)
        if problems:
            raise dg.Failure(description="Laden fehlgeschlagen – " + "; ".join(problems)) from (errors[0] if errors else None)

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


ingest_assets = [_region_asset(), _deliveries_asset()]
