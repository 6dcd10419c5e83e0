"""Demo generator: synthetic deliveries of every landing family (DEMODATEN – synthetisch erzeugt).

`generate_demo_deliveries(landing, years=range(2015, 2025), seed=20151231, scale=1)` writes into
LANDING/ (layouts: docs/deliveries.md):

| folder | files |
|---|---|
| `sgb2/` | `sgb2_gemeinden_YYYYMM.xlsx`, every month (scale > 1: June and December) |
| `grundsicherung/` | `grundsicherung_alter_YYYY.csv` (65+, Erwerbsminderung, HLU) |
| `asylblg/` | `asylblg_YYYY.csv` |
| `wohngeld/` | `wohngeld_YYYY.csv` |
| `melderegister/` | `melderegister_YYYY1231.csv` (with nationality), `melderegister_haushalte_YYYY1231.csv`, 31.12.2014 … 31.12.2024 |
| `jugendhilfe/` | `hilfen_YYYY.csv`, `gefaehrdungen_8a_YYYY.csv`, `inobhutnahmen_42_YYYY.csv` |
| `massnahmen/` | `massnahmen_YYYY-12-31.csv` (a handful of measures, titles "Demodaten: …"; orchestration/demo/massnahmen.py) |
| `genesis/` | the real extracts of `data/genesis/dadi/` (copied unchanged) and demo tables in their layout for the years the snapshot lacks (`*_06432_demo_YYYY.csv`) |

Every demo file carries the marker "DEMODATEN – synthetisch erzeugt, keine echten Daten": CSV files in
a first line `# DEMODATEN …` before the header, the xlsx in its title block and footnotes, GENESIS demo
tables in a title line and a footer line. Files are byte-reproducible for a seed (fixed `Stand:` /
Datenstand dates, fixed zip times). Calibration: see `model.py`, `jugendhilfe.py` and (nationality,
households, Sozialhilfe, AsylbLG, Wohngeld: public figures named there) `sozialdaten.py`.

Scale mode (`scale=N`, benchmarks): the bundled region plus N−1 synthetic Kreise, written in one pass,
one Kreis at a time (memory bounded by one Kreis; SGB II blocks are kept for the xlsx files). A
synthetic Kreis is a perturbed copy of the bundled region (population ±15 %, its own SGB II level)
under a real Kreis code of Germany taken from GENESIS 12411-01-01-5 (`../shared/data/genesis/
germany/12411-01-01-5_00.csv`, file order) when that table is present, else `99001`, `99002`, …
(Land 99 does not exist); its Gemeinden get AGS `<Kreis>9NN` (Gemeinde numbers 901… are not real
ones of these Kreise) and names "Demogemeinde <Kreis>-NN". A scale run also writes a region profile
(`LANDING/_region/`: `region.yml` with `ags: ""`, `sozialraeume.csv`, `gemeinden_stammdaten.csv`) for
`sozialmonitor build --region LANDING/_region --landing LANDING`. GENESIS tables exist only for the
bundled region (the Melderegister extracts give every Kreis its population). Volume: ≈ 71,000
youth-welfare records per Kreis and 10 years. Benchmark scale `--scale 100`: 7.1 million youth-welfare
records, 5.1 million Melderegister rows, 0.98 GB on disk, ≈ 1.5–2 min on 2 shared cores, peak RSS
≈ 0.25 GB (memory does not grow with N apart from the small SGB II blocks) — measured before the nationality
rows and the household files were added: they bring the Melderegister to ≈ 9.8 million rows (≈ 97,000 per
Kreis, of which ≈ 1,300 household rows) and the Sozialamt, AsylbLG and Wohngeld files add 230 rows each. `--scale 400` (about
every Kreis of Germany) gives ≈ 28 million.
"""

from orchestration.demo.generator import (
    FAMILIES,
    ensure_demo_deliveries,
    generate_demo_deliveries,
    has_deliveries,
    scale_kreis_codes,
)
from orchestration.demo.genesis_io import DEMO_MARKER

__all__ = [
    "DEMO_MARKER",
    "FAMILIES",
    "ensure_demo_deliveries",
    "generate_demo_deliveries",
    "has_deliveries",
    "scale_kreis_codes",
]
