"""orchestration/profiles/pdf.py on small pages: real headless Debian chromium, real pdftotext."""

from __future__ import annotations

import subprocess

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
