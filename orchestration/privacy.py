"""The privacy contract: which columns identify a person or a case.

One list, the seed `seeds/catalogue/personenbezogene_spalten.csv` (pattern over the whole lower-case column
name, kind `kennung` or `person`), used by
* ingest: a column of kind `person` (name, address, contact) is never loaded; a `kennung` (case id, pseudonym,
  birth date) may stay in the raw schema;
* publish and the open-data export: no column matching any pattern leaves the working database;
* dbt: the test `assert_keine_personenbezogenen_spalten` fails when a model in `mart` has such a column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTRACT = Path(__file__).resolve().parent.parent / "seeds" / "catalogue" / "personenbezogene_spalten.csv"


@dataclass(frozen=True)
class Pattern:
    muster: str
    art: str  # kennung | person
    beschreibung: str

    def matches(self, column: str) -> bool:
        return re.fullmatch(self.muster, column.strip().lower()) is not None


@cache
def patterns() -> tuple[Pattern, ...]:
    with open(CONTRACT, encoding="utf-8", newline="") as handle:
        rows = [Pattern(r["muster"], r["art"], r["beschreibung"]) for r in csv.DictReader(handle)]
    unknown = sorted({p.art for p in rows} - {"kennung", "person"})
    if unknown:
        raise ValueError(f"{CONTRACT}: unknown kind(s) {unknown} (expected kennung or person)")
    return tuple(rows)


def match(column: str) -> Pattern | None:
    """The first pattern that `column` matches, or None."""
    return next((p for p in patterns() if p.matches(column)), None)


def is_personal(column: str) -> bool:
    """A name, address or contact column: never loaded."""
    found = match(column)
    return found is not None and found.art == "person"


def forbidden(columns: Iterable[str]) -> list[str]:
    """The columns that must never be published or exported (any pattern), in the given order."""
    return [c for c in columns if match(c) is not None]
