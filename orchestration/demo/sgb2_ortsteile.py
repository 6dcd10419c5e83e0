"""Demo deliveries of the kommunale Jobcenter's SGB II counts per Ortsteil: `sgb2_ortsteile_YYYYMM.csv` (DEMODATEN).

For each demo Gemeinde with Ortsteile (region profile's ortsteile.csv, base Kreis only), every month's
Leistungsberechtigte and NEF unter 15 of the Gemeinde workbook are split over its Ortsteile by the Ortsteil's
assumed population share (orchestration/demo/ortsteile.py `GEWICHTE`, the weights the demo Melderegister uses):
largest-remainder integers that add up exactly to the workbook value. The split uses the Gemeinde's true count, also
where the BA workbook shows `*` (the Jobcenter knows its own figures; the ingest compares only non-suppressed
values). Layout: docs/deliveries.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orchestration.demo import ortsteile as ot
from orchestration.demo.genesis_io import DEMO_MARKER
from orchestration.demo.sgb2_xlsx import Block

HEADER = "berichtsmonat;ags;ortsteil;lb_insgesamt;nef_unter_15"
LB, NEF_U15 = 3, 7  # columns of Block.values


def split_exact(total: int, weights: list[float]) -> list[int]:
    """`total` split by `weights` into non-negative integers that add up to `total` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    parts = np.floor(exact).astype(np.int64)
    rest = int(total - parts.sum())
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return [int(p) for p in parts]


def write_sgb2_ortsteile(path: Path, year: int, month: int, block: Block, ortsteile: dict[str, list[str]]) -> int:
    """Write one month's file for the Gemeinden of `block` that have Ortsteile; returns the number of rows
    (0: no file written)."""
    lines = []
    for i, ags in enumerate(block.ags):
        keys = ortsteile.get(ags)
        if not keys:
            continue
        weights = [float(ot.GEWICHTE.get(ags, {}).get(k, 1000)) for k in keys]
        lb = split_exact(int(block.values[i, LB]), weights)
        nef = split_exact(int(block.values[i, NEF_U15]), weights)
        lines += [f"{year}-{month:02d};{ags};{k};{a};{b}" for k, a, b in zip(keys, lb, nef, strict=True)]
    if not lines:
        return 0
    text = "\n".join([f"# {DEMO_MARKER} – Ortsteilzahlen des kommunalen Jobcenters, synthetisch", HEADER, *lines])
    path.write_text(text + "\n", encoding="utf-8")
    return len(lines)
