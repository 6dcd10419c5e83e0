"""Operations: a sensor over the landing folder and the monthly SGB II schedule.

A new or changed file in `LANDING/<family>/` starts a run of that family's ingest asset and everything
downstream of it (dbt models, checks, publication). The run key is family + file name + checksum, so
the same delivery never starts two runs, and a changed file (new checksum) starts a new one.
"""


import json
import os

import dagster as dg

from orchestration.ingest.assets import FAMILIES
from orchestration.ingest.delivery import scan_landing as landing_entries
from orchestration.ingest.delivery import sha256_of
from orchestration.ingest.families import SOURCES
from orchestration.settings import Settings


def family_selection(families) -> dg.AssetSelection:
    """The families' raw tables and everything downstream of them: their part of the ingest step (which loads
    only the selected families) and the families that load after them, the dbt models, checks and publication."""
    return dg.AssetSelection.assets(
        *[dg.AssetKey(["raw", t]) for family in sorted(families) for t in SOURCES[family].tables]).downstream()


def family_job(family: str):
    """The job of the landing sensor's runs for one family (`family_selection`)."""
    return dg.define_asset_job(
        name=f"lieferung_{family}",
        selection=family_selection([family]),
        # its steps one after the other in the run's process: each step of the multiprocess executor would
        # start a process that imports the definitions again (about 3 s CPU each, 6 steps)
        executor_def=dg.in_process_executor,
        description=f"Neue Lieferung {family}: laden, Mart neu bauen, prüfen, veröffentlichen.",
    )


family_jobs = {family: family_job(family) for family in FAMILIES}


def scan_landing(landing, cursor: dict) -> tuple:
    """Files that are new or changed since `cursor` ({path: [mtime_ns, size, sha256]}).

    Returns ([(family, file name, sha256)], new cursor). The listing is the ingest's own
    (delivery.scan_landing): a symbolic link or another refused entry is never opened but still starts
    a run (digest `abgelehnt`), so that the run quarantines it and names it. The checksum is computed
    only for files whose modification time or size changed.
    """
    changed: list[tuple[str, str, str]] = []
    new_cursor: dict[str, list] = {}
    for family in FAMILIES:
        scan = landing_entries(landing, family)
        for entry in scan.refused:
            key = str(entry.path.relative_to(landing))
            new_cursor[key] = [0, 0, "abgelehnt"]
            if key not in cursor:
                changed.append((family, entry.path.name, "abgelehnt"))
        for path in scan.candidates:
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            key = str(path.relative_to(landing))
            previous = cursor.get(key)
            if previous and previous[0] == info.st_mtime_ns and previous[1] == info.st_size:
                new_cursor[key] = previous
                continue
            try:
                digest = sha256_of(path)
            except OSError:  # replaced by a link or removed since the listing: the run will see it
                digest = "abgelehnt"
            new_cursor[key] = [info.st_mtime_ns, info.st_size, digest]
            if not previous or previous[2] != digest:
                changed.append((family, path.name, digest))
    return changed, new_cursor


@dg.sensor(
    name="lieferungen_sensor",
    jobs=list(family_jobs.values()),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Beobachtet den Eingangsordner: neue oder geänderte Lieferung → Lauf für diese Quelle.",
)
def lieferungen_sensor(context: dg.SensorEvaluationContext, settings: Settings):
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, new_cursor = scan_landing(settings.paths.landing, cursor)
    families = sorted({family for family, _, _ in changed})
    for family in families:
        files = [(name, digest) for f, name, digest in changed if f == family]
        yield dg.RunRequest(
            job_name=family_jobs[family].name,
            run_key=f"{family}:" + ",".join(f"{name}:{digest[:16]}" for name, digest in files),
            tags={"sozialmonitor/lieferung": family, "sozialmonitor/dateien": ",".join(n for n, _ in files)[:200]},
        )
    context.update_cursor(json.dumps(new_cursor))


sgb2_monthly_schedule = dg.ScheduleDefinition(
    name="sgb2_monatlich",
    job=family_jobs["sgb2"],
    cron_schedule="0 6 10 * *",  # the BA/Jobcenter monthly table arrives in the first days of a month
    execution_timezone="Europe/Berlin",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Monatliche SGB-II-Lieferung: am 10. jedes Monats laden und veröffentlichen.",
)
