"""The Dagster asset `published/sozialmonitor`: write-audit-publish of the checked mart.

Gating, in two layers:
1. Dagster's blocking checks. A blocking check only gates the *direct* downstream assets of the asset it
   checks, so this asset depends on every asset guarded by a blocking GX check (the raw families and
   the mart), not only on the mart models: a failed blocking check on `raw/sgb2` or
   `mart/sozialraum_indikatoren` therefore skips this step.
2. In the step itself (defence in depth, and for runs that select this asset alone): no check of the
   run may have failed with ERROR severity, every blocking check of an asset materialised in this run
   must have passed in this run, and for guarded assets not materialised in this run the latest check
   execution must have passed after their latest materialisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg

from orchestration.settings import Settings
from orchestration.stand import code_fingerprint

from .core import PublishError, checks_from_results, ensure_serving_copy, list_versions, publish, table_counts

PUBLISHED_KEY = dg.AssetKey(["published", "sozialmonitor"])
# The mart models of the contract (docs/contracts.md); the lead passes the real list from dbt.
DEFAULT_MART_KEYS = (
    dg.AssetKey(["mart", "sozialraum_indikatoren"]),
    dg.AssetKey(["mart", "dim_gebiet"]),
    dg.AssetKey(["mart", "indikatoren"]),
    dg.AssetKey(["mart", "kreis_abgleich"]),
)


HISTORY = 100  # check executions looked through when another run has checked the same asset since


def _run_check_evaluations(context: dg.AssetExecutionContext) -> list:
    """The check evaluations of this run, from Dagster's asset-check records: per check selected in the run
    its latest execution, or (when another run sharing the instance, e.g. of another working database, has
    run the check since) its latest execution in this run. A retried step's last evaluation counts."""
    run_id = context.run.run_id
    selection = context.run.asset_check_selection
    keys = list(selection if selection is not None else context.job_def.asset_layer.asset_graph.asset_check_keys)
    storage = context.instance.event_log_storage
    mine = []
    for key, record in storage.get_latest_asset_check_execution_by_key(keys).items():
        if record.run_id != run_id:
            record = next((r for r in storage.get_asset_check_execution_history(key, limit=HISTORY) if r.run_id == run_id), None)
        if record is not None and record.status.value in ("SUCCEEDED", "FAILED"):  # not PLANNED
            mine.append(record)
    return [r.evaluation for r in sorted(mine, key=lambda r: r.id)]


def _materialized_in_run(context: dg.AssetExecutionContext) -> set[dg.AssetKey]:
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=100_000
    ).records
    return {r.event_log_entry.dagster_event.asset_key for r in records}


def gate(context: dg.AssetExecutionContext, blocking_keys: Sequence[dg.AssetCheckKey]) -> list:
    """Raise if publication is not allowed; return this run's check evaluations."""
    evaluations = _run_check_evaluations(context)
    problems = []
    for ev in evaluations:
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR:
            problems.append(f"{ev.asset_key.to_user_string()}: check {ev.check_name} failed")
    evaluated = {(ev.asset_key, ev.check_name) for ev in evaluations}
    materialized = _materialized_in_run(context)
    unchecked_older = []
    for key in blocking_keys:
        if key.asset_key in materialized:
            if (key.asset_key, key.name) not in evaluated:
                problems.append(f"{key.asset_key.to_user_string()} was materialised in this run but check {key.name} did not run")
        else:
            unchecked_older.append(key)
    if unchecked_older:
        # data of an earlier run (e.g. the landing sensor's run of another family): its latest check must have
        # passed on exactly its latest materialisation. The evaluation names the materialisation it checked;
        # the record's own timestamp is not that link (a check evaluated in the ingest step, as the raw suites
        # are, gets its record when the step starts, before the step materialises the data).
        latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(unchecked_older)
        for key in unchecked_older:
            newest = context.instance.fetch_materializations(key.asset_key, limit=1).records
            if not newest:
                continue  # never materialised: nothing of it can be in the mart
            record = latest.get(key)
            status = record.status.value if record is not None else None
            if status != "SUCCEEDED":  # also PLANNED: a record without an evaluation yet
                problems.append(f"{key.asset_key.to_user_string()}: latest data not checked by {key.name} "
                                f"(last check: {status or 'never'})")
                continue
            target = record.evaluation.target_materialization_data
            if target is None or target.storage_id != newest[0].storage_id:
                problems.append(f"{key.asset_key.to_user_string()}: latest data not checked by {key.name} "
                                f"(its last check evaluated an earlier materialisation)")
    if problems:
        raise dg.Failure(
            description="Publication refused: " + "; ".join(problems),
            metadata={"problems": dg.MetadataValue.json(problems)},
        )
    return evaluations


def build_publish_asset(
    mart_asset_keys: Iterable[dg.AssetKey] | None = None,
    checks: Sequence[dg.AssetChecksDefinition] | None = None,
) -> dg.AssetsDefinition:
    """The `published/sozialmonitor` asset.

    `mart_asset_keys`: every mart model (from the dbt assets); `checks`: the GX checks of
    `orchestration.quality.build_asset_checks()` — the asset depends on every asset they guard with a
    blocking check, so that Dagster's blocking stops it.
    """
    from orchestration.quality.checks import blocking_check_keys, build_asset_checks, guarded_asset_keys

    if checks is None:
        checks = build_asset_checks()
    mart_keys = list(mart_asset_keys) if mart_asset_keys is not None else list(DEFAULT_MART_KEYS)
    blocking = blocking_check_keys(checks)
    guarded = [k for k in guarded_asset_keys(checks) if any(b.asset_key == k for b in blocking)]
    deps = list(dict.fromkeys([*mart_keys, *guarded]))

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=deps,
        group_name="publish",
        kinds={"duckdb"},
        description=(
            "Veröffentlichte Datei OUT/published/sozialmonitor.duckdb: nur das Schema `mart` des geprüften "
            "Arbeitsstands, atomar ersetzt, mit Statustabelle mart.publikation_status (Datenstand), "
            "dazu eine eigenständige Kopie in versions/ und die Superset-Kopie OUT/serving/sozialmonitor.duckdb. "
            "Läuft nur, wenn alle blockierenden Prüfungen des Laufs bestanden sind."
        ),
    )
    def sozialmonitor_published(context, settings: Settings) -> dg.MaterializeResult:  # AssetExecutionContext
        paths = settings.paths
        # a serving copy destroyed or changed since the last publication is restored even if this run
        # is refused below (a byte comparison; the publication itself writes a new one anyway)
        if ensure_serving_copy(paths):
            context.log.warning(f"Superset-Kopie {paths.serving} fehlte oder wich ab: aus {paths.published} neu geschrieben")
        evaluations = gate(context, blocking)
        checks_passed = checks_from_results(evaluations)
        try:
            version = publish(paths, run_id=context.run.run_id, checks=checks_passed, code=code_fingerprint(settings))
        except PublishError as exc:
            raise dg.Failure(description=str(exc)) from exc
        counts = table_counts(paths.published)
        warned = [c for c in checks_passed if not c["passed"]]
        context.log.info(f"published {paths.published} (version {version.name}, {len(counts)} tables)")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(paths.published)),
            "serving": dg.MetadataValue.path(str(paths.serving)),
            "version": dg.MetadataValue.path(str(version)),
            "versions_kept": len(list_versions(paths)),
            "row_counts": dg.MetadataValue.json(counts),
            "dagster/row_count": counts.get("mart.sozialraum_indikatoren", 0),
            "checks_passed": sum(1 for c in checks_passed if c["passed"]),
            "checks_warned": len(warned),
            "status": dg.MetadataValue.md(
                f"published version `{version.name}` with {len(counts)} tables; "
                f"{sum(1 for c in checks_passed if c['passed'])} checks passed, {len(warned)} warnings"
            ),
        })

    return sozialmonitor_published
