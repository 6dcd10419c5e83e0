"""Run the build job headless (as `sozialmonitor build` does) and summarise it for a data engineer."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.ereignisprotokoll import schneller_schreiben
from orchestration.progress import headless_run_config, log_file
from orchestration.settings import Settings

PUBLISHED_KEY = dg.AssetKey(["published", "sozialmonitor"])


@dataclass
class BuildReport:
    success: bool
    rows_per_family: dict[str, int] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    checks_passed: int = 0
    checks_taken_over: int = 0  # passed with GX results of unchanged data taken over (quality/runner.PassedResults)
    checks_warned: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    published: str | None = None
    scope: str = ""  # what the build ran (orchestration.stand.Plan.reason)
    unchanged: str | None = None  # nothing to run: the published file that stays current

    def summary(self) -> str:
        lines = ["", "Sozialraum-Monitor – Build " + ("erfolgreich" if self.success else "FEHLGESCHLAGEN")]
        if self.scope:
            lines.append(f"  Umfang: {self.scope}")
        if self.unchanged:
            lines.append(f"  Veröffentlicht: unverändert – {self.unchanged} ist aktuell")
            return "\n".join(lines)
        lines.append("  Zeilen geladen je Quelle: " + (
            ", ".join(f"{k}={v:,}".replace(",", ".") for k, v in sorted(self.rows_per_family.items())) or "keine"))
        rejected = {k: v for k, v in self.rejected.items() if v}
        if rejected:
            lines.append("  Abgelehnte Zeilen: " + ", ".join(f"{k}={v}" for k, v in sorted(rejected.items())))
        if self.quarantined:
            stale = sorted({q.split(":", 1)[0] for q in self.quarantined})
            lines.append(f"  Abgelehnt und in Quarantäne ({len(self.quarantined)} Datei(en)); auf dem letzten "
                         f"geprüften Stand: {', '.join(stale)}")
            lines += [f"    - {q}" for q in self.quarantined]
        if self.hints:
            lines.append("  Hinweise:")
            lines += [f"    - {h}" for h in self.hints]
        taken_over = (f" (davon {self.checks_taken_over} mit übernommenem GX-Ergebnis: Daten unverändert)"
                      if self.checks_taken_over else "")
        lines.append(f"  Prüfungen: {self.checks_passed} bestanden{taken_over}, {len(self.checks_warned)} Warnung(en), "
                     f"{len(self.checks_failed)} fehlgeschlagen")
        lines += [f"    WARNUNG {c}" for c in self.checks_warned]
        lines += [f"    FEHLER  {c}" for c in self.checks_failed]
        if self.failures:
            lines.append("  Fehlgeschlagene Schritte:")
            for f in self.failures:
                lines += ["    " + line for line in f.splitlines()]
        lines.append("  Veröffentlicht: " + (self.published or "nein – die bisher veröffentlichte Version bleibt unverändert"))
        return "\n".join(lines)


def _check_label(evaluation) -> str:
    text = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
    description = (evaluation.metadata or {}).get("fehler") or (evaluation.metadata or {}).get("failed_expectations")
    if description is None:
        description = getattr(evaluation, "description", None)
    if description is not None:
        text += f" – {getattr(description, 'value', description)}"
    return text


def report_from_events(events, success: bool) -> BuildReport:
    report = BuildReport(success=success)
    for event in events:
        kind = event.event_type
        if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            key = mat.asset_key
            meta = mat.metadata or {}
            if key.path[0] == "raw" and "familie" in meta:
                family = meta["familie"].value
                if family not in report.rows_per_family:  # every table of a family carries the same metadata
                    report.rows_per_family[family] = int(meta["zeilen_geladen"].value)
                    report.rejected[family] = int(meta["zeilen_abgelehnt"].value)
                    for entry in meta["quelldateien"].value if "quelldateien" in meta else []:
                        if entry["status"].startswith("Quarantäne"):
                            report.quarantined.append(
                                f"{family}: {entry['datei']}: {entry['status'].removeprefix('Quarantäne: ')}")
                    report.hints += list(meta["hinweise"].value) if "hinweise" in meta else []
            if key == PUBLISHED_KEY:
                path = meta.get("pfad") or meta.get("path")
                report.published = str(getattr(path, "value", path)) if path is not None else "ja"
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                report.checks_passed += 1
                report.checks_taken_over += "uebernommen" in (evaluation.metadata or {})
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                report.checks_warned.append(_check_label(evaluation))
            else:
                report.checks_failed.append(_check_label(evaluation))
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            message = error.message.strip() if error else "unbekannter Fehler"
            user_error = getattr(event.event_specific_data, "user_failure_data", None)
            if user_error is not None and user_error.description:
                message = user_error.description
            report.failures.append(f"{event.step_key}: {message}")
    report.success = success and not report.failures and not report.checks_failed
    return report


PID_TAG = "sozialmonitor/pid"
HOST_TAG = "sozialmonitor/host"


def _process_alive(pid: int) -> bool:
    """Is `pid` still a `sozialmonitor` process (not a dead one, nor an unrelated process reusing the pid)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"sozialmonitor" in cmdline or b"orchestration" in cmdline


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark headless runs whose process died (e.g. kill -9) as failed (and free any concurrency slot).

    A killed process cannot end its run; without this it would show as running forever. Its file
    locks died with it. Runs launched from the UI are covered by Dagster's run monitoring (dagster.yaml).
    """
    released = []
    runs = instance.get_runs(dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED],
        tags={HOST_TAG: socket.gethostname()},
    ))
    for run in runs:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and pid != os.getpid() and not _process_alive(pid):
            instance.report_run_failed(run, f"Der Build-Prozess {pid} ist beendet worden (z. B. kill -9); Lauf als fehlgeschlagen markiert.")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    return released


def run_build(settings: Settings, *, full: bool = False) -> BuildReport:
    """Execute the build job in this process against the repo's Dagster instance (visible in the UI), with
    `settings`' region, folders and demo mode as the run config of the `settings` resource: the whole job,
    or only what changed since the published version (`orchestration.stand`; `full` runs everything)."""
    from orchestration.stand import plan

    scope = plan(settings, full=full)
    if scope.nothing:  # decided before the definitions (dbt manifest, dagster-dbt: 2 s of imports) are loaded
        return BuildReport(success=True, scope=scope.reason, unchanged=str(settings.paths.published))
    from orchestration.quality.runner import start_gx

    start_gx()  # GX imports in its own process on the other core while the definitions load here
    from orchestration.definitions import BUILD_JOB_NAME, defs
    from orchestration.sensors import family_selection

    job = defs.resolve_job_def(BUILD_JOB_NAME)
    selection = None if scope.everything else sorted(family_selection(scope.families).resolve(defs.resolve_asset_graph()))
    steps = len((job if selection is None else job.get_subset(asset_selection=set(selection))).nodes)
    with dg.DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):
            print(f"Abgebrochener Lauf {run_id} freigegeben (Prozess nicht mehr vorhanden).")
        log = log_file(settings.paths.out)
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"Build {settings.paths.out} – {scope.reason}; {steps} Schritte; vollständiges Protokoll: {log}", flush=True)
        # what dagster-dbt re-prints of dbt's output goes to the log file, not the console
        run_id = str(uuid.uuid4())  # known before the run starts: its event database is prepared for it
        with (open(log, "a", encoding="utf-8") as raw, contextlib.redirect_stdout(raw),
              schneller_schreiben(instance, run_id)):
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, run_id=run_id, asset_selection=selection,
                run_config={**settings.run_config(), **headless_run_config(steps, log)},
                tags={PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()},
            )
        report = report_from_events(result.all_events, result.success)
        report.scope = scope.reason
        return report
