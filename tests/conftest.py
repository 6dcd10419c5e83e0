"""Fixtures shared by all test folders."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.settings import DEMO_KEY_FILE, ENV_DEFAULTS, VAR_DIR, Paths

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SOZIALMONITOR = str(Path(sys.executable).with_name("sozialmonitor"))


def run_build(landing: Path, out: Path, *extra: str, env: dict | None = None, check: bool = True,
              timeout: int = 1800) -> subprocess.CompletedProcess:
    """`sozialmonitor build` as a user runs it, in its own process."""
    cmd = [SOZIALMONITOR, "build", "--landing", str(landing), "--out", str(out), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return proc


def worker_group(nodeid: str) -> str:
    """The tests one worker runs together. `make test` runs the tests in two worker processes (pytest-xdist,
    `-n 2` in pyproject.toml), each a session of its own with the session fixtures below (its own demo build).
    The tests of a folder whose conftest.py has fixtures of its own (one Superset server, one backbone build per
    session) form one group; every other test module is one (its module fixtures: the Germany build, the
    hostile build)."""
    module = nodeid.split("::", 1)[0]
    folder = (REPO_ROOT / module).parent
    return str(Path(module).parent) if folder != TESTS and (folder / "conftest.py").exists() else module


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Whole groups (worker_group) to a worker, in the order of the collection (pytest_collection_modifyitems)."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The largest groups first, so that the last group a worker takes is a short one: those with a full pipeline
    build (marked slow), then the folders, then single modules; otherwise the collection's order."""
    group = {item.nodeid: worker_group(item.nodeid) for item in items}
    slow = {group[item.nodeid] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (group[item.nodeid] not in slow, group[item.nodeid].endswith(".py")))


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Iterator[Path]:
    """The Dagster instance of this test session, configured like the repo's (dagster.yaml) but stored in a
    temporary folder. Every build, job and materialisation a test starts (in its own process too) records its
    runs, events and check evaluations there: nothing reaches the checkout's var/dagster, and the publication
    gate of a test build never reads the runs of a user's builds (or the other way round)."""
    home = tmp_path_factory.mktemp("dagster_home")
    config = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    assert config.count("base_dir: var/dagster/") == 3, "dagster.yaml: storage folders moved?"
    (home / "dagster.yaml").write_text(config.replace("base_dir: var/dagster/", f"base_dir: {home}/"),
                                       encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        yield home


@pytest.fixture(scope="session", autouse=True)
def gx_folders(tmp_path_factory) -> Iterator[Path]:
    """The GX project (stored validation results) and Data Docs of this test session, in a temporary folder:
    the builds and checks of the tests (in their own processes too, through the environment) keep their
    results there, never in the checkout's var/gx and var/gx_docs, and each session renders its Data Docs
    into a store of its own instead of one that grows with every earlier session."""
    base = tmp_path_factory.mktemp("gx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DEFAULTS["gx_home"], str(base / "project"))
        patch.setenv(ENV_DEFAULTS["gx_docs"], str(base / "docs"))
        yield base


@pytest.fixture(scope="session", autouse=True)
def demo_key_file(tmp_path_factory) -> Iterator[Path]:
    """The demo deliveries' pseudonymisation key of this test session (created by the first demo build that needs
    it), in a temporary folder: the builds of the tests (in their own processes too, through the environment)
    never write the checkout's var/secrets/pseudonym.key, and every build of the session uses the same key."""
    path = tmp_path_factory.mktemp("secrets") / "pseudonym.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DEFAULTS["demo_key_file"], str(path))
        yield path


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    """The session writes none of the checkout's run folders that a build writes by default (the demo key,
    GX results and Data Docs): a test that runs a build with settings of its own (not from the environment)
    and leaves one of them at its default fails the session here. Folders that existed before the session
    (a developer's own `make up`) are not judged."""
    watched = [DEMO_KEY_FILE, VAR_DIR / "gx", VAR_DIR / "gx_docs"]  # the Settings' defaults
    before = {path for path in watched if path.exists()}
    yield
    written = [str(path) for path in watched if path.exists() and path not in before]
    if written:
        pytest.fail(f"the test session wrote into the checkout: {', '.join(written)} (pass the session's "
                    "folders, e.g. Settings(demo_key_file=...), or build the settings from the environment)")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Paths:
    """A completed build of the bundled region with the demo deliveries, in a temporary folder."""
    base = tmp_path_factory.mktemp("demo_build")
    paths = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=base / "landing", out=base / "out")
    proc = run_build(paths.landing, paths.out, "--demo")
    (base / "build.stdout").write_text(proc.stdout, encoding="utf-8")  # what the user saw (tests/orchestration)
    assert paths.published.exists(), "the demo build did not publish"
    return paths


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
