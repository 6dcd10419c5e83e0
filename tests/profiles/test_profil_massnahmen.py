"""The measures in the Gemeinde and Sozialraum profiles (orchestration/profiles/massnahmen.py), read from
mart.rpt_massnahmen of the demo build's published file; a title with markup is shown as text."""

from __future__ import annotations

import html
import re
import shutil

import duckdb
import pytest

from orchestration.profiles import render_profiles


def section(text: str) -> str:
    match = re.search(r'<section class="massnahmen">(.*?)</section>', text, re.S)
    assert match, "no Maßnahmen section"
    return match.group(1)


@pytest.fixture(scope="module")
def measures(demo_build):
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        return con.execute("select massnahme_id, gebiet_ebene, gebiet_id, massnahme_gebiet_ebene, titel "
                           "from mart.rpt_massnahmen").fetchall()


def test_gemeinde_profile_lists_its_own_its_ortsteil_and_the_kreis_measures(demo_build, measures, tmp_path):
    own = {m for m, ebene, gid, _, _ in measures if ebene == "gemeinde" and gid == "06432001"}
    kreisweit = {m for m, ebene, _, m_ebene, _ in measures if ebene == m_ebene == "kreis"}
    assert own and kreisweit, measures  # the demo list has an Ortsteil measure in 06432001 and a Kreis one
    page, = render_profiles(demo_build.published, tmp_path, "06432001", ebene="gemeinde")
    text = section(page.read_text(encoding="utf-8"))
    shown = set(re.findall(r'data-massnahme="([^"]+)"', text))
    assert own | kreisweit <= shown
    titles = {m: t for m, *_, t in measures}
    for m in shown:
        assert html.escape(titles[m], quote=False) in text
    assert "Demodaten: " in text


def test_sozialraum_profile_lists_the_measures_of_its_gemeinden(demo_build, measures, tmp_path):
    for sr in {gid for _, ebene, gid, _, _ in measures if ebene == "sozialraum"}:
        page, = render_profiles(demo_build.published, tmp_path, sr)
        shown = set(re.findall(r'data-massnahme="([^"]+)"', section(page.read_text(encoding="utf-8"))))
        assert {m for m, ebene, gid, _, _ in measures if ebene == "sozialraum" and gid == sr} <= shown, sr


def test_a_title_with_markup_is_escaped(demo_build, tmp_path):
    published = tmp_path / "published.duckdb"
    shutil.copy2(demo_build.published, published)
    with duckdb.connect(str(published)) as con:
        con.execute("update mart.rpt_massnahmen set titel = '<script>alert(1)</script> & Co', traeger = '<b>X</b>' "
                    "where massnahme_gebiet_ebene = 'kreis'")
    page, = render_profiles(published, tmp_path / "out", "06432001", ebene="gemeinde")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text and "<b>X</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in section(text)
    assert "&lt;b&gt;X&lt;/b&gt;" in section(text)
