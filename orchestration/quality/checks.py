"""The GX suites as Dagster asset checks.

Per guarded asset (`raw/<family>`, `mart/sozialraum_indikatoren`) there are up to two checks:
- `gx_<name>`: the suite's `critical` expectations, **blocking** (ERROR severity): a failure stops every
  downstream asset of the run (the dbt models, and the publication, which depends on every guarded asset);
- `gx_<name>_hinweise`: the `warning` expectations (e.g. year-over-year jumps), WARN severity, not blocking.

All checks of one layer run in one step (`multi_asset_check`, subsettable): one request to the process's
GX process (runner.py) per layer. The metadata lists every failed expectation with examples of offending rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.settings import Settings

from .suites import ERROR, WARN, SuiteDef, load_suites

CHECK_PREFIX = "gx_"


def check_name(asset_key: dg.AssetKey, severity: str) -> str:
    base = CHECK_PREFIX + asset_key.path[-1]
    return base if severity == ERROR else base + "_hinweise"


def resolve_target(guards: tuple[str, ...], known: set[tuple[str, ...]] | None) -> dg.AssetKey | None:
    """The asset a suite's checks attach to: its `guards` key (`raw/genesis__werte`), or — when the
    Definitions key raw assets per family — the family key (`raw/genesis`); None if neither exists."""
    if known is None or guards in known:
        return dg.AssetKey(list(guards))
    if guards[0] == "raw":
        family = ("raw", guards[-1].split("__", 1)[0])
        if family in known:
            return dg.AssetKey(list(family))
    return None


def _specs(targets: dict[str, dg.AssetKey], suites: list[SuiteDef]) -> list[dg.AssetCheckSpec]:
    by_asset: dict[dg.AssetKey, list[SuiteDef]] = defaultdict(list)
    for suite in suites:
        by_asset[targets[suite.name]].append(suite)
    specs = []
    for key, members in by_asset.items():
        severities = set().union(*(s.severities for s in members))
        names = ", ".join(s.name for s in members)
        if ERROR in severities:
            specs.append(dg.AssetCheckSpec(
                name=check_name(key, ERROR), asset=key, blocking=True,
                description=f"GX-Qualitätsprüfung (blockierend): {names}. Fehler verhindern die Veröffentlichung.",
            ))
        if WARN in severities:
            specs.append(dg.AssetCheckSpec(
                name=check_name(key, WARN), asset=key, blocking=False,
                description=f"GX-Hinweise (nicht blockierend): {names}.",
            ))
    return specs


def failures_markdown(failures) -> str:
    """Markdown for Dagster's UI: one section per failed expectation with a table of offending rows."""
    parts = []
    for f in failures:
        parts.append(f"**{f.headline()}**")
        if f.exception:
            parts.append(f"`{f.exception}`")
        if f.examples:
            cols = list(dict.fromkeys(k for row in f.examples for k in row))
            parts.append("| " + " | ".join(cols) + " |")
            parts.append("|" + "---|" * len(cols))
            for row in f.examples:
                parts.append("| " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
        elif f.observed is not None:
            parts.append(f"observed: `{f.observed}`")
        parts.append("")
    return "\n".join(parts)


def check_results(results, specs: Iterable[dg.AssetCheckSpec], targets: dict[str, dg.AssetKey]) -> Iterator[dg.AssetCheckResult]:
    """Turn suite results into one AssetCheckResult per spec (error or warning level of an asset)."""
    # written by this run (the GX process writes the pages right after it answered, before it ends)
    docs_index = next((r.data_docs for r in results if r.data_docs is not None), None)
    for spec in specs:
        severity = WARN if spec.name.endswith("_hinweise") else ERROR
        mine = [r for r in results if targets.get(r.suite) == spec.asset_key]
        failures = [f for r in mine for f in r.failed(severity)]
        metadata: dict[str, dg.RawMetadataValue] = {
            "suites": ", ".join(r.suite for r in mine),
            "rows_checked": dg.MetadataValue.json({r.suite: r.rows for r in mine}),
            "expectations_evaluated": sum(r.evaluated for r in mine),
            "failed_expectations": len(failures),
        }
        if failures:
            # plain text for logs and the CLI summary: expectation, count and the first offending rows
            metadata["fehler"] = "\n".join(f.describe(max_examples=2) for f in failures[:10])
            metadata["failures"] = dg.MetadataValue.md(failures_markdown(failures))
            metadata["failures_json"] = dg.MetadataValue.json([f.as_dict() for f in failures])
        if docs_index is not None:
            metadata["gx_data_docs"] = dg.MetadataValue.path(str(docs_index))
        taken_over = [r for r in mine if r.reused]
        if taken_over:  # data unchanged since a flawless validation: its result, not validated again
            metadata["uebernommen"] = dg.MetadataValue.json({r.suite: r.validated_at for r in taken_over})
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR if severity == ERROR else dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description=("; ".join(f.headline() for f in failures[:5]) if failures else
                         ("alle Erwartungen erfüllt" + (" (Daten unverändert: Ergebnis der letzten Validierung übernommen)"
                                                        if mine and len(taken_over) == len(mine) else ""))),
        )


def _multi_check(layer: str, suites: list[SuiteDef], targets: dict[str, dg.AssetKey]) -> dg.AssetChecksDefinition:
    specs = _specs(targets, suites)

    @dg.multi_asset_check(
        specs=specs,
        name=f"gx_{layer}_checks",
        can_subset=True,
        description=f"Great-Expectations-Suites der Schicht `{layer}` (expectations/*.json).",
    )
    def _check(context, settings: Settings):  # context: AssetCheckExecutionContext (not annotated, see top)
        from .runner import run_suites

        selected = [s for s in specs if s.key in context.selected_asset_check_keys]
        keys = {s.asset_key for s in selected}
        names = [s.name for s in suites if targets[s.name] in keys]
        results = run_suites(settings, suites=names)
        for result in results:
            context.log.info(
                f"{result.suite}: {result.rows} rows, {result.evaluated} expectations, "
                f"{len(result.failed(ERROR))} errors, {len(result.failed(WARN))} warnings"
            )
            for failure in result.failures:
                context.log.warning(failure.describe())
        yield from check_results(results, selected, targets)

    return _check


def build_asset_checks(asset_keys: Iterable[dg.AssetKey] | None = None,
                       directory: Path | None = None) -> list[dg.AssetChecksDefinition]:
    """Dagster asset checks for the GX suites of every layer but `raw`, one multi-check per layer.

    The `raw` suites are the audit of each landing family and run inside its ingest step
    (`family_checks`), where a failure refuses the new deliveries instead of stopping everything.
    `asset_keys`: the asset keys present in the Definitions (a Definitions object must not contain
    checks on unknown assets); suites whose asset is absent are left out. Default: keep all.
    `directory`: the suite folder (default: `Settings.from_env().expectations` of this process). The checks
    take the resource `settings` (`Settings`): thresholds, folders and the working database of the run.
    """
    known = {tuple(k.path) for k in asset_keys} if asset_keys is not None else None
    by_layer: dict[str, list[SuiteDef]] = defaultdict(list)
    targets: dict[str, dg.AssetKey] = {}
    for suite in load_suites(directory):
        if suite.guards[0] == "raw":
            continue
        target = resolve_target(suite.guards, known)
        if target is not None:
            targets[suite.name] = target
            by_layer[suite.guards[0]].append(suite)
    return [_multi_check(layer, members, targets) for layer, members in sorted(by_layer.items())]


ANGENOMMEN_CHECK = "lieferungen_angenommen"


@dataclass(frozen=True)
class FamilyChecks:
    """The audit of one landing family: its GX suites and the check specs of its ingest asset."""

    family: str
    suites: list[SuiteDef]
    targets: dict[str, dg.AssetKey]
    specs: list[dg.AssetCheckSpec]

    @property
    def suite_names(self) -> list[str]:
        return [s.name for s in self.suites]

    def results(self, suite_results, refused: list[tuple[str, str]]) -> Iterator[dg.AssetCheckResult]:
        """The GX check results (on the data as accepted) and whether every new delivery was accepted."""
        gx_specs = [s for s in self.specs if s.name != ANGENOMMEN_CHECK]
        yield from check_results(suite_results, gx_specs, self.targets)
        for spec in self.specs:
            if spec.name == ANGENOMMEN_CHECK:
                yield dg.AssetCheckResult(
                    asset_key=spec.asset_key, check_name=spec.name, passed=not refused,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=(f"{len(refused)} Lieferung(en) abgelehnt; {self.family} bleibt auf dem letzten "
                                 f"geprüften Stand" if refused else "alle Lieferungen angenommen"),
                    metadata={"abgelehnt": dg.MetadataValue.json([{"datei": d, "grund": g} for d, g in refused])},
                )


def family_checks(family: str, table_keys: Iterable[dg.AssetKey], directory: Path | None = None) -> FamilyChecks:
    """The raw-layer suites guarding `family`'s tables, as check specs of its ingest multi-asset.

    `gx_<table>` (ERROR, blocking) judges the family's data as accepted after the audit: it fails only
    when data that were already accepted fail (then nothing is published until they are retracted);
    `gx_<table>_hinweise` (WARN) carries the warnings; `lieferungen_angenommen` (WARN) fails when a
    delivery of the family was refused in this run.
    """
    table_keys = list(table_keys)
    known = {tuple(k.path) for k in table_keys}
    suites = [s for s in load_suites(directory) if s.guards[0] == "raw" and s.guards[-1].split("__", 1)[0] == family]
    targets = {}
    for suite in suites:
        target = resolve_target(suite.guards, known)
        if target is not None:
            targets[suite.name] = target
    suites = [s for s in suites if s.name in targets]
    specs = _specs(targets, suites) if suites else []
    if table_keys:
        specs.append(dg.AssetCheckSpec(
            name=ANGENOMMEN_CHECK, asset=table_keys[0], blocking=False,
            description=f"Alle neuen Lieferungen von {family} angenommen (sonst bleibt die Quelle auf dem letzten "
                        "geprüften Stand; Gründe in den Metadaten).",
        ))
    return FamilyChecks(family, suites, targets, specs)


def blocking_check_keys(checks: Iterable[dg.AssetChecksDefinition]) -> list[dg.AssetCheckKey]:
    return [spec.key for c in checks for spec in c.check_specs if spec.blocking]


def guarded_asset_keys(checks: Iterable[dg.AssetChecksDefinition]) -> list[dg.AssetKey]:
    seen: dict[dg.AssetKey, None] = {}
    for c in checks:
        for spec in c.check_specs:
            seen.setdefault(spec.asset_key, None)
    return list(seen)
