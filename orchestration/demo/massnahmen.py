"""Demo measure list: `massnahmen/massnahmen_<YYYY>-12-31.csv` (DEMODATEN), layout docs/deliveries.md.

A handful of plausible measures of the bundled region's Kreis, every title starting with "Demodaten:": in the
first Gemeinden, the first Sozialräume, one Ortsteil and the Kreis itself, with fixed dates in the demo years
(some ongoing, some ended). Deterministic: the areas are taken by position from the region profile (Gemeinden in
profile order, Sozialräume in file order, the first Gemeinde with Ortsteile), so the file is byte-reproducible.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.demo.genesis_io import DEMO_MARKER
from orchestration.demo.model import Kreis
from orchestration.demo.ortsteile import read_ortsteile

HEADER = "massnahme_id;gebiet_id;beginn;ende;titel;traeger;art"


def _sozialraeume(region_dir: Path) -> list[tuple[str, str]]:
    path = Path(region_dir) / "sozialraeume.csv"
    if not path.is_file():
        return []
    seen: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(row["sozialraum_id"], row["sozialraum_name"])
    return list(seen.items())


def _kurz(name: str) -> str:
    return name.split(",")[0].strip()


def measures(kreis: Kreis, region_dir: Path, last_year: int) -> list[tuple[str, ...]]:
    """(massnahme_id, gebiet_id, beginn, ende, titel, traeger, art) of the demo list."""
    g = kreis.gemeinden
    rows: list[tuple[str, ...]] = [
        ("DEMO-001", kreis.code, f"{last_year - 7}-03-01", "", f"Demodaten: Kreisweite Schuldnerberatung "
         f"{kreis.short_name}", "Demodaten: Kreisverwaltung", "Beratungsangebot"),
    ]
    if len(g) > 3:
        rows += [
            ("DEMO-002", g[3].ags, f"{last_year - 5}-09-01", "", f"Demodaten: Familienzentrum {_kurz(g[3].name)} "
             "eröffnet", "Demodaten: Familienzentrum e. V.", "Familienzentrum"),
            ("DEMO-003", g[1].ags, f"{last_year - 6}-01-15", f"{last_year - 3}-12-31",
             f"Demodaten: Jugendtreff {_kurz(g[1].name)}", "Demodaten: Jugendring", "Jugendarbeit"),
        ]
    for i, (sr_id, sr_name) in enumerate(_sozialraeume(region_dir)[:2]):
        rows.append((f"DEMO-01{i}", sr_id, f"{last_year - 4 + i}-04-01", "" if i else f"{last_year - 1}-03-31",
                     f"Demodaten: Quartiersprojekt {sr_name}", "Demodaten: Quartiersmanagement",
                     "Quartiersprojekt"))
    ortsteile = read_ortsteile(region_dir)
    for gemeinde in g:
        if ortsteile.get(gemeinde.ags):
            rows.append(("DEMO-020", gemeinde.ags + ortsteile[gemeinde.ags][0], f"{last_year - 2}-08-15", "",
                         f"Demodaten: Lernwerkstatt im Ortsteil ({_kurz(gemeinde.name)})", "Demodaten: VHS",
                         "Bildungsangebot"))
            break
    return rows


def write_massnahmen(folder: Path, kreis: Kreis, region_dir: Path, last_year: int) -> tuple[int, int]:
    """Write the demo list into `folder`; (files, measures)."""
    rows = measures(kreis, region_dir, last_year)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {DEMO_MARKER} (Sozialraum-Monitor-Demogenerator)", HEADER, *(";".join(r) for r in rows)]
    (folder / f"massnahmen_{last_year}-12-31.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1, len(rows)
