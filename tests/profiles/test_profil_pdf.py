"""PDF profiles of the demo build (Dagster asset profile_pdf, printed by headless Debian chromium):
one PDF per Gemeinde and per Sozialraum in OUT/profile/, whose text (pdftotext) names the area, carries
the Datenstand and quotes no value of a suppressed cell (the value before disclosure control, read from
the warehouse, for every cell the published file marks suppressed)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.profiles.format import datum, zahl
from orchestration.profiles.render import dateiname

pytestmark = pytest.mark.browser

ZAHL = re.compile(r"(?<![\d.,])[−+-]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?![\d,])|(?<![\d.,])\d+(?:,\d+)?(?![\d,])")


def _text(pdf: Path, pdftotext: str) -> str:
    """The PDF's text with every run of white space (line breaks, no-break spaces) as one space."""
    out = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return re.sub(r"\s+", " ", out.replace("\u00a0", " ").replace("\u2009", " "))


@pytest.fixture(scope="module")
def gebiete(demo_build) -> dict:
    con = duckdb.connect(str(demo_build.published), read_only=True)
    try:
        gebiete = con.execute("""select distinct gebiet_ebene, gebiet_id, gebiet_name, sozialraum_id from mart.dim_gebiet
                                 where gebiet_ebene in ('gemeinde', 'sozialraum') order by 1, 2""").fetchall()
        veroeffentlicht = con.execute("select max(veroeffentlicht_am) from mart.publikation_status").fetchone()[0]
        gebietsstand = con.execute("select bezeichnung from mart.gebietsstand where ebene = 'gemeinde'").fetchone()[0]
        # every suppressed cell of a Gemeinde or Sozialraum (all years): published value null
        geheim = con.execute("""select gebiet_ebene, gebiet_id, sozialraum_id, indikator_id, jahr, einheit, wert
                                from mart.sozialraum_indikatoren
                                where ist_unterdrueckt and gebiet_ebene in ('gemeinde', 'sozialraum')""").fetchall()
    finally:
        con.close()
    assert all(w is None for *_, w in geheim), "a suppressed cell carries a published value"
    # the value each suppressed cell had before disclosure control (warehouse, not published)
    con = duckdb.connect(str(demo_build.warehouse), read_only=True)
    try:
        vorher = {(e, g, i, j): w for e, g, i, j, w in con.execute(
            "select gebiet_ebene, gebiet_id, indikator_id, jahr, wert from intermediate.int_indikatoren__aggregiert "
            "where wert is not null").fetchall()}
    finally:
        con.close()
    zellen = [(e, g, sr, i, j, vorher[(e, g, i, j)], einheit) for e, g, sr, i, j, einheit, _w in geheim
              if (e, g, i, j) in vorher]
    return {"gebiete": gebiete, "veroeffentlicht": veroeffentlicht, "gebietsstand": gebietsstand,
            "geheim": zellen}


def test_a_pdf_per_gemeinde_and_sozialraum_with_name_and_datenstand(demo_build, gebiete, pdftotext):
    ordner = demo_build.out / "profile"
    ebenen = {e for e, *_ in gebiete["gebiete"]}
    assert ebenen == {"gemeinde", "sozialraum"}, ebenen
    stand = datum(gebiete["veroeffentlicht"])
    for ebene, gid, name, _sr in gebiete["gebiete"]:
        pdf = ordner / dateiname(ebene, gid).replace(".html", ".pdf")
        assert pdf.exists(), pdf
        assert pdf.read_bytes()[:5] == b"%PDF-"
        text = _text(pdf, pdftotext)
        assert ("Gemeindeprofil: " if ebene == "gemeinde" else "Sozialraumprofil: ") + name in text, pdf.name
        assert "Datenstand:" in text and f"veröffentlicht am {stand}" in text, pdf.name
        assert f"Alle Werte beziehen sich auf den {gebiete['gebietsstand']}." in text, pdf.name
        assert "Auf einen Blick" in text and "Kreiswert" in text, pdf.name
    assert len(list(ordner.glob("profil_*.pdf"))) == len(gebiete["gebiete"])


def _zahlen(text: str) -> set[str]:
    return {z.lstrip("+-−") for z in ZAHL.findall(text)}


def _zeilen(layout: str, indikator: str, jahr: int) -> list[str]:
    """The table rows of an indicator in `pdftotext -layout` text: the line with its name and year plus
    the continuation lines of wrapped cells (up to a blank line or the next row's year cell), joined
    with single spaces."""
    zeilen = layout.splitlines()
    rows = []
    for i, z in enumerate(zeilen):
        if indikator[:28] in z and re.search(rf"(?<!\d){jahr}(?!\d)", z):
            teile = [z]
            for weiter in zeilen[i + 1:]:
                if not weiter.strip() or re.search(r"\s{2,}\d{4}\s{2,}", weiter):  # blank line or next row
                    break
                teile.append(weiter)
            rows.append(teile)
    return rows


def _name_muster(name: str) -> re.Pattern:
    """An indicator name in pdftotext's text: a name wrapped after a hyphen comes out without it ("21-Jährige" at
    a line end reads "21Jährige")."""
    return re.compile(re.escape(name).replace(r"\-", "-?"))


def _flach(zeilen: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(zeilen))


def _spalte_ab(zeilen: list[str], start: int) -> str:
    """The text of a row's cells from character column `start` on (a wrapped last column)."""
    return _flach([z[start:] for z in zeilen])


def test_no_value_of_a_suppressed_cell_in_the_text(demo_build, gebiete, pdftotext):
    """For every suppressed cell shown in a profile (the area's own cells; a Sozialraum also lists its
    Gemeinden's youth-welfare cells): the narrative quotes no number equal to its value before disclosure
    control next to its name and names the indicator as kept secret; its table row (pdftotext -layout) or key-indicator
    card shows "geheim" in its place, and a Gemeinde's entry in the row reads "<Gemeinde>: geheim"."""
    ordner = demo_build.out / "profile"
    assert gebiete["geheim"], "the demo build publishes no suppressed cell: the check proves nothing"
    gemeindename = {gid: name for e, gid, name, _sr in gebiete["gebiete"] if e == "gemeinde"}
    con = duckdb.connect(str(demo_build.published), read_only=True)
    try:
        namen = dict(con.execute("select indikator_id, name from mart.indikatoren").fetchall())
        gezeigt = {(e, g, i): j for e, g, i, j in con.execute(
            "select gebiet_ebene, gebiet_id, indikator_id, jahr from mart.rpt_profil_kennzahlen").fetchall()}
    finally:
        con.close()
    geprueft = 0
    for ebene, gid, _name, _sr in gebiete["gebiete"]:
        pdf = ordner / dateiname(ebene, gid).replace(".html", ".pdf")
        flach = _text(pdf, pdftotext)
        blick = flach[flach.index("Auf einen Blick"):flach.index("Alle Werte beziehen sich")]
        layout = subprocess.run([pdftotext, "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                                capture_output=True, text=True).stdout.replace("\u00a0", " ")
        for e, g, sr, ind, jahr, vorher, einheit in gebiete["geheim"]:
            eigene = e == ebene and g == gid
            gemeinde_im_raum = ebene == "sozialraum" and e == "gemeinde" and sr == gid
            if not (eigene or gemeinde_im_raum) or gezeigt.get((ebene, gid, ind)) != jahr:
                continue  # not a cell of the year this profile shows
            wert = zahl(vorher, einheit).replace("\u00a0%", "")
            name = namen.get(ind) or ind
            rows = _zeilen(layout, name, jahr)
            if eigene:
                # the narrative has no value sentence for it ("<Indikator> <Jahr>: …"), and where it names
                # the indicator (the Hinweis) no number follows up to the end of that sentence
                assert f"{name} {jahr}:" not in blick, (pdf.name, ind, blick)
                assert _name_muster(name).search(blick) and "geheim gehalten" in blick, (pdf.name, ind)
                for treffer in _name_muster(name).finditer(blick):
                    satz = blick[treffer.end():].split("genannt.", 1)[0]
                    assert wert not in _zahlen(satz), (pdf.name, ind, wert, satz)
                if rows:  # a table row: "geheim" in the area's column, right after the year
                    for row in rows:
                        nach_jahr = _flach(row).split(str(jahr), 1)[1].split()
                        assert nach_jahr[0] == "geheim", (pdf.name, ind, row)
                else:  # a key-indicator card: "geheim" right after its heading
                    karte = flach[flach.index(name + " ("):][:len(name) + 40]
                    assert "geheim" in karte, (pdf.name, ind, karte)
            else:
                assert rows, (pdf.name, ind)
                for row in rows:
                    # the Gemeinden column: from the first "<Name>:" of the row's first line on
                    start = min(row[0].index(f"{n}:") for n in gemeindename.values() if f"{n}:" in row[0])
                    spalte = _spalte_ab(row, start)
                    assert f"{gemeindename[g]}: geheim" in spalte, (pdf.name, ind, g, spalte)
                    assert not re.search(rf"{re.escape(gemeindename[g])}: {re.escape(wert)}(?![\d,])", spalte)
            geprueft += 1
    print(f"{geprueft} suppressed cells checked in the PDFs")
    assert geprueft > 0

def test_gemeinde_profiles_html(demo_build, gebiete, tmp_path):
    """render_profiles(ebene="gemeinde"): one file per Gemeinde, only the Gemeinde highlighted on the map,
    its Sozialraum named, the narrative present; an unknown AGS is refused."""
    from orchestration.profiles import ProfilFehler, render_profiles

    files = render_profiles(demo_build.published, tmp_path, ebene="gemeinde")
    gemeinden = [(gid, name) for e, gid, name, _sr in gebiete["gebiete"] if e == "gemeinde"]
    assert [f.name for f in files] == [f"profil_gemeinde_{gid}.html" for gid, _ in gemeinden]
    for (gid, name), datei in zip(gemeinden, files, strict=True):
        html = datei.read_text(encoding="utf-8")
        assert f"<title>Gemeindeprofil {name} – " in html
        assert set(re.findall(r'class="flaeche hervor" data-gebiet="([^"]+)"', html)) == {gid}, gid
        assert 'id="auf-einen-blick"' in html and "Kreiswert" in html
        assert "<script" not in html.lower()
    with pytest.raises(ProfilFehler):
        render_profiles(demo_build.published, tmp_path, sozialraum="99999999", ebene="gemeinde")
