"""The indicators of the new delivery families in the printable Sozialraum profiles (rendered from the published
file of the demo build; no browser needed): Mindestsicherungsquote as a key indicator with its trend chart, the
Melderegister and Wohngeld indicators among the further indicators, the HzE shares in the youth-welfare section
(after disclosure control) — each with the published value of the Sozialraum's latest year."""

from __future__ import annotations

import re

import duckdb
import pytest

from orchestration.profiles import render_profiles
from orchestration.profiles.format import zahl

KENNZAHL = "mindestsicherungsquote"
WEITERE = ("auslaenderanteil", "anteil_minderjaehrige_auslaendisch", "alleinerziehende_haushalte_anteil",
           "wohngeld_je_1000_haushalte")
JUGENDHILFE = ("hze_anteil_transferleistung", "hze_anteil_alleinerziehend")


@pytest.fixture(scope="module")
def profile(demo_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("profile_familien")
    files = {f.stem.removeprefix("profil_"): f.read_text(encoding="utf-8") for f in render_profiles(demo_build.published, out)}
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        latest = con.execute(
            """select gebiet_id, indikator_id, jahr, wert, ist_unterdrueckt, einheit from mart.sozialraum_indikatoren s
               where gebiet_ebene = 'sozialraum' and indikator_id in (select unnest(?))
               qualify jahr = max(jahr) over (partition by gebiet_id, indikator_id)""",
            [[KENNZAHL, *WEITERE, *JUGENDHILFE]]).fetchall()
        names = dict(con.execute("select indikator_id, name from mart.indikatoren").fetchall())
    return files, {(r[0], r[1]): r[2:] for r in latest}, names


def shown(wert, unterdrueckt: bool, einheit: str) -> str:
    return "geheim" if unterdrueckt else zahl(wert, einheit)


def test_every_sozialraum_profile_shows_the_new_indicators(profile):
    files, latest, names = profile
    assert files and {sr for sr, _ in latest} == set(files)
    for sr, html in files.items():
        jahr, wert, unterdrueckt, einheit = latest[(sr, KENNZAHL)]
        card = re.search(rf'<div class="karte-kennzahl" data-indikator="{KENNZAHL}">(.*?)</div>\s*</div>', html, re.S)
        assert card, (sr, KENNZAHL)
        assert names[KENNZAHL] in card.group(1) and f"{jahr} · Kreis" in card.group(1)
        assert shown(wert, unterdrueckt, einheit) in card.group(1), (sr, wert)
        assert '<svg class="trend"' in html[card.end():card.end() + 200] or '<svg class="trend"' in card.group(0)
        for ind in (*WEITERE, *JUGENDHILFE):
            row = re.search(rf'<tr data-indikator="{ind}"( class="weitere")?>(.*?)</tr>', html, re.S)
            assert row, (sr, ind)
            assert (row.group(1) is not None) == (ind in WEITERE), (sr, ind)  # youth welfare: its own section
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(2), re.S)
            jahr, wert, unterdrueckt, einheit = latest[(sr, ind)]
            assert names[ind] in cells[0] and cells[1] == str(jahr), (sr, ind)
            assert shown(wert, unterdrueckt, einheit) in cells[2], (sr, ind, cells[2])
