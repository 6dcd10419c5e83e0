"""Every dashboard in a real headless Debian chromium (driven by Playwright, never a downloaded
browser): logs in, waits for all charts, fails on any error box or empty chart and saves a
screenshot per dashboard to var/artifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from superset_support import ARTIFACTS, REPO_ROOT

pytestmark = [pytest.mark.superset, pytest.mark.browser, pytest.mark.timeout(1800)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
DASHBOARDS = sorted(p.stem for p in (REPO_ROOT / "superset" / "assets" / "dashboards").glob("*.yaml"))
EMPTY_TEXTS = ["keine Ergebnisse", "No results", "Keine Daten", "No data"]
ERROR_SELECTORS = [".ant-alert-error", ".alert-danger", "[data-test='error-message']",
                   "[data-test='chart-error']"]


def ensure_chromium() -> str:
    """Debian's chromium package; installed with apt when absent (the test machine is Debian)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail("Debian chromium is missing: run `apt-get install -y chromium` (make browser)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, timeout=900)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=True, timeout=1800)
    assert Path(CHROMIUM).exists()
    return CHROMIUM


def expected_charts(key: str) -> int:
    """Charts and Markdown blocks (both sit in a .dashboard-component-chart-holder)."""
    dash = yaml.safe_load((REPO_ROOT / "superset" / "assets" / "dashboards" / f"{key}.yaml").read_text())
    return sum(1 for v in dash["position"].values()
               if isinstance(v, dict) and v.get("type") in ("CHART", "MARKDOWN"))


@pytest.fixture(scope="module")
def browser_page(superset_server):
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 2600}, locale="de-DE")
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        # One form login (logins are rate-limited). Superset's login page sends its event log
        # (POST /superset/log/) as a beacon when it unloads; on a loaded machine that anonymous request
        # can answer after the login and overwrite the new session cookie: the welcome page still comes,
        # every later page redirects to the login. So the login page's beacon is dropped while logging in,
        # the page is idle before submitting, and the login counts once the session still holds after the
        # welcome page (/api/v1/me/); else try again (at most 3 logins). A refused login lands on
        # /login/?next=…/superset/welcome/, so the path is checked, not the whole URL; a 429 (the API tests
        # used up this minute's logins of 127.0.0.1) waits out the window.
        def logged_in(url: str) -> bool:
            return urlparse(url).path.startswith("/superset/welcome")

        def drop(route) -> None:
            route.abort()

        context.route("**/superset/log/**", drop)
        for attempt in range(3):
            page.goto(f"{superset_server.base}/login/")
            page.wait_for_load_state("networkidle")
            page.fill("#username", "admin")
            page.fill("#password", superset_server.admin_password)
            with page.expect_response(lambda r: r.request.method == "POST"
                                      and urlparse(r.url).path.rstrip("/") == "/login") as answer:
                page.keyboard.press("Enter")
            status = answer.value.status
            cause: Exception | None = None
            try:
                page.wait_for_url(logged_in, timeout=60_000)
                page.wait_for_load_state("networkidle")
            except Exception as err:  # noqa: BLE001 - playwright's TimeoutError
                problem, cause = f"last answer HTTP {status}, at {page.url}", err
            else:
                me = page.request.get(f"{superset_server.base}/api/v1/me/")
                if me.ok:
                    break
                problem = f"the session did not hold after the welcome page: /api/v1/me/ HTTP {me.status}"
            if attempt == 2:
                raise AssertionError(f"form login failed 3 times ({problem})") from cause
            if status == 429:
                time.sleep(61)
        context.unroute("**/superset/log/**", drop)
        page.page_errors = page_errors  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()


def _chart_states(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".dashboard-component-chart-holder",
        """els => els.map(e => ({
            title: (e.querySelector("[data-test='editable-title']") || {}).innerText || "",
            loading: !!e.querySelector("[data-test='loading-indicator'], .loading"),
            rendered: !!e.querySelector("canvas, svg, table")
                || (!!e.closest(".dashboard-markdown") && e.innerText.trim().length > 0),
            text: e.innerText.slice(0, 2000),
        }))""",
    )


def assert_charts_rendered(page, states: list[dict], want: int) -> None:
    """Every expected chart is on the page, rendered, not empty and without an error box."""
    assert len(states) == want, f"{len(states)} of {want} charts on the page"
    not_ready = [s["title"] for s in states if s["loading"] or not s["rendered"]]
    assert not not_ready, f"charts not rendered: {not_ready}"
    empty = [s["title"] for s in states if any(t.lower() in s["text"].lower() for t in EMPTY_TEXTS)]
    assert not empty, f"empty charts: {empty}"
    for sel in ERROR_SELECTORS:
        n = page.locator(f".dashboard-component-chart-holder {sel}").count()
        assert n == 0, f"{n} error boxes ({sel})"


def _wait_until_rendered(page, want: int, scroll: int, seconds: float = 180) -> list[dict]:
    """Chart states once all `want` charts are rendered and none is loading (or the last seen state)."""
    deadline = time.monotonic() + seconds
    states: list[dict] = []
    while time.monotonic() < deadline:
        if scroll:
            page.mouse.wheel(0, scroll)
        states = _chart_states(page)
        if len(states) == want and all(s["rendered"] and not s["loading"] for s in states):
            break
        time.sleep(1)
    return states


@pytest.mark.parametrize("key", DASHBOARDS)
def test_dashboard_renders(browser_page, superset_server, key):
    page = browser_page
    page.page_errors.clear()
    t0 = time.perf_counter()
    page.goto(f"{superset_server.base}/superset/dashboard/sozialmonitor-{key}/")
    page.wait_for_selector(".dashboard-component-chart-holder", timeout=120_000)
    want = expected_charts(key)
    states = _wait_until_rendered(page, want, scroll=4000)
    page.mouse.wheel(0, -20000)
    # back at the top: every chart must (still) be there, rendered, before text and screenshot are taken
    states = _wait_until_rendered(page, want, scroll=0)
    time.sleep(1.0)  # let animations settle before the screenshot
    shot = ARTIFACTS / f"superset_{key}.png"
    page.screenshot(path=str(shot), full_page=True)
    seconds = time.perf_counter() - t0
    print(f"\n{key}: {len(states)} charts in {seconds:.1f}s, screenshot {shot}")

    assert_charts_rendered(page, states, want)
    # the text of a table chart can lag behind its rendered flag on a busy machine: give it time, then judge
    try:
        page.wait_for_function("() => document.body.innerText.includes('Datenstand')", timeout=30_000)
    except Exception:  # noqa: BLE001 (judged by the assertion below, with the page text)
        pass
    body = page.inner_text("body")
    assert "Datenstand" in body, body[:3000]
    assert "DEMODATEN" in body  # the demo build has only synthetic deliveries
    if key == "ueberblick":
        # Sozialindex: map, status × dynamics matrix (all 12 cells), exclusions and the method block
        titles = " | ".join(s["title"] for s in states)
        for title in ("Sozialindex: Statusklasse der Gebiete", "Sozialindex: Status × Dynamik",
                      "Sozialindex: ausgeschlossene Gebiete", "Sozialindex je Gebiet"):
            assert title in titles, f"{title!r} not among {titles}"
        matrix = next(s for s in states if s["title"].startswith("Sozialindex: Status × Dynamik"))
        for label in ("1 hoch", "2 mittel", "3 niedrig", "4 sehr niedrig", "1 positiv", "2 stabil", "3 negativ"):
            assert label in matrix["text"], f"{label!r} missing in the matrix: {matrix['text'][:500]}"
        assert "z-Standardisierung" in body and "Statusindex" in body
    assert not page.page_errors, page.page_errors
