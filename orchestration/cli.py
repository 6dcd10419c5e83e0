"""`sozialmonitor …`: runs the same Dagster job as the UI, headless, and a few operator commands.

    sozialmonitor build [--region DIR] [--landing DIR] [--out DIR] [--demo] [--warten] [--voll]
    sozialmonitor demo-data [--landing DIR] [--scale N] [--seed S]
    sozialmonitor rollback [--out DIR] [--warten]
    sozialmonitor retract FILE|SHA256 [--grund TEXT] [--aufheben] [--ohne-build] [--warten] [--region DIR] [--landing DIR] [--out DIR]
    sozialmonitor profile [--sozialraum ID | --all] --out DIR [--published FILE]
    sozialmonitor export --out DIR [--published FILE]

Without --landing, `build` uses the demo deliveries in var/landing (generated there when absent)
together with the real GENESIS extracts, and a local demo pseudonymisation key.

`build` runs only what changed since the published version: the families with new deliveries and what
depends on them, nothing when nothing is new (orchestration/stand.py); `--voll` runs everything.

One `build` or `rollback` per output folder at a time (lock `OUT/build.lock`): another one on the same
folder is refused with exit code 75, or waits with `--warten`.

Exit codes: 0 success · 1 build failed / nothing published, rollback impossible · 2 usage error ·
75 another build or rollback is running for this output folder · 130 interrupted (Strg+C).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from orchestration import settings
from orchestration.settings import Paths, Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BUILD_LAEUFT = 75  # EX_TEMPFAIL (sysexits.h): another build/rollback holds OUT/build.lock; try again later


def _exclusive(paths: Paths, args: argparse.Namespace):
    """The build lock of the output folder: refuse at once, or wait with --warten."""
    from orchestration.process import build_lock

    def waiting(pid: int | None) -> None:
        print(f"Build läuft bereits (PID {pid if pid else 'unbekannt'}) für {paths.out} – warte (--warten) …",
              file=sys.stderr, flush=True)

    return build_lock(paths, wait=getattr(args, "warten", False), on_wait=waiting)


def _settings_from_args(args: argparse.Namespace) -> Settings:
    """The Settings resource of the code location with the folders given on the command line; demo mode
    with --demo or when the deliveries come from the default landing folder (var/landing)."""
    given = {name: str(Path(getattr(args, name)).resolve()) for name in ("region", "landing", "out")
             if getattr(args, name, None)}
    resolved = Settings.from_env(resolve=True, **given)
    demo = bool(getattr(args, "demo", False)) or resolved.paths.landing == settings.DEFAULT_LANDING.resolve()
    return Settings.from_env(resolve=True, **given, demo=demo)


def _paths_from_args(args: argparse.Namespace) -> Paths:
    return _settings_from_args(args).paths


def _use_repo_dagster_home() -> None:
    """The instance configured by the repo's dagster.yaml (storage in var/dagster), as in the UI."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.REPO_ROOT))
    os.chdir(settings.REPO_ROOT)  # dagster.yaml's storage folders are relative to the repo root


def prepare_demo(landing: Path) -> None:
    """Demo mode: synthetic deliveries (generated once); the ingest falls back to the local demo key."""
    from orchestration.demo import ensure_demo_deliveries

    ensure_demo_deliveries(landing)


def cmd_build(args: argparse.Namespace) -> int:
    run_settings = _settings_from_args(args)
    paths = run_settings.paths
    paths.out.mkdir(parents=True, exist_ok=True)
    with _exclusive(paths, args):
        if run_settings.demo:
            prepare_demo(paths.landing)
        _use_repo_dagster_home()

        from orchestration.run import run_build

        report = run_build(run_settings, full=getattr(args, "voll", False))
        print(report.summary())
        return EXIT_OK if report.success else EXIT_FAILED


def cmd_retract(args: argparse.Namespace) -> int:
    """Take a delivery back (or undo that): recorded in raw.ingest__lieferstatus, then rebuilt."""
    from orchestration.ingest.retract import RetractError, retract

    paths = _paths_from_args(args)
    try:
        message = retract(paths, args.lieferung, grund=args.grund, aufheben=args.aufheben)
    except RetractError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 2
    print(message)
    if args.ohne_build:
        print("Ohne Neubau: der veröffentlichte Stand ändert sich erst mit dem nächsten `sozialmonitor build`.")
        return 0
    return cmd_build(args)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from orchestration.demo import generate_demo_deliveries

    landing = Path(args.landing).resolve() if args.landing else settings.DEFAULT_LANDING
    summary = generate_demo_deliveries(landing, scale=args.scale, seed=args.seed, progress=True)
    print(f"Demodaten geschrieben nach {landing}:")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from orchestration.publish import RollbackError, rollback

    paths = _paths_from_args(args)
    if not paths.out.is_dir():
        print(f"Rollback nicht möglich: Ausgabeordner {paths.out} existiert nicht", file=sys.stderr)
        return EXIT_FAILED
    with _exclusive(paths, args):
        try:
            restored = rollback(paths)
        except RollbackError as exc:
            print(f"Rollback nicht möglich: {exc}", file=sys.stderr)
            return EXIT_FAILED
    print(f"Veröffentlichte Datei zurückgesetzt auf: {restored}")
    print(f"Superset-Kopie: {paths.serving}")
    return EXIT_OK


def _published(args: argparse.Namespace) -> Path:
    return Path(args.published).resolve() if args.published else Settings.from_env(resolve=True).paths.published


def cmd_profile(args: argparse.Namespace) -> int:
    from orchestration.profiles import render_profiles

    files = render_profiles(_published(args), Path(args.out).resolve(), sozialraum=None if args.all else args.sozialraum)
    for f in files:
        print(f)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from orchestration.export import export_open_data

    files = export_open_data(_published(args), Path(args.out).resolve())
    for f in files:
        print(f)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sozialmonitor", description="Sozialraum-Monitor: Lieferungen → geprüfter Sozialraum-Mart")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="Lieferungen laden, Mart bauen, prüfen, veröffentlichen (Dagster-Job, headless)")
    b.add_argument("--region", help=f"Regionsprofil-Ordner (Standard: {settings.DEFAULT_REGION.relative_to(settings.REPO_ROOT)})")
    b.add_argument("--landing", help="Eingangsordner der Lieferungen (Standard: Demo-Lieferungen in var/landing)")
    b.add_argument("--out", help="Ausgabeordner (Standard: var/out)")
    b.add_argument("--demo", action="store_true",
                   help="Demo-Lieferungen in den Eingangsordner schreiben, falls er leer ist, und lokalen Demo-Schlüssel nutzen")
    b.add_argument("--warten", action="store_true",
                   help="läuft schon ein Build/Rollback für diesen Ausgabeordner, auf sein Ende warten "
                        f"(ohne: sofort abbrechen, Exit-Code {EXIT_BUILD_LAEUFT})")
    b.add_argument("--voll", action="store_true",
                   help="alles neu bauen (ohne: nur die Quellen mit neuen Lieferungen und was davon abhängt; "
                        "nichts, wenn seit der veröffentlichten Version nichts neu ist)")
    b.set_defaults(func=cmd_build)

    rt = sub.add_parser("retract", help="eine Lieferung zurückziehen (bleibt in der Rohdaten-Historie) und neu bauen")
    rt.add_argument("lieferung", metavar="DATEI|SHA256",
                    help="Pfad der gelieferten Datei, ihr Dateiname wie in mart.lieferungen oder ihre SHA-256-Prüfsumme")
    rt.add_argument("--grund", default="", help="warum (steht in mart.lieferungen und im Protokoll)")
    rt.add_argument("--aufheben", action="store_true",
                    help="Rücknahme aufheben: die Lieferung wird beim nächsten Build wieder geprüft und, wenn sie "
                         "besteht, verwendet")
    rt.add_argument("--ohne-build", action="store_true", help="nur vermerken, nicht neu bauen")
    rt.add_argument("--warten", action="store_true",
                    help="läuft schon ein Build für diesen Ausgabeordner, auf sein Ende warten (sonst Exit-Code "
                         f"{EXIT_BUILD_LAEUFT})")
    rt.add_argument("--region", help="Regionsprofil-Ordner (wie bei build)")
    rt.add_argument("--landing", help="Eingangsordner (wie bei build)")
    rt.add_argument("--out", help="Ausgabeordner (Standard: var/out)")
    rt.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)
    rt.set_defaults(func=cmd_retract)

    d = sub.add_parser("demo-data", help="synthetische Demo-Lieferungen 2015–2024 erzeugen (DEMODATEN)")
    d.add_argument("--landing", help="Zielordner (Standard: var/landing)")
    d.add_argument("--scale", type=int, default=1, help="Vielfaches für Lasttests (bundesweites Volumen)")
    d.add_argument("--seed", type=int, default=20151231)
    d.set_defaults(func=cmd_demo_data)

    r = sub.add_parser("rollback", help="die vorherige veröffentlichte Version wiederherstellen")
    r.add_argument("--out", help="Ausgabeordner (Standard: var/out)")
    r.add_argument("--warten", action="store_true",
                   help=f"auf einen laufenden Build/Rollback dieses Ausgabeordners warten (ohne: Exit-Code {EXIT_BUILD_LAEUFT})")
    r.set_defaults(func=cmd_rollback)

    pr = sub.add_parser("profile", help="druckbare Sozialraum-Profile (HTML) schreiben")
    g = pr.add_mutually_exclusive_group()
    g.add_argument("--sozialraum", help="nur dieser Sozialraum (ID)")
    g.add_argument("--all", action="store_true", default=True, help="alle Sozialräume (Standard)")
    pr.add_argument("--out", required=True)
    pr.add_argument("--published", help="veröffentlichte Datei (Standard: var/out/published/sozialmonitor.duckdb)")
    pr.set_defaults(func=cmd_profile)

    e = sub.add_parser("export", help="Open-Data-Export (CSV, Parquet, metadata.json) der veröffentlichten Daten")
    e.add_argument("--out", required=True)
    e.add_argument("--published", help="veröffentlichte Datei (Standard: var/out/published/sozialmonitor.duckdb)")
    e.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "profile" and args.sozialraum:
        args.all = False
    from orchestration.process import BuildLaeuftBereits

    try:
        return args.func(args)
    except BuildLaeuftBereits as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUILD_LAEUFT
    except KeyboardInterrupt:
        return 130


def run() -> int:
    """The `sozialmonitor` command (pyproject.toml) and `python -m orchestration.cli`: `main`, and then the process
    ends (without the interpreter's final garbage collection, see process.without_final_collection)."""
    from orchestration.process import without_final_collection

    return without_final_collection(main())


if __name__ == "__main__":
    sys.exit(run())
