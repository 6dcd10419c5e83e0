"""Print the HTML profiles to PDF with headless Debian chromium (`/usr/bin/chromium`, never a browser
downloaded by a tool).

One chromium process prints every file: it is driven over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: commands on the browser's fd 3, answers on its fd 4, each message JSON ended
by a NUL byte), `jobs` pages at a time. It opens `jobs` tabs once and each tab prints one file after the
other: load the file, wait for the `load` lifecycle event of that very navigation (its loader id, so an
event of the tab's previous page is never taken for it), `Page.printToPDF`. Starting a browser per file
cost more than the printing itself, and a new tab per file a new renderer process each (a quarter of the
printing's CPU for the demo's 28 profiles). The pages load nothing from anywhere
(inline CSS and SVG), so the browser runs with networking switched off as far as its flags allow. No
header or footer from the browser (`printToPDF` prints none unless asked): the file path and the print
time would otherwise appear on every page. Page size and margins come from the profile's CSS `@page`.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--remote-debugging-pipe",
)
TIMEOUT_S = 180  # per batch of pages: loading and printing


class PdfFehler(RuntimeError):
    """chromium is missing or did not write a PDF."""


def chromium(pfad: str | None = None) -> str:
    """The browser to print with: `pfad`, else Debian's chromium on the PATH; PdfFehler when it is missing."""
    pfad = pfad or shutil.which("chromium") or CHROMIUM
    if not Path(pfad).exists():
        raise PdfFehler(f"chromium not found ({pfad}): install Debian's package (apt-get install chromium)")
    return pfad


def pdf_pfad(html: Path) -> Path:
    return html.with_suffix(".pdf")


def _kurzer_tempordner() -> str | None:
    """Where the browser's profile folder goes: the temp folder, unless its path is so long that chromium's
    socket path in it would exceed the 107 bytes a Unix socket allows (chromium aborts then): /tmp."""
    basis = tempfile.gettempdir()
    return basis if len(basis) <= 40 or not Path("/tmp").is_dir() else "/tmp"


class _Browser:
    """A headless chromium and its DevTools pipe; answers and events are read as they come."""

    def __init__(self, browser: str) -> None:
        self._profil = tempfile.TemporaryDirectory(prefix="profil-chromium-", dir=_kurzer_tempordner())
        zum_browser, befehle = os.pipe()  # we write commands, chromium reads them on fd 3
        antworten, vom_browser = os.pipe()  # chromium writes answers on fd 4, we read them

        def pipes_auf_3_und_4() -> None:  # in the child, before exec
            os.dup2(zum_browser, 3)
            os.dup2(vom_browser, 4)
            os.set_inheritable(3, True)  # dup2 onto the same number keeps close-on-exec
            os.set_inheritable(4, True)

        # chromium's messages go to a file: a pipe nobody reads would block it once full
        self._log = Path(self._profil.name) / "chromium.log"
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(
                [browser, *FLAGS, f"--user-data-dir={self._profil.name}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                close_fds=False, preexec_fn=pipes_auf_3_und_4,  # noqa: PLW1509 - only dup2, no locks
                # chromium writes below HOME (crashpad, fontconfig) and puts its socket below TMPDIR
                env={**os.environ, "HOME": self._profil.name, "TMPDIR": self._profil.name},
            )
        os.close(zum_browser)
        os.close(vom_browser)
        self._befehle = befehle
        self._antworten = antworten
        self._puffer = b""
        self._id = 0
        self._ergebnisse: dict[int, dict] = {}
        self._ereignisse: list[dict] = []

    def _stderr(self) -> str:
        return self._log.read_bytes()[-2000:].decode("utf-8", "replace") if self._log.exists() else ""

    def senden(self, methode: str, params: dict | None = None, sitzung: str | None = None) -> int:
        self._id += 1
        nachricht = {"id": self._id, "method": methode, "params": params or {}}
        if sitzung:
            nachricht["sessionId"] = sitzung
        daten = json.dumps(nachricht).encode() + b"\0"
        try:
            while daten:
                daten = daten[os.write(self._befehle, daten):]
        except BrokenPipeError:
            raise PdfFehler(f"chromium ended (exit {self._proc.poll()}): {self._stderr()}") from None
        return self._id

    def _lesen(self, frist: float) -> None:
        """Read one message (an answer is kept under its id, an event in arrival order)."""
        while b"\0" not in self._puffer:
            rest = frist - time.monotonic()
            if rest <= 0 or not select.select([self._antworten], [], [], rest)[0]:
                raise PdfFehler(f"chromium did not answer within {TIMEOUT_S} s")
            stueck = os.read(self._antworten, 1 << 20)
            if not stueck:
                self._proc.wait(timeout=30)
                raise PdfFehler(f"chromium ended (exit {self._proc.returncode}): {self._stderr()}")
            self._puffer += stueck
        roh, self._puffer = self._puffer.split(b"\0", 1)
        nachricht = json.loads(roh)
        if "id" in nachricht:
            self._ergebnisse[nachricht["id"]] = nachricht
        else:
            self._ereignisse.append(nachricht)

    def ergebnis(self, nummer: int, frist: float) -> dict:
        while nummer not in self._ergebnisse:
            self._lesen(frist)
        nachricht = self._ergebnisse.pop(nummer)
        if "error" in nachricht:
            raise PdfFehler(f"chromium: {nachricht['error']}")
        return nachricht["result"]

    def aufruf(self, methode: str, params: dict | None = None, sitzung: str | None = None,
               frist: float | None = None) -> dict:
        return self.ergebnis(self.senden(methode, params, sitzung), frist or time.monotonic() + TIMEOUT_S)

    def warte_auf(self, methode: str, sitzung: str, frist: float, **params) -> dict:
        """The next event `methode` of the tab `sitzung` whose params include `params`. The tab's other events
        are dropped (a tab waits for one thing at a time); those of other tabs stay queued."""
        while True:
            treffer = next((e for e in self._ereignisse if e.get("method") == methode and e.get("sessionId") == sitzung
                            and all(e.get("params", {}).get(k) == v for k, v in params.items())), None)
            self._ereignisse = [e for e in self._ereignisse if e.get("sessionId") != sitzung]
            if treffer is not None:
                return treffer.get("params", {})
            self._lesen(frist)

    def tab(self, frist: float) -> str:
        """Open a blank tab and attach to it; its session id (the tab reports its pages' lifecycle events)."""
        ziel = self.aufruf("Target.createTarget", {"url": "about:blank"}, frist=frist)["targetId"]
        sitzung = self.aufruf("Target.attachToTarget", {"targetId": ziel, "flatten": True}, frist=frist)["sessionId"]
        self.aufruf("Page.enable", sitzung=sitzung, frist=frist)
        self.aufruf("Page.setLifecycleEventsEnabled", {"enabled": True}, sitzung, frist)
        return sitzung

    def drucke(self, dateien: list[Path], tabs: list[str]) -> None:
        """Print the files side by side, one in each of the tabs, every PDF written atomically beside its HTML."""
        frist = time.monotonic() + TIMEOUT_S
        geladen = []
        for html, sitzung in zip(dateien, tabs, strict=False):
            navigation = self.aufruf("Page.navigate", {"url": html.as_uri()}, sitzung, frist)
            if navigation.get("errorText"):
                raise PdfFehler(f"chromium could not open {html.name}: {navigation['errorText']}")
            geladen.append((html, sitzung, navigation["loaderId"]))
        for _, sitzung, loader in geladen:
            self.warte_auf("Page.lifecycleEvent", sitzung, frist, name="load", loaderId=loader)
        auftraege = [(html, self.senden("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True},
                                        sitzung)) for html, sitzung, _ in geladen]
        for html, nummer in auftraege:
            try:
                daten = base64.b64decode(self.ergebnis(nummer, frist)["data"])
            except PdfFehler as e:
                raise PdfFehler(f"chromium did not print {html.name}: {e}") from None
            tmp = pdf_pfad(html).with_suffix(".pdf.tmp")
            tmp.write_bytes(daten)
            tmp.replace(pdf_pfad(html))

    def schliessen(self) -> None:
        if self._proc.poll() is None:
            try:
                self.senden("Browser.close")
                self._proc.wait(timeout=30)
            except (PdfFehler, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        os.close(self._befehle)
        os.close(self._antworten)
        self._profil.cleanup()


def drucke_alle(dateien: list[Path], jobs: int = 2, browser: str | None = None) -> list[Path]:
    """Print every file with one chromium (`jobs` tabs, each printing one file after the other); the PDFs in
    the order of `dateien`.
    PdfFehler names the file chromium did not print; PDFs already written stay (each is complete)."""
    dateien = [Path(d).resolve() for d in dateien]
    if not dateien:
        return []
    jobs = max(1, min(jobs, len(dateien)))
    chrom = _Browser(browser or chromium())
    try:
        tabs: list[str] = []  # opened with the first batch, then used by every batch
        for i in range(0, len(dateien), jobs):
            teil = dateien[i:i + jobs]
            try:
                tabs = tabs or [chrom.tab(time.monotonic() + TIMEOUT_S) for _ in range(jobs)]
                chrom.drucke(teil, tabs)
            except PdfFehler as e:
                namen = ", ".join(d.name for d in teil)
                raise PdfFehler(f"chromium did not print {namen}: {e}") from None
    finally:
        chrom.schliessen()
    return [pdf_pfad(d) for d in dateien]


def drucke(html: Path, browser: str | None = None) -> Path:
    """Print one HTML file to the PDF beside it; returns the PDF's path."""
    return drucke_alle([html], jobs=1, browser=browser)[0]
