"""Demo deliveries of the Sozialamt's Grundsicherung counts per Ortsteil: `grundsicherung_ortsteile_YYYY.csv`
(DEMODATEN, issue 12).

For each demo Gemeinde with Ortsteile (region profile's ortsteile.csv, base Kreis only), every year's counts of the
Gemeinde file (Grundsicherung im Alter 65+, bei Erwerbsminderung, HLU außerhalb von Einrichtungen) are split over its
Ortsteile by the Ortsteil's assumed population share (orchestration/demo/ortsteile.py `GEWICHTE`, the weights the
demo Melderegister uses) times a random factor of its own stream (so the other demo families stay unchanged):
largest-remainder integers that add up exactly to the Gemeinde value. The split uses the Gemeinde's true count, also
where the Gemeinde file shows `.` (the Sozialamt knows its own figures; the ingest compares only non-suppressed
values). Layout: docs/deliveries.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orchestration.demo import ortsteile as ot
from orchestration.demo.genesis_io import DEMO_MARKER
from orchestration.demo.sgb2_ortsteile import split_exact
from orchestration.demo.sozialdaten import GRUNDSICHERUNG_ZUSATZ

HEADER = "stichtag;ags;ortsteil;empfaenger_65_plus;" + ";".join(GRUNDSICHERUNG_ZUSATZ)
STREAM = 0x47534F54  # own random stream ("GSOT")


def write_grundsicherung_ortsteile(folder: Path, gemeinden: list[str], values: np.ndarray, further: np.ndarray,
                                   years: list[int], ortsteile: dict[str, list[str]], seed: int) -> int:
    """One file per year for the Gemeinden (AGS list, rows of `values` [Gemeinde × year] and `further`
    [Gemeinde × column × year]) that have Ortsteile; returns the number of rows written."""
    r = np.random.default_rng(np.random.SeedSequence([seed, STREAM]))
    written = 0
    for k, year in enumerate(years):
        lines = []
        for gi, ags in enumerate(gemeinden):
            keys = ortsteile.get(ags)
            if not keys:
                continue
            base = np.array([float(ot.GEWICHTE.get(ags, {}).get(key, 1000)) for key in keys])
            weights = list(base * r.uniform(0.8, 1.2, len(keys)))
            columns = [split_exact(int(values[gi, k]), weights),
                       *(split_exact(int(further[gi, j, k]), weights) for j in range(further.shape[1]))]
            lines += [f"31.12.{year};{ags};{key};" + ";".join(str(c[i]) for c in columns)
                      for i, key in enumerate(keys)]
        if lines:
            text = "\n".join([f"# {DEMO_MARKER} – Ortsteilzahlen des Sozialamts, synthetisch", HEADER, *lines])
            (folder / f"grundsicherung_ortsteile_{year}.csv").write_text(text + "\n", encoding="utf-8")
            written += len(lines)
    return written
