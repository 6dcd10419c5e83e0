"""Print the HTML profiles to PDF with headless Debian chromium (`/usr/bin/chromium`, never a browser
downloaded by a tool).

One chromium process per file (`--print-to-pdf` prints exactly one page per process), each with its own
empty profile folder so that processes can run side by side; `jobs` processes at a time. The pages load
nothing from anywhere (inline CSS and SVG), so the browser runs with networking switched off as far as
its flags allow. No header or footer from the browser: the file path and the print time would otherwise
appear on every page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
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
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)
TIMEOUT_S = 180


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


def drucke(html: Path, browser: str | None = None) -> Path:
    """Print one HTML file to the PDF beside it (written atomically); returns the PDF's path."""
    html = Path(html).resolve()
    ziel = pdf_pfad(html)
    tmp = ziel.with_suffix(".pdf.tmp")
    with tempfile.TemporaryDirectory(prefix="profil-chromium-") as profil:
        cmd = [browser or chromium(), *FLAGS, f"--user-data-dir={profil}", f"--print-to-pdf={tmp}", html.as_uri()]
        env = {**os.environ, "HOME": profil}  # chromium writes below HOME (crashpad, fontconfig cache)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env,
                              stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise PdfFehler(f"chromium did not print {html.name} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    tmp.replace(ziel)
    return ziel


def drucke_alle(dateien: list[Path], jobs: int = 2) -> list[Path]:
    """Print every file (`jobs` chromium processes at a time); the PDFs in the order of `dateien`."""
    if not dateien:
        return []
    browser = chromium()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda d: drucke(d, browser), dateien))
