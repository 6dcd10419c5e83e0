"""The facility indicators (issue 13 part 5) in the printable Sozialraum profiles, rendered from the published file
of the demo build: Kita-Plätze je 100 Kinder unter 6, Einrichtungen je 10.000 Einwohner and the distance to the
nearest Familienzentrum appear among the further indicators (thema „Soziale Infrastruktur“, no rendering code of
their own) with the published value of the Sozialraum's latest year."""

from __future__ import annotations

import re

import duckdb
import pytest

from orchestration.profiles import render_profiles
from orchestration.profiles.format import zahl

INDIKATOREN = ("kita_plaetze_je_100_unter_6", "einrichtungen_je_10000_ew", "entfernung_familienzentrum_km")


@pytest.fixture(scope="module")
def profile(demo_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("profile_einrichtungen")
    files = {f.stem.removeprefix("profil_"): f.read_text(encoding="utf-8")
             for f in render_profiles(demo_build.published, out)}
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        latest = con.execute(
            """select gebiet_id, indikator_id, jahr, wert, einheit from mart.sozialraum_indikatoren
               where gebiet_ebene = 'sozialraum' and indikator_id in (select unnest(?)) and wert is not null
               qualify jahr = max(jahr) over (partition by gebiet_id, indikator_id)""",
            [list(INDIKATOREN)]).fetchall()
        names = dict(con.execute("select indikator_id, name from mart.indikatoren").fetchall())
    return files, {(r[0], r[1]): r[2:] for r in latest}, names


def test_sozialraum_profiles_show_the_facility_indicators(profile):
    files, latest, names = profile
    assert files
    shown = {ind: 0 for ind in INDIKATOREN}
    for sr, html in files.items():
        for ind in INDIKATOREN:
            if (sr, ind) not in latest:
                continue
            row = re.search(rf'<tr data-indikator="{ind}" class="weitere">(.*?)</tr>', html, re.S)
            assert row, (sr, ind)
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
            jahr, wert, einheit = latest[(sr, ind)]
            assert names[ind] in cells[0] and cells[1] == str(jahr), (sr, ind)
            assert zahl(wert, einheit) in cells[2], (sr, ind, cells[2])
            shown[ind] += 1
    assert all(shown.values()), shown  # every indicator is published for Sozialräume and shown
