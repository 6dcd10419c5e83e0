"""Fixtures of the demo tests: one generated demo landing folder per session, shared by the modules that
only read it (test_demo_generator, test_demo_sozialdaten; a test that needs other files writes its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.demo import generate_demo_deliveries


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    """The demo deliveries of the default seed, generated once (read only: copy before changing a file)."""
    folder = tmp_path_factory.mktemp("demo") / "landing"
    summary = generate_demo_deliveries(folder, progress=False)
    assert summary["kreise"] == 1 and summary["gemeinden"] == 23
    return folder
