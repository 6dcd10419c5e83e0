"""Demo GENESIS tables for the years the real snapshot in `data/genesis/dadi/` lacks.

Each demo file is a real extract with new values: same title lines (plus one demo marker line after
the first), same column header rows (time labels changed), same rows (Germany, Land, RB, Kreis,
Gemeinden, same codes and indented names), same footer (plus a demo marker line after the
underscores) and a fixed `Stand:` line. Values:
- 12411-01-01-5 (population by sex, 2016–2024 in one file, newest first as in the real file) and
  12411-02-03-5 (17 age groups, one file per 31.12.): Gemeinden from the simulated population (the
  same numbers as the Melderegister demo extracts), Kreis row = Σ Gemeinden;
- 13211-01-03-5 (unemployed, annual average): the real 2016 values × a Kreis trend × a random walk
  per Gemeinde; 13111-02-02-5 (SvB at residence, 30.06.) and 12711-01-03-5 (moves, year sum): the
  real 2015 values × trend × random walk; parts add up to the totals as in the real tables, the Kreis
  row is Σ Gemeinden;
- 13111-01-03-5 (SvB at workplace, 30.06.): the real 2015 values × the SvB trend × a random walk of
  its own (the Pendlersaldo compares it with 13111-02-02-5);
- 12411-07-01-5 (average age, 31.12., one file per year): Gemeinden from the simulated population
  (mean of the single years of age + 0.5, by sex), Kreis row over the Kreis' residents; rows above
  the Kreis: the real 2015 value + 0.05 years per year;
- rows above the Kreis (Deutschland, Hessen, RB Darmstadt): the real values × a smooth trend.
13111-08-02-5 (commuters) stays the real 2015 table only: the Pendlersaldo takes 13111-01-03-5 first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orchestration.demo.genesis_io import GenesisTable, read_genesis, render_demo, retime_head, set_width
from orchestration.demo.model import POP_YEARS, Kreis, aggregate_groups, rng

REAL_YEARS = {  # what the real snapshot holds
    "12411-01-01-5": set(range(2008, 2016)),
    "12411-02-03-5": {2015},
    "13211-01-03-5": {2016},
    "13111-02-02-5": {2015},
    "12711-01-03-5": {2015},
    "13111-01-03-5": {2015},
    "12411-07-01-5": {2015},
}
ALO_TREND = {2014: 1.07, 2015: 1.04, 2016: 1.0, 2017: 0.93, 2018: 0.86, 2019: 0.83, 2020: 1.02, 2021: 0.99,
             2022: 0.96, 2023: 1.02, 2024: 1.08}
SVB_TREND = {y: 1.0 + 0.017 * (y - 2015) - (0.012 if y >= 2020 else 0) for y in range(2010, 2031)}
MOVES_TREND = {2016: 0.93, 2017: 0.90, 2018: 0.92, 2019: 0.91, 2020: 0.86, 2021: 0.89, 2022: 1.04, 2023: 0.95,
               2024: 0.93}
UPPER_GROWTH = {"DG": 1.003, "06": 1.004, "064": 1.005}  # yearly factor for rows above the Kreis


def stand(year: int) -> str:
    """Fixed `Stand:` date of a demo table with data up to `year` (no wall-clock time in files)."""
    return f"15.10.{year + 1} / 10:00:00"


def _upper(code: str, base_year: int, year: int) -> float:
    return UPPER_GROWTH.get(code, 1.0) ** (year - base_year)


def _walk(r: np.random.Generator, n: int, years: list[int], anchor: int, sd: float) -> dict[int, np.ndarray]:
    """Multiplicative random walk per Gemeinde over `years` (plus the anchor year), 1.0 at `anchor`."""
    span = sorted(set(years) | {anchor})
    steps = r.normal(0, sd, (n, len(span)))
    walk = np.cumsum(steps, axis=1)
    walk -= walk[:, [span.index(anchor)]]
    return {y: np.exp(walk[:, span.index(y)]) for y in span}


def _kreis_rows(template: GenesisTable, kreis: Kreis) -> tuple[list[int], int]:
    """Indices of the Gemeinde rows (in Kreis order) and of the Kreis row in the template."""
    index = {row[template.code_col]: i for i, row in enumerate(template.rows)}
    return [index[g.ags] for g in kreis.gemeinden], index[kreis.code]


def _rows_with(template: GenesisTable, values: dict[int, list[int]], upper: dict[int, list[str]]) -> list[list[str]]:
    rows = []
    c = template.code_col
    for i, row in enumerate(template.rows):
        head = row[: c + 2]
        if i in values:
            rows.append(head + [str(int(v)) for v in values[i]])
        else:
            rows.append(head + upper[i])
    return rows


def _upper_scaled(template: GenesisTable, gemeinde_rows: list[int], kreis_row: int, factor) -> dict[int, list[str]]:
    out = {}
    for i, row in enumerate(template.rows):
        if i in gemeinde_rows or i == kreis_row:
            continue
        code = row[template.code_col]
        vals = row[template.code_col + 2:]
        out[i] = [str(int(round(int(v) * factor(code)))) if v.lstrip("-").isdigit() else v for v in vals]
    return out


def _write_year(t: GenesisTable, table: str, kreis: Kreis, folder: Path, year: int, values: dict[int, list[int]],
                g_rows: list[int], k_row: int, factor, retime: tuple[str, str]) -> Path:
    """One demo file of `table` for `year`: the Gemeinde rows in `values`, the Kreis row as their sum, the
    rows above the Kreis (Land, Bund) scaled from the template by `factor(code)`; the template's time label
    `retime[0]` becomes `retime[1]`."""
    values[k_row] = list(np.sum([values[r] for r in g_rows], axis=0))
    rows = _rows_with(t, values, _upper_scaled(t, g_rows, k_row, factor))
    path = folder / f"{table}_{kreis.code}_demo_{year}.csv"
    path.write_bytes(render_demo(t, retime_head(t.head, *retime), rows, stand(year)))
    return path


def write_population_tables(kreis: Kreis, pop: np.ndarray, genesis_dir: Path, folder: Path, years: list[int]) -> list[Path]:
    written: list[Path] = []
    # 12411-01-01-5: one file with every missing year, newest first
    t = read_genesis(genesis_dir / "12411-01-01-5_06432_extract.csv")
    demo_years = sorted((y for y in years if y not in REAL_YEARS["12411-01-01-5"] and y in POP_YEARS), reverse=True)
    if demo_years:
        g_rows, k_row = _kreis_rows(t, kreis)
        ncols = 2 + 3 * len(demo_years)
        head = [set_width(line, ncols) for line in t.head[:-2]]
        head.append(";;" + ";".join(f"31.12.{y}" for y in demo_years for _ in range(3)))
        head.append(";;" + ";".join(s for _ in demo_years for s in ("Insgesamt", "männlich", "weiblich")))
        values: dict[int, list[int]] = {}
        for gi, row in enumerate(g_rows):
            values[row] = [v for y in demo_years for v in _sex_totals(pop[gi, :, :, POP_YEARS.index(y)])]
        values[k_row] = list(np.sum([values[r] for r in g_rows], axis=0))
        upper = {}
        for i, row in enumerate(t.rows):
            if i in values:
                continue
            code, base = row[0], [int(v) for v in row[2:5]]  # 31.12.2015: I, m, w
            upper[i] = [str(int(round(b * _upper(code, 2015, y)))) for y in demo_years for b in base]
        rows = _rows_with(t, values, upper)
        path = folder / f"12411-01-01-5_{kreis.code}_demo_{demo_years[-1]}-{demo_years[0]}.csv"
        path.write_bytes(render_demo(t, head, rows, stand(demo_years[0])))
        written.append(path)
    # 12411-02-03-5: one file per 31.12.
    t = read_genesis(genesis_dir / "12411-02-03-5_06432_extract.csv")
    g_rows, k_row = _kreis_rows(t, kreis)
    pop_years = [y for y in POP_YEARS if (y in years or y == min(years) - 1) and y not in REAL_YEARS["12411-02-03-5"]]
    for y in pop_years:
        groups = aggregate_groups(pop[:, :, :, POP_YEARS.index(y)])  # (g, sex, 17)
        values = {}
        for gi, row in enumerate(g_rows):
            m, w = groups[gi, 0], groups[gi, 1]
            ins = m + w
            values[row] = [*ins, ins.sum(), *m, m.sum(), *w, w.sum()]
        written.append(_write_year(t, "12411-02-03-5", kreis, folder, y, values, g_rows, k_row,
                                   lambda code, y=y: _upper(code, 2015, y), ("31.12.2015", f"31.12.{y}")))
    return written


def _sex_totals(single: np.ndarray) -> list[int]:
    m, w = int(single[0].sum()), int(single[1].sum())
    return [m + w, m, w]


def _write_scaled(kreis: Kreis, genesis_dir: Path, folder: Path, years: list[int], seed: int, table: str,
                  trend: dict[int, float], walk_from: int, drift: float, retime, gemeinde_values,
                  stream: int | None = None) -> list[Path]:
    """Demo years of a BA/Wanderung table: each Gemeinde row of the real template scaled by the year's
    Kreis trend × a random walk of the Gemeinde (`gemeinde_values(r, template numbers, factor, year)`),
    one file per year (`retime(year)`: the template's time label and the year's). `stream`: the random
    stream (default: the statistic's number, e.g. 13211)."""
    t = read_genesis(genesis_dir / f"{table}_06432_extract.csv")
    g_rows, k_row = _kreis_rows(t, kreis)
    demo_years = [y for y in years if y not in REAL_YEARS[table] and y in trend]
    r = rng(seed, kreis.index, "genesis", extra=int(table[:5]) if stream is None else stream)
    walk = _walk(r, len(g_rows), demo_years, walk_from, drift)
    written = []
    for y in demo_years:
        values = {row: gemeinde_values(r, t.numbers(t.rows[row][0]), trend[y] * walk[y][gi], y)
                  for gi, row in enumerate(g_rows)}
        written.append(_write_year(t, table, kreis, folder, y, values, g_rows, k_row,
                                   lambda code, y=y: trend[y], retime(y)))
    return written


def _unemployed(r: np.random.Generator, numbers: list, f: float, year: int) -> list[int]:
    base = np.array(numbers, dtype=float)
    insg = int(round(base[0] * f))
    parts = [int(min(insg, round(b * f * r.uniform(0.9, 1.1)))) for b in base[1:]]
    # 15–<20 ≤ 15–<25
    parts[2] = min(parts[2], parts[3])
    return [insg, *parts]


def _employees(r: np.random.Generator, b: list, f: float, year: int) -> list[int]:
    # b: I, m, w, Ausl I, Ausl m, Ausl w
    fa = f * (1 + 0.05 * (year - 2015))  # foreign employees grow faster
    m, w = round(b[1] * f * r.uniform(0.99, 1.01)), round(b[2] * f * r.uniform(0.99, 1.01))
    am, aw = min(m, round(b[4] * fa * r.uniform(0.97, 1.03))), min(w, round(b[5] * fa * r.uniform(0.97, 1.03)))
    return [m + w, m, w, am + aw, am, aw]


def _moves(r: np.random.Generator, numbers: list, f: float, year: int) -> list[int]:
    b = np.array(numbers, dtype=float).reshape(2, 3, 7)  # zu/fort, I/m/w, 6 groups + I
    out = np.zeros((2, 3, 7), dtype=np.int64)
    for d in range(2):
        for s in (1, 2):
            out[d, s, :6] = np.round(b[d, s, :6] * (f * r.uniform(0.92, 1.08, 6)))
            out[d, s, 6] = out[d, s, :6].sum()
        out[d, 0] = out[d, 1] + out[d, 2]
    return out.reshape(-1).tolist()


def write_unemployed(kreis: Kreis, genesis_dir: Path, folder: Path, years: list[int], seed: int) -> list[Path]:
    return _write_scaled(kreis, genesis_dir, folder, years, seed, "13211-01-03-5", ALO_TREND, 2016, 0.05,
                         lambda y: ("2016", str(y)), _unemployed)


def write_employees(kreis: Kreis, genesis_dir: Path, folder: Path, years: list[int], seed: int) -> list[Path]:
    return _write_scaled(kreis, genesis_dir, folder, years, seed, "13111-02-02-5", SVB_TREND, 2015, 0.012,
                         lambda y: ("30.06.2015", f"30.06.{y}"), _employees)


def write_moves(kreis: Kreis, genesis_dir: Path, folder: Path, years: list[int], seed: int) -> list[Path]:
    return _write_scaled(kreis, genesis_dir, folder, years, seed, "12711-01-03-5", MOVES_TREND, 2015, 0.04,
                         lambda y: ("2015", str(y)), _moves)


def write_employees_workplace(kreis: Kreis, genesis_dir: Path, folder: Path, years: list[int], seed: int) -> list[Path]:
    return _write_scaled(kreis, genesis_dir, folder, years, seed, "13111-01-03-5", SVB_TREND, 2015, 0.015,
                         lambda y: ("30.06.2015", f"30.06.{y}"), _employees, stream=1311101)


def _average_ages(single: np.ndarray) -> list[str]:
    """Insgesamt, männlich, weiblich: mean age (single years + 0.5) of (sex, age) counts, GENESIS format."""
    mid = np.arange(single.shape[1]) + 0.5
    m, w = single[0], single[1]
    return [_decimal((mid * (m + w)).sum() / (m + w).sum()), _decimal((mid * m).sum() / m.sum()),
            _decimal((mid * w).sum() / w.sum())]


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def write_average_age(kreis: Kreis, pop: np.ndarray, genesis_dir: Path, folder: Path, years: list[int]) -> list[Path]:
    """12411-07-01-5, one file per 31.12. of the demo years (the date stands in every row, as in the real table)."""
    t = read_genesis(genesis_dir / "12411-07-01-5_06432_extract.csv")
    g_rows, k_row = _kreis_rows(t, kreis)
    written = []
    for y in [y for y in POP_YEARS if y in years and y not in REAL_YEARS["12411-07-01-5"]]:
        single = pop[:, :, :, POP_YEARS.index(y)]  # (g, sex, age)
        values = {row: _average_ages(single[gi]) for gi, row in enumerate(g_rows)}
        values[k_row] = _average_ages(single.sum(axis=0))
        rows = []
        for i, row in enumerate(t.rows):
            if i in values:
                rows.append([f"31.12.{y}", *row[1:3], *values[i]])
            else:  # Land, Bund: the real 2015 value, ageing 0.05 years per year (demo)
                old = [float(v.replace(",", ".")) for v in row[3:]]
                rows.append([f"31.12.{y}", *row[1:3], *(_decimal(v + 0.05 * (y - 2015)) for v in old)])
        path = folder / f"12411-07-01-5_{kreis.code}_demo_{y}.csv"
        path.write_bytes(render_demo(t, t.head, rows, stand(y)))
        written.append(path)
    return written
