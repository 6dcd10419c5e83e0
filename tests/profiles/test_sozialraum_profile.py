"""Sozialraum profiles: rendered from the published file of the demo build, opened in headless
Debian chromium (Playwright drives the system browser; nothing is downloaded). Every profile must
render without console errors and without any request leaving the machine; screenshots are kept in
var/artifacts/profiles/."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import duckdb
import pytest

from orchestration.profiles import ProfilFehler, render_profiles
from orchestration.profiles.format import zahl

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "var" / "artifacts" / "profiles"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ensure_chromium() -> None:
    """Debian chromium, installed with apt when absent (never a downloaded browser)."""
    if CHROMIUM.exists():
        return
    if shutil.which("apt-get") is None:
        pytest.fail("chromium is not installed and apt-get is not available")
    subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, capture_output=True, timeout=1200)
    assert CHROMIUM.exists()


@pytest.fixture(scope="module")
def published(demo_build) -> Path:
    return demo_build.published


@pytest.fixture(scope="module")
def rendered(published, tmp_path_factory) -> dict:
    before = _sha256(published)
    out = tmp_path_factory.mktemp("profile")
    files = render_profiles(published, out)
    assert _sha256(published) == before, "rendering changed the published file"
    con = duckdb.connect(str(published), read_only=True)
    try:
        raeume = [r[0] for r in con.execute(
            "select distinct gebiet_id from mart.dim_gebiet where gebiet_ebene = 'sozialraum' order by 1").fetchall()]
        gemeinden = con.execute(
            "select sozialraum_id, gebiet_id, gebiet_name, geojson is not null from mart.dim_gebiet "
            "where gebiet_ebene = 'gemeinde'").fetchall()
        namen = dict(con.execute(
            "select distinct gebiet_id, gebiet_name from mart.dim_gebiet where gebiet_ebene = 'sozialraum'").fetchall())
        demo = dict(con.execute(
            "select sozialraum_id, bool_or(ist_demodaten) from mart.sozialraum_indikatoren "
            "where sozialraum_id is not null group by 1").fetchall())
        # Suppressed youth-welfare values of the Sozialraum in its latest year (shown as "geheim").
        geheim = con.execute(
            """select s.gebiet_id, s.indikator_id from mart.sozialraum_indikatoren s
               where s.gebiet_ebene = 'sozialraum' and s.ist_unterdrueckt
                 and s.jahr = (select max(jahr) from mart.sozialraum_indikatoren x
                               where x.gebiet_ebene = 'sozialraum' and x.gebiet_id = s.gebiet_id
                                 and x.indikator_id = s.indikator_id)""").fetchall()
        # Suppressed Gemeinde values in the year the profile shows for the Sozialraum.
        geheim_gemeinden = con.execute(
            """select g.sozialraum_id, g.indikator_id, g.gebiet_name from mart.sozialraum_indikatoren g
               where g.gebiet_ebene = 'gemeinde' and g.ist_unterdrueckt
                 and g.jahr = (select max(jahr) from mart.sozialraum_indikatoren x
                               where x.gebiet_ebene = 'sozialraum' and x.gebiet_id = g.sozialraum_id
                                 and x.indikator_id = g.indikator_id)""").fetchall()
    finally:
        con.close()
    return {"files": files, "out": out, "raeume": raeume, "gemeinden": gemeinden, "namen": namen,
            "demo": demo, "geheim": geheim, "geheim_gemeinden": geheim_gemeinden}


def test_one_profile_per_sozialraum(rendered):
    assert rendered["raeume"], "the published file has no Sozialräume"
    assert [f.name for f in rendered["files"]] == [f"profil_{r}.html" for r in rendered["raeume"]]
    assert all(f.exists() and f.stat().st_size > 5000 for f in rendered["files"])


def test_profile_content(rendered):
    for sr, datei in zip(rendered["raeume"], rendered["files"], strict=False):
        html = datei.read_text(encoding="utf-8")
        assert '<html lang="de">' in html
        assert "size: A4" in html
        assert rendered["namen"][sr] in html
        # its Gemeinden, highlighted on the map
        eigene = [g for g in rendered["gemeinden"] if g[0] == sr]
        assert eigene
        for _sr, ags, name, _geo in eigene:
            assert ags in html and name in html
        hervor = re.findall(r'class="flaeche hervor" data-gebiet="([^"]+)"', html)
        assert sorted(set(hervor)) == sorted({g[1] for g in eigene if g[3]})
        # key indicators with trend charts, Sozialindex, definitions and Datenstand
        assert html.count('<svg class="trend"') >= 3
        assert "Sozialindex" in html and "Statusindex" in html
        assert "Definitionen und Quellen" in html and "Zähler:" in html
        assert "Datenstand:" in html and "Veröffentlicht" in html
        # the Demodaten note exactly where demo rows are published
        assert ('id="demodaten"' in html) == bool(rendered["demo"].get(sr)), sr
        # no script, no external reference of any kind
        assert "<script" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)
        assert "@import" not in html and "url(" not in html


def test_suppressed_youth_welfare_values_stay_secret(rendered):
    geprueft = 0
    for sr, indikator in rendered["geheim"]:
        html = (rendered["out"] / f"profil_{sr}.html").read_text(encoding="utf-8")
        zeile = re.search(rf'<tr data-indikator="{re.escape(indikator)}">(.*?)</tr>', html, re.S)
        if zeile is None:  # not a youth-welfare figure: shown on a key-indicator card
            karte = re.search(rf'<div class="karte-kennzahl" data-indikator="{re.escape(indikator)}">(.*?)<svg', html, re.S)
            assert karte is not None, (sr, indikator)
            assert 'class="wert geheim">geheim' in karte.group(1), (sr, indikator)
        else:
            # the Sozialraum cell (third column) is marked secret
            zellen = re.findall(r"<td[^>]*>(.*?)</td>", zeile.group(1), re.S)
            assert "geheim" in zellen[2], zellen
        geprueft += 1
    for sr, indikator, name in rendered["geheim_gemeinden"]:
        html = (rendered["out"] / f"profil_{sr}.html").read_text(encoding="utf-8")
        zeile = re.search(rf'<tr data-indikator="{re.escape(indikator)}">(.*?)</tr>', html, re.S)
        if zeile is None:  # Gemeinde values are listed for youth-welfare figures only
            continue
        assert f'{escape(name)}: <span class="geheim">geheim</span>' in zeile.group(1), (sr, indikator, name)
        geprueft += 1
    print(f"{geprueft} suppressed values checked")
    assert geprueft > 0, "the demo build publishes no suppressed value: the check proves nothing"


def test_single_and_unknown_sozialraum(published, rendered, tmp_path):
    erster = rendered["raeume"][0]
    files = render_profiles(published, tmp_path, sozialraum=erster)
    assert [f.name for f in files] == [f"profil_{erster}.html"]
    with pytest.raises(ProfilFehler):
        render_profiles(published, tmp_path, sozialraum="gibt-es-nicht")


def test_the_same_published_data_give_the_same_profile_whatever_the_row_order(published, rendered, tmp_path):
    """A profile depends on the published data, not on the order DuckDB returns their rows in (the map's areas
    were drawn in the order of mart.dim_gebiet: two builds of the same data printed different files)."""
    shuffled = tmp_path / "umgestellt" / published.name  # the profile names the file it was made from
    shuffled.parent.mkdir()
    shutil.copy(published, shuffled)
    with duckdb.connect(str(shuffled)) as con:
        con.execute("CREATE OR REPLACE TABLE mart.dim_gebiet AS SELECT * FROM mart.dim_gebiet ORDER BY gebiet_id DESC")
    for path in render_profiles(shuffled, tmp_path / "profile", sozialraum=rendered["raeume"][0]):
        assert path.read_bytes() == (rendered["out"] / path.name).read_bytes(), path.name


def _route_handler(info: dict):
    def route(r) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            info["extern"].append(url)
            r.abort()

    return route


def _open_in_chromium(files: list[Path], screenshots: Path | None) -> dict[str, dict]:
    """Open each file in headless chromium; block and record every request that is not file:/data:."""
    from playwright.sync_api import sync_playwright

    ergebnisse: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for datei in files:
                page = browser.new_page(viewport={"width": 900, "height": 1270})
                info = {"console": [], "pageerrors": [], "extern": [], "failed": []}

                page.route("**/*", _route_handler(info))
                page.on("console", lambda m, info=info: info["console"].append((m.type, m.text)))
                page.on("pageerror", lambda e, info=info: info["pageerrors"].append(str(e)))
                page.on("requestfailed", lambda req, info=info: info["failed"].append(req.url))
                page.goto(datei.as_uri(), wait_until="load")
                info["title"] = page.title()
                info["svgs"] = page.locator("svg").count()
                info["width"] = page.evaluate("document.documentElement.scrollWidth")
                if screenshots is not None:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshots / (datei.stem + ".png")), full_page=True)
                ergebnisse[datei.name] = info
                page.close()
        finally:
            browser.close()
    return ergebnisse


def test_profiles_render_in_chromium_offline(rendered):
    _ensure_chromium()
    ergebnisse = _open_in_chromium(rendered["files"], ARTIFACTS)
    assert len(ergebnisse) == len(rendered["files"])
    for name, info in ergebnisse.items():
        assert info["extern"] == [], f"{name}: requests leaving the machine: {info['extern']}"
        assert info["failed"] == [], f"{name}: failed requests: {info['failed']}"
        fehler = [c for c in info["console"] if c[0] in ("error", "warning")]
        assert fehler == [], f"{name}: console: {fehler}"
        assert info["pageerrors"] == [], f"{name}: {info['pageerrors']}"
        assert info["title"].startswith("Sozialraumprofil")
        assert info["svgs"] >= 4
        assert info["width"] <= 900, f"{name}: content wider than the page ({info['width']} px)"
        assert (ARTIFACTS / name.replace(".html", ".png")).stat().st_size > 10000


def test_the_offline_check_catches_external_requests(tmp_path):
    """The interception above must notice a page that loads something from the network."""
    _ensure_chromium()
    seite = tmp_path / "extern.html"
    seite.write_text(
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>x</title>'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css"></head>'
        '<body><img src="http://example.org/bild.png" alt=""></body></html>',
        encoding="utf-8",
    )
    info = _open_in_chromium([seite], None)["extern.html"]
    assert any("cdn.example.org" in u for u in info["extern"]), info
    assert any("example.org/bild.png" in u for u in info["extern"]), info
    assert info["failed"], "the blocked requests must also show up as failed"


def test_dagster_asset_renders_from_the_published_file(demo_build, tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.profiles.assets import PUBLISHED_KEY, sozialraum_profile
    from orchestration.settings import Settings

    assert PUBLISHED_KEY in {dep.asset_key for dep in sozialraum_profile.specs_by_key[sozialraum_profile.key].deps}
    out = tmp_path / "out"
    (out / "published").mkdir(parents=True)
    shutil.copy(demo_build.published, out / "published" / "sozialmonitor.duckdb")
    result = dg.materialize([sozialraum_profile], selection=[sozialraum_profile],
                            resources={"settings": Settings(out=str(out))})
    assert result.success
    meta = result.asset_materializations_for_node("sozialraum_profile")[0].metadata
    files = sorted((out / "profile").glob("profil_*.html"))
    assert files and meta["profile"].value == len(files)


def test_land_bund_and_gebietsstand_beside_the_kreis(rendered, published):
    """Every rate that the official tables carry for Hessen and Germany shows their value of the same
    year beside the Kreis; the Datenstand names the Gebietsstand all years refer to."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        hessen = con.execute("""select jahr, wert from mart.sozialraum_indikatoren where gebiet_ebene = 'land'
                                and indikator_id = 'arbeitslosenanteil' order by jahr desc limit 1""").fetchone()
        bund = con.execute("""select wert from mart.sozialraum_indikatoren where gebiet_ebene = 'bund'
                              and indikator_id = 'arbeitslosenanteil' and jahr = ?""", [hessen[0]]).fetchone()
        gebietsstand = con.execute("select bezeichnung from mart.gebietsstand where ebene = 'gemeinde'").fetchone()[0]
    finally:
        con.close()
    for datei in rendered["files"]:
        html = datei.read_text(encoding="utf-8")
        karte = html[html.index('data-indikator="arbeitslosenanteil"'):][:4000]
        assert f"Hessen: {zahl(hessen[1], '%')}" in karte and f"Deutschland: {zahl(bund[0], '%')}" in karte
        # the line from mart.gebietsstand, as is, in the Datenstand of the footer
        assert gebietsstand == "Gebietsstand 31.12.2020"
        assert gebietsstand in html[html.index("<footer>"):]
        # confidential families have no Land/Bund rows: nothing is invented for them
        sgb2 = html[html.index('data-indikator="sgb2_quote"'):][:4000]
        assert "Hessen:" not in sgb2.split("</div>")[0]


GENESIS_INDIKATOREN = ("auslaendische_arbeitslose", "beschaeftigungsquote_frauen", "beschaeftigtenquote_jahresende",
                       "pendlersaldo_je_100", "durchschnittsalter", "familienwanderung", "bildungswanderung",
                       "ruhestandswanderung")


def test_genesis_indicators_under_their_theme_with_land_and_bund(rendered, published):
    """The indicators from the delivered GENESIS tables (issue 12) are in every profile, under the theme of
    the catalogue, with the Sozialraum's latest published value and Hessen and Germany of the same year."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        thema = dict(con.execute("select indikator_id, thema from mart.indikatoren").fetchall())
        einheit = dict(con.execute("select indikator_id, einheit from mart.indikatoren").fetchall())
        werte = {(g, i): (j, w) for g, i, j, w in con.execute(
            """select gebiet_id, indikator_id, jahr, wert from mart.sozialraum_indikatoren
               where gebiet_ebene in ('sozialraum', 'land', 'bund') and indikator_id in ?
               qualify jahr = max(jahr) over (partition by gebiet_id, indikator_id)""",
            [list(GENESIS_INDIKATOREN)]).fetchall()}
        vergleich = {(e, i, j): w for e, i, j, w in con.execute(
            "select gebiet_ebene, indikator_id, jahr, wert from mart.sozialraum_indikatoren "
            "where gebiet_ebene in ('land', 'bund') and indikator_id in ?", [list(GENESIS_INDIKATOREN)]).fetchall()}
    finally:
        con.close()
    for sr, datei in zip(rendered["raeume"], rendered["files"], strict=False):
        html = datei.read_text(encoding="utf-8")
        weitere = html[html.index("Weitere Indikatoren"):]
        weitere = weitere[:weitere.index("</table>")]
        for ind in GENESIS_INDIKATOREN:
            jahr, wert = werte[(sr, ind)]
            zeile_start = weitere.index(f'<tr data-indikator="{ind}"')
            zeile = weitere[zeile_start:weitere.index("</tr>", zeile_start)]
            # the nearest theme heading above the row is the catalogue's theme
            ueberschriften = re.findall(r'<tr class="thema"><th colspan="7">([^<]+)</th></tr>', weitere[:zeile_start])
            assert ueberschriften and ueberschriften[-1] == escape(thema[ind]), (sr, ind)
            assert f"<td>{jahr}</td>" in zeile and escape(zahl(wert, einheit[ind])) in zeile, (sr, ind)
            assert f"Hessen {escape(zahl(vergleich[('land', ind, jahr)], einheit[ind]))}" in zeile, (sr, ind)
            assert f"Deutschland {escape(zahl(vergleich[('bund', ind, jahr)], einheit[ind]))}" in zeile, (sr, ind)
