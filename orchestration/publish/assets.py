"""The Dagster asset `published/sozialmonitor`: write-audit-publish of the checked mart.

Gating, in two layers:
1. Dagster's blocking checks. A blocking check only gates the *direct* downstream assets of the asset it
   checks, so this asset depends on every asset guarded by a blocking GX check (the raw families and
   the mart), not only on the mart models: a failed blocking check on `raw/sgb2` or
   `mart/sozialraum_indikatoren` therefore skips this step.
2. In the step itself (defence in depth, and for runs that select this asset alone): no check of the
   run may have failed with ERROR severity, every blocking check of an asset materialised in this run
   must have passed in this run, and for guarded assets not materialised in this run the latest check
   execution of their latest materialisation *of the data the working database holds now* must have passed.

Several output folders (Kreise, a copy for trials) share one Dagster instance (the repo's `var/dagster`, the UI):
every materialisation of a guarded asset records which data it is of (metadata `datenstand`,
`orchestration.stand.data_state`: the working database's identity and the delivery state of each family), and the
gate compares the states of the families the asset is built from (a raw table: its own family; a mart model: the
families upstream of it), so that the gate of one folder neither trusts a check that passed on other data nor
refuses because a check of other data failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import dagster as dg

from orchestration.ingest.families import DELIVERIES
from orchestration.settings import Paths, Settings
from orchestration.stand import DATA_STATE, code_fingerprint, data_state, same_data
from orchestration.warehouse import read_connection

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
PAGES = (1, 10, 100)  # records read at a time when looking for the newest of some data (usually the newest), then 100
_FAMILY_OF = {dg.AssetKey(["raw", table]): family.name for family in DELIVERIES for table in family.tables}


def _families_of(graph, key: dg.AssetKey) -> set[str]:
    """The delivery families whose data `key` is built from: a raw table's own family, else every family with a raw
    table upstream of it in `graph` (the job's asset graph)."""
    if key in _FAMILY_OF:
        return {_FAMILY_OF[key]}
    families: set[str] = set()
    seen, todo = {key}, [key] if graph.has(key) else []
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent in _FAMILY_OF:
                families.add(_FAMILY_OF[parent])
            elif parent not in seen and graph.has(parent):
                seen.add(parent)
                todo.append(parent)
    return families


def _latest_of_state(instance: dg.DagsterInstance, key: dg.AssetKey, state: dict, families: set[str]):
    """The newest materialisation of `key` of the data `state` holds for `families` (`stand.same_data`), counting
    those that record no state (an older version, a tool reporting one by hand) as possibly of these data: None when
    the instance has none; False when it has some, but none of these data."""
    cursor = None
    seen = False
    sizes = _page_sizes()
    while True:
        page = instance.fetch_materializations(key, limit=next(sizes), cursor=cursor)
        for record in page.records:
            seen = True
            recorded = record.asset_materialization.metadata.get(DATA_STATE)
            if recorded is None or same_data(recorded.value, state, families):
                return record
        if not page.has_more:
            return False if seen else None
        cursor = page.cursor


def _latest_check_of(instance: dg.DagsterInstance, key: dg.AssetCheckKey, storage_id: int):
    """The newest execution of check `key` that evaluated the materialisation `storage_id` (None: none did).
    Executions without an evaluation (planned, or of a run that died) are passed over: which data they were
    to check is not recorded, and data materialised since their plan have no evaluation of their own."""
    storage = instance.event_log_storage
    cursor = None
    sizes = _page_sizes()
    while True:
        size = next(sizes)
        records = storage.get_asset_check_execution_history(key, limit=size, cursor=cursor)
        for record in records:
            target = getattr(record.evaluation, "target_materialization_data", None)  # None while planned
            if target is not None and target.storage_id == storage_id:
                return record
        if len(records) < size:
            return None
        cursor = records[-1].id


def _page_sizes() -> Iterator[int]:
    yield from PAGES
    while True:
        yield PAGES[-1]


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


def gate(context: dg.AssetExecutionContext, blocking_keys: Sequence[dg.AssetCheckKey], paths: Paths) -> list:
    """Raise if publication is not allowed (`paths`: the run's output folder); return this run's check evaluations."""
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
        # data of an earlier run (e.g. the landing sensor's run of another family): the latest check of the latest
        # materialisation of the data this working database holds must have passed. The evaluation names the
        # materialisation it checked; the record's own timestamp is not that link (a check evaluated in the ingest
        # step, as the raw suites are, gets its record when the step starts, before the step materialises the data).
        with read_connection(paths.warehouse) as con:
            state = data_state(con, paths.warehouse)
        graph = context.job_def.asset_layer.asset_graph
        for key in unchecked_older:
            newest = _latest_of_state(context.instance, key.asset_key, state, _families_of(graph, key.asset_key))
            if newest is None:
                continue  # never materialised: nothing of it can be in the mart
            name = key.asset_key.to_user_string()
            if newest is False:
                problems.append(f"{name}: the data of this working database ({paths.warehouse}) were never "
                                f"materialised in the Dagster instance, only other data (another output folder, or "
                                f"its own before a delivery was retracted); not known to be checked by {key.name} "
                                f"(sozialmonitor build loads the families whose data changed, --voll everything)")
                continue
            record = _latest_check_of(context.instance, key, newest.storage_id)
            if record is None:
                problems.append(f"{name}: latest data not checked by {key.name} "
                                f"(its last check evaluated an earlier materialisation, or none ran)")
            elif record.status.value != "SUCCEEDED":
                problems.append(f"{name}: latest data not checked by {key.name} (last check: {record.status.value})")
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
        evaluations = gate(context, blocking, paths)
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
