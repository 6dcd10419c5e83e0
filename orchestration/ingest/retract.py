"""`sozialmonitor retract FILE|SHA256`: take a delivery back without losing it.

The delivery's rows stay in the raw tables (history); its state in raw.ingest__lieferstatus becomes
`zurueckgezogen` with the reason, so staging, the audits and the publication leave it out from the next
build on, and mart.lieferungen shows it as `zurueckgezogen`. If the file is still in the landing folder
it is not loaded again (same checksum). `--aufheben` undoes a retraction: the delivery becomes `neu` and
is audited again by the next build of its family (accepted only if it passes and conflicts with nothing).
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from pathlib import Path

from orchestration.ingest import lieferstatus
from orchestration.ingest.delivery import FAMILY_SUFFIXES, sha256_of
from orchestration.settings import Paths
from orchestration.warehouse import write_connection

_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


class RetractError(RuntimeError):
    pass


def _deliveries(con) -> list[tuple[str, str, str, str]]:
    """(familie, sha256, datei, geladen_am) of every loaded delivery."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'").fetchall()}
    rows = []
    for family in FAMILY_SUFFIXES:
        if f"{family}__lieferungen" in tables:
            rows += con.execute(
                f"SELECT ?, sha256, datei, CAST(geladen_am AS VARCHAR) FROM raw.{family}__lieferungen", [family]
            ).fetchall()
    return rows


def _resolve(con, what: str) -> tuple[str, str, str]:
    deliveries = _deliveries(con)
    if _SHA.match(what):
        found = [d for d in deliveries if d[1] == what.lower()]
    else:
        path = Path(what)
        if path.is_file() and not path.is_symlink():
            sha = sha256_of(path)
            found = [d for d in deliveries if d[1] == sha]
            if not found:
                raise RetractError(f"{path}: diese Datei (SHA-256 {sha[:12]}…) wurde nie geladen")
        else:
            found = [d for d in deliveries if d[2] == path.name]
    if not found:
        raise RetractError(f"keine geladene Lieferung {what!r} gefunden (Dateiname, Pfad oder SHA-256 wie in "
                           "mart.lieferungen)")
    if len({(d[0], d[1]) for d in found}) > 1:
        listing = "\n".join(f"  {d[0]}: {d[2]}  sha256 {d[1]}  geladen {d[3]}" for d in found)
        raise RetractError(f"{what!r} bezeichnet mehrere Lieferungen; bitte die SHA-256 angeben:\n{listing}")
    familie, sha, datei, _ = found[0]
    return familie, sha, datei


def retract(paths: Paths, what: str, *, grund: str = "", aufheben: bool = False) -> str:
    if not paths.warehouse.exists():
        raise RetractError(f"kein Arbeitsstand in {paths.out} (noch nie gebaut?)")
    with write_connection(paths.warehouse) as con:
        lieferstatus.ensure_table(con)
        familie, sha, datei = _resolve(con, what)
        state = lieferstatus.current(con, familie).get(sha)
        status = state.status if state else lieferstatus.ANGENOMMEN
        wer = f"{getpass.getuser()}, {dt.datetime.now():%d.%m.%Y %H:%M}"
        if aufheben:
            if status != lieferstatus.ZURUECKGEZOGEN:
                raise RetractError(f"{familie}/{datei} ist nicht zurückgezogen (Zustand: {status})")
            lieferstatus.record(con, familie, sha, datei, lieferstatus.NEU,
                                grund=f"Rücknahme aufgehoben ({wer}){': ' + grund if grund else ''}")
            return f"Rücknahme aufgehoben: {familie}/{datei} (sha256 {sha[:12]}…) wird beim nächsten Build geprüft."
        if status == lieferstatus.ZURUECKGEZOGEN:
            raise RetractError(f"{familie}/{datei} ist bereits zurückgezogen ({state.grund})")
        if status in lieferstatus.REFUSED:
            raise RetractError(f"{familie}/{datei} wurde abgelehnt und ist nicht im Mart ({state.grund})")
        lieferstatus.record(con, familie, sha, datei, lieferstatus.ZURUECKGEZOGEN,
                            grund=f"zurückgezogen ({wer}){': ' + grund if grund else ''}")
    return (f"Zurückgezogen: {familie}/{datei} (sha256 {sha[:12]}…). Die Zeilen bleiben in der Rohdaten-Historie; "
            f"der Mart wird ohne diese Lieferung neu gebaut.")
