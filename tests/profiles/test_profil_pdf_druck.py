"""orchestration/profiles/pdf.py on small pages: real headless Debian chromium, real pdftotext."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from orchestration.profiles import pdf

pytestmark = pytest.mark.browser


def _seite(pfad, titel: str) -> None:
    pfad.write_text(f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{titel}</title>'
                    f'<style>@page {{ size: A4; margin: 15mm; }}</style></head>'
                    f'<body><h1>{titel}</h1><p>Größe: 1.234,5\u00a0%</p></body></html>', encoding="utf-8")


def test_prints_each_page_beside_its_html_without_browser_header_or_footer(tmp_path, pdftotext):
    seiten = []
    for name in ("Groß-Umstadt", "Münster (Hessen)", "Ober-Ramstadt"):
        seite = tmp_path / f"profil_{len(seiten)}.html"
        _seite(seite, name)
        seiten.append(seite)
    pdfs = pdf.drucke_alle(seiten, jobs=2)
    assert pdfs == [s.with_suffix(".pdf") for s in seiten]
    for seite, datei in zip(seiten, pdfs, strict=True):
        assert datei.read_bytes()[:5] == b"%PDF-"
        text = subprocess.run([pdftotext, "-enc", "UTF-8", str(datei), "-"], capture_output=True, text=True,
                              check=True).stdout
        titel = seite.read_text(encoding="utf-8").split("<h1>")[1].split("</h1>")[0]
        assert titel in text and "Größe: 1.234,5" in text
        # chromium's default header/footer would print the file URL and the print date on every page
        assert "file:" not in text and str(tmp_path) not in text
        # the page size of the CSS @page rule, not the browser's default (Letter)
        info = subprocess.run([pdftotext.replace("pdftotext", "pdfinfo"), str(datei)], capture_output=True,
                              text=True, check=True).stdout
        assert "(A4)" in info, info
    assert not list(tmp_path.glob("*.tmp"))


def test_missing_chromium_is_an_error(tmp_path):
    with pytest.raises(pdf.PdfFehler, match="chromium not found"):
        pdf.chromium(str(tmp_path / "kein-chromium"))


def test_a_browser_that_prints_nothing_is_an_error(tmp_path):
    seite = tmp_path / "profil_x.html"
    _seite(seite, "X")
    with pytest.raises(pdf.PdfFehler, match="did not print"):
        pdf.drucke(seite, browser="/bin/true")
    assert not (tmp_path / "profil_x.pdf").exists()


def test_kill_9_of_the_printing_process_leaves_no_browser_running(tmp_path):
    """chromium reads its commands from the printing process' pipe: when that process is killed (kill -9 of a
    build during the profile_pdf step), the pipe closes and the browser ends with it, printing nothing more."""
    import os
    import signal
    import sys
    import time

    seiten = []
    for i in range(40):
        seite = tmp_path / f"profil_{i}.html"
        _seite(seite, f"Seite {i}")
        seiten.append(seite)
    # the browser's profile folder lands in this (short) temp folder: its processes are recognisable
    eigenes_tmp = Path(tempfile.mkdtemp(prefix="pdf-kill-", dir="/tmp"))
    code = ("import sys; from pathlib import Path; from orchestration.profiles.pdf import drucke_alle; "
            "drucke_alle([Path(p) for p in sys.argv[1:]], jobs=2)")
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, seiten)], env={**os.environ, "TMPDIR": str(eigenes_tmp)})

    def browser() -> list[str]:
        out = subprocess.run(["pgrep", "-f", str(eigenes_tmp)], capture_output=True, text=True).stdout
        return out.split()

    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob("profil_*.pdf")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(tmp_path.glob("profil_*.pdf")), ("printing began", proc.poll())
        assert browser(), "chromium runs while printing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while browser() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not browser(), "chromium outlived the killed printing process"
        gedruckt = len(list(tmp_path.glob("profil_*.pdf")))
        time.sleep(2)
        assert len(list(tmp_path.glob("profil_*.pdf"))) == gedruckt < len(seiten)
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(eigenes_tmp, ignore_errors=True)


def test_prints_with_a_temp_folder_too_long_for_chromiums_socket(tmp_path, monkeypatch):
    """chromium aborts when its socket path in TMPDIR is longer than a Unix socket allows (107 bytes); a
    deeply nested temp folder (pytest's, a service's) must not stop the profiles."""
    lang = tmp_path / ("x" * 60) / ("y" * 60)
    lang.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(lang))  # what chromium inherits
    monkeypatch.setattr(tempfile, "tempdir", str(lang))  # what tempfile gives this process
    seite = tmp_path / "profil_lang.html"
    _seite(seite, "Langer Pfad")
    assert pdf.drucke(seite) == seite.with_suffix(".pdf")
    assert seite.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
