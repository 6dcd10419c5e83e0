"""Fixtures of the profile tests."""

from __future__ import annotations

import shutil
import subprocess

import pytest


@pytest.fixture(scope="session")
def pdftotext() -> str:
    """Debian poppler-utils' pdftotext, installed with apt when absent (as chromium in
    test_sozialraum_profile; never a tool downloaded from elsewhere)."""
    if shutil.which("pdftotext") is None:
        if shutil.which("apt-get") is None:
            pytest.fail("pdftotext is not installed and apt-get is not available")
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "poppler-utils"], check=True, capture_output=True, timeout=1200)
    pfad = shutil.which("pdftotext")
    assert pfad, "poppler-utils installed, but no pdftotext"
    return pfad
