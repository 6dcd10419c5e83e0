"""Demo distribution of the Melderegister residents over the Ortsteile of the bundled region.

The Ortsteile themselves (names, which Gemeinde they belong to) are public facts, listed in the region profile
(`seeds/regions/darmstadt-dieburg/ortsteile.csv`). How many residents each has is **not** taken from a source:
the weights below are rough orders of magnitude (DEMODATEN, assumed), only meant to give large and small
Ortsteile, including one under 300 residents (Steigerts), where the Sozialindex excludes an area.
Every cell of the extract (Gemeinde × sex × age × nationality) is split over the Gemeinde's Ortsteile with a
multinomial draw (own random stream, so the Gemeinde totals and the other demo files stay unchanged); each
Ortsteil gets a slightly younger or older age profile. Scale clones and Gemeinden without Ortsteile keep the
empty `ortsteil` column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

# assumed residents per Ortsteil (demo weights, not figures of any source), by AGS and ortsteil_schluessel
GEWICHTE: dict[str, dict[str, int]] = {
    "06432001": {"001": 5000, "002": 3000, "003": 1300},
    "06432002": {"001": 10500, "002": 700, "003": 1400, "004": 1800, "005": 1900, "006": 900},
    "06432010": {"001": 11500, "002": 500, "003": 1900, "004": 1200, "005": 1400, "006": 900, "007": 1900,
                 "008": 1500, "009": 1100},
    "06432011": {"001": 12000, "002": 2500},
    "06432014": {"001": 600, "002": 1900, "003": 6000, "004": 3500, "005": 3000},
    "06432015": {"001": 11000, "002": 3300},
    "06432016": {"001": 10500, "002": 1800, "003": 900, "004": 1600},
    "06432018": {"001": 19000, "002": 3200, "003": 900, "004": 1700},
    "06432019": {"001": 9000, "002": 2000, "003": 2600, "004": 2400, "005": 800},
    "06432020": {"001": 10000, "002": 2500},
    "06432021": {"001": 5600, "002": 1500, "003": 1900},
    "06432022": {"001": 8000, "002": 5500, "003": 500, "004": 600, "005": 1000, "006": 120, "007": 500},
    "06432023": {"001": 15000, "002": 3300, "003": 5500, "004": 400, "005": 1900},
}


def read_ortsteile(region_dir: Path) -> dict[str, list[str]]:
    """AGS → its Ortsteil keys from the region profile's ortsteile.csv (empty without the file)."""
    path = Path(region_dir) / "ortsteile.csv"
    if not path.is_file():
        return {}
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["ags"], []).append(row["ortsteil_schluessel"])
    return out


def age_weights(keys: list[str], weights: dict[str, int], n_ages: int, r: np.random.Generator) -> np.ndarray:
    """(n_ages, len(keys)) probabilities: the assumed size of each Ortsteil, tilted towards younger or older ages."""
    base = np.array([float(weights.get(k, 1000)) for k in keys])
    tilt = r.uniform(-0.25, 0.25, size=len(keys))
    ages = (np.arange(n_ages)[:, None] - 40.0) / 40.0
    p = base[None, :] * np.exp(tilt[None, :] * ages)
    return p / p.sum(axis=1, keepdims=True)


def split(counts: np.ndarray, ages: np.ndarray, p: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """(len(counts), n_ortsteile): every count split multinomially with the probabilities of its age."""
    return r.multinomial(counts.astype(np.int64), p[ages])
