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


def test_a_tab_prints_one_file_after_the_other_each_pdf_only_its_own_page(tmp_path, pdftotext):
    """One tab prints every file in turn (jobs=1): each PDF has the text and the page count of its own file,
    never those of the page the tab showed before (a long page followed by a short one)."""
    lang = tmp_path / "profil_a_lang.html"
    lang.write_text('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><style>@page { size: A4; }'
                    '</style></head><body><h1>Langes Profil</h1>'
                    + "".join(f'<p style="break-before: page">Seite {i}</p>' for i in range(2, 6))
                    + "</body></html>", encoding="utf-8")
    kurz = tmp_path / "profil_b_kurz.html"
    _seite(kurz, "Kurzes Profil")
    noch = tmp_path / "profil_c_kurz.html"
    _seite(noch, "Drittes Profil")
    pdfs = pdf.drucke_alle([lang, kurz, noch], jobs=1)
    info = pdftotext.replace("pdftotext", "pdfinfo")

    def text_und_seiten(datei):
        text = subprocess.run([pdftotext, "-enc", "UTF-8", str(datei), "-"], capture_output=True, text=True,
                              check=True).stdout
        seiten = subprocess.run([info, str(datei)], capture_output=True, text=True, check=True).stdout
        return text, int(next(z.split()[-1] for z in seiten.splitlines() if z.startswith("Pages:")))

    assert text_und_seiten(pdfs[0])[1] == 5
    for datei, titel in ((pdfs[1], "Kurzes Profil"), (pdfs[2], "Drittes Profil")):
        text, seiten = text_und_seiten(datei)
        assert titel in text and "Langes Profil" not in text and "Seite 5" not in text, text
        assert seiten == 1


def test_a_file_that_is_gone_is_an_error_naming_it_not_a_printed_error_page(tmp_path):
    da = tmp_path / "profil_da.html"
    _seite(da, "Da")
    weg = tmp_path / "profil_weg.html"
    with pytest.raises(pdf.PdfFehler, match=r"did not print profil_da.html, profil_weg.html: .*could not open "
                                            r"profil_weg.html: net::ERR_FILE_NOT_FOUND"):
        pdf.drucke_alle([da, weg], jobs=2)
    assert not (tmp_path / "profil_weg.pdf").exists()


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
