"""German number and date formatting for the profiles."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _de(wert: float, stellen: int) -> str:
    text = f"{wert:,.{stellen}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def zahl(wert: float | int | None, einheit: str | None = None) -> str:
    """1.234 / 12,3 % / 4,5 je 1.000 — '–' for a missing value."""
    if wert is None:
        return "–"
    if einheit == "Anzahl":
        return _de(float(wert), 0)
    text = _de(float(wert), 1)
    if einheit == "%":
        return f"{text}\u00a0%"
    return text


def vorzeichen(wert: float | None, stellen: int = 2) -> str:
    if wert is None:
        return "–"
    text = _de(abs(float(wert)), stellen)
    return ("+" if wert > 0 else "−" if wert < 0 else "±") + text


def datum(wert) -> str:
    if wert is None:
        return "–"
    if isinstance(wert, dt.datetime):
        if wert.tzinfo is not None:
            try:
                wert = wert.astimezone(ZoneInfo("Europe/Berlin"))
            except ZoneInfoNotFoundError:  # no time zone database on this machine: keep the stored offset
                pass
        return wert.strftime("%d.%m.%Y, %H:%M Uhr")
    if isinstance(wert, dt.date):
        return wert.strftime("%d.%m.%Y")
    return str(wert)
