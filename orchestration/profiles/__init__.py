"""Printable Sozialraum profiles (`sozialmonitor profile`), read from the published file only."""

from orchestration.profiles.render import ProfilFehler, render_profiles

__all__ = ["ProfilFehler", "render_profiles"]
