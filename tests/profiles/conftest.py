"""Fixtures of the profile tests."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def pdftotext() -> str:
    """Debian poppler-utils' pdftotext (installed by `make browser`, which `make test` runs first)."""
    pfad = shutil.which("pdftotext")
    if pfad is None:
        pytest.fail("pdftotext is not installed: run `make browser` (Debian poppler-utils)")
    return pfad
