"""The synthetic region: Gemeinden, calibration targets and the population / SGB II / Grundsicherung
models behind the demo deliveries.

Calibration (bundled region, Landkreis Darmstadt-Dieburg):
- population 31.12.2014 and 2015 per Gemeinde × sex from the real GENESIS extracts (12411-01-01-5,
  12411-02-03-5), 2013/2017/2019/2021/2023 from Destatis GV-ISys (`data/reference/dadi_bevoelkerung_gv.csv`);
  the years between are interpolated linearly, 2024 is extrapolated from the 2021→2023 trend;
- single years of age at 31.12.2015: the real 17 age groups per Gemeinde × sex spread over single
  years (smooth density within the groups, Gompertz-type decline from 75 to 100+); every group sums
  exactly to the real count. Other years follow by ageing (survival, births) plus an age profile of
  net migration that meets the year's total exactly;
- SGB II persons in Bedarfsgemeinschaften at 31.12.2016 ≈ the "Kunden" per Gemeinde reported to the
  Kreistag (`data/reference/dadi_sgb2_kunden_20161231_kreistag.csv`), other months by a Kreis trend
  (refugees 2016/17, Covid 2020, Ukraine 2022) and a small random walk per Gemeinde;
- Grundsicherung im Alter: 2.6 % (2015) rising to 3.6 % (2024) of residents 65+, higher where SGB II
  is higher.

Every random draw comes from `rng(seed, kreis_index, component)`: the same seed gives the same data,
and Kreis k of a scale run is the same whatever the number of Kreise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from orchestration import settings
from orchestration.demo.genesis_io import read_genesis

POP_YEARS = list(range(2014, 2025))  # Melderegister / population stock 31.12. of these years
AGE_BOUNDS = [0, 3, 6, 10, 15, 18, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 75, 101]
N_AGES = 101  # 0 … 99, 100 = 100 and older
SEXES = ("m", "w")

# SGB II persons in BG, Kreis index relative to 31.12.2016 (December of each year)
SGB2_TREND = {2014: 0.95, 2015: 0.97, 2016: 1.00, 2017: 1.03, 2018: 1.00, 2019: 0.95, 2020: 0.98,
              2021: 0.96, 2022: 1.03, 2023: 1.06, 2024: 1.05}

COMPONENTS = {"population": 1, "sgb2": 2, "grundsicherung": 3, "hilfen": 4, "gefaehrdungen": 5,
              "inobhutnahmen": 6, "genesis": 7, "clone": 8, "names": 9,
              # the families of orchestration/demo/sozialdaten.py (own streams: the others stay unchanged)
              "nationalitaet": 10, "haushalte": 11, "wohngeld": 12, "asylblg": 13, "sozialhilfe": 14,
              "ortsteile": 15, "jugendhilfe_ortsteile": 16}


def rng(seed: int, kreis_index: int, component: str, extra: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, kreis_index, COMPONENTS[component], extra]))


def round_to_total(x: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers proportional to `x` that sum exactly to `total` (largest remainder)."""
    x = np.clip(np.asarray(x, dtype=float), 0, None)
    s = x.sum()
    if total <= 0:
        return np.zeros(x.shape, dtype=np.int64)
    if s <= 0:
        x = np.ones_like(x)
        s = x.sum()
    scaled = x * (total / s)
    base = np.floor(scaled).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        frac = scaled - base
        order = np.argsort(-frac, kind="stable")
        base[order[:rest]] += 1
    return base


@dataclass
class Gemeinde:
    ags: str
    name: str  # as in GENESIS / BA tables
    ort: str  # postal place name
    plz: str
    groups2015: np.ndarray  # (2 sexes, 17 age groups) at 31.12.2015
    totals: np.ndarray  # (2 sexes, len(POP_YEARS)) population at 31.12.
    sgb2_2016: int  # persons in BG at 31.12.2016
    social: float = 1.0  # relative SGB II share (Kreis = 1), drives youth-welfare rates


@dataclass
class Kreis:
    index: int  # 0 = the bundled region, 1… = scale clones
    code: str  # 5-digit Kreis code
    name: str  # as in GENESIS ("Darmstadt-Dieburg, Landkreis")
    gemeinden: list[Gemeinde] = field(default_factory=list)
    is_clone: bool = False

    @property
    def short_name(self) -> str:
        return self.name.split(",")[0]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_region(region_dir: Path = settings.DEFAULT_REGION, data_dir: Path = settings.SHIPPED_DATA) -> Kreis:
    """The bundled region with its calibration targets (all from files shipped in `data/`)."""
    stamm = _read_csv(region_dir / "gemeinden_stammdaten.csv")
    genesis = data_dir / "genesis" / "dadi"
    t_groups = read_genesis(genesis / "12411-02-03-5_06432_extract.csv")
    t_pop = read_genesis(genesis / "12411-01-01-5_06432_extract.csv")
    gv = _read_csv(data_dir / "reference" / "dadi_bevoelkerung_gv.csv")
    kunden = {r["ags"]: int(r["sgb2_kunden_20161231"]) for r in _read_csv(
        data_dir / "reference" / "dadi_sgb2_kunden_20161231_kreistag.csv")}
    gv_by = {(r["ags"], int(r["stichtag"][:4])): (int(r["maennlich"]), int(r["weiblich"])) for r in gv}
    ags_list = [r["ags"] for r in stamm]
    kreis_codes = {a[:5] for a in ags_list}
    if len(kreis_codes) != 1:
        raise ValueError(f"demo generator: the region must be one Kreis, got {sorted(kreis_codes)}")
    kreis_code = kreis_codes.pop()
    missing = [a for a in ags_list if a not in t_groups.by_code or a not in kunden]
    if missing:
        raise ValueError(f"demo generator: no calibration data for AGS {', '.join(missing)} "
                         f"(only the bundled region {kreis_code} is calibrated)")
    kreis = Kreis(index=0, code=kreis_code, name=t_groups.by_code[kreis_code][1].strip())
    for r in stamm:
        ags = r["ags"]
        vals = t_groups.numbers(ags)  # Insgesamt 17+1, männlich 17+1, weiblich 17+1
        groups = np.array([vals[18:35], vals[36:53]], dtype=np.int64)
        pop_vals = t_pop.numbers(ags)  # 31.12.2015 I/m/w, 31.12.2014 I/m/w, …
        known = {2015: (int(groups[0].sum()), int(groups[1].sum())), 2014: (pop_vals[4], pop_vals[5])}
        for year in (2013, 2017, 2019, 2021, 2023):
            known[year] = gv_by[(ags, year)]
        totals = np.zeros((2, len(POP_YEARS)), dtype=np.int64)
        for i, year in enumerate(POP_YEARS):
            if year in known:
                totals[:, i] = known[year]
            elif year == 2024:
                totals[:, i] = np.round(np.array(known[2023]) + (np.array(known[2023]) - np.array(known[2021])) / 2)
            else:
                totals[:, i] = np.round((np.array(known[year - 1]) + np.array(known[year + 1])) / 2)
        kreis.gemeinden.append(Gemeinde(
            ags=ags,
            name=t_groups.by_code[ags][1].strip(),
            ort=r["name_gv"].split(",")[0].strip(),
            plz=r["plz_verwaltungssitz"],
            groups2015=groups,
            totals=totals,
            sgb2_2016=kunden[ags],
        ))
    _set_social(kreis)
    return kreis


def _set_social(kreis: Kreis) -> None:
    shares = np.array([g.sgb2_2016 / g.totals[:, 2].sum() for g in kreis.gemeinden])
    pops = np.array([g.totals[:, 2].sum() for g in kreis.gemeinden], dtype=float)
    mean = (shares * pops).sum() / pops.sum()
    for g, s in zip(kreis.gemeinden, shares, strict=False):
        g.social = float((s / mean) ** 0.8)


def clone_kreis(base: Kreis, index: int, code: str, name: str, seed: int) -> Kreis:
    """A synthetic Kreis for scale runs: the bundled region's Gemeinden, perturbed, under another code.

    Gemeinde AGS = Kreis code + "9" + two-digit serial (01…): the "9xx" Gemeinde numbers are not used
    by real Gemeinden of these Kreise, so the codes cannot be mistaken for real ones.
    """
    r = rng(seed, index, "clone")
    factor = float(r.uniform(0.85, 1.15))
    social_shift = float(r.lognormal(0.0, 0.2))
    kreis = Kreis(index=index, code=code, name=name, is_clone=True)
    for i, g in enumerate(base.gemeinden, start=1):
        f = factor * float(r.uniform(0.9, 1.1))
        groups = np.maximum(np.round(g.groups2015 * f * r.uniform(0.95, 1.05, g.groups2015.shape)), 0).astype(np.int64)
        ratio = groups.sum(axis=1) / g.groups2015.sum(axis=1)
        totals = np.round(g.totals * ratio[:, None]).astype(np.int64)
        totals[:, POP_YEARS.index(2015)] = groups.sum(axis=1)
        kreis.gemeinden.append(replace(
            g,
            ags=f"{code}9{i:02d}",
            name=f"Demogemeinde {code}-{i:02d}",
            ort=f"Demogemeinde {i:02d}",
            groups2015=groups,
            totals=totals,
            sgb2_2016=int(round(g.sgb2_2016 * f * social_shift * r.uniform(0.85, 1.15))),
        ))
    _set_social(kreis)
    return kreis


# ------------------------------------------------------------------------------------ population


def _mortality(sex: int) -> np.ndarray:
    a = np.arange(N_AGES, dtype=float)
    q = 0.000025 * np.exp(0.097 * a) * (1.45 if sex == 0 else 1.0)
    q[0] += 0.003
    return np.clip(q, 0, 0.45)


_MIGRATION_PROFILE = np.concatenate([
    np.full(18, 0.35), np.full(18, 1.0), np.full(29, 0.35), np.full(N_AGES - 65, 0.08)])


def _spread_groups(groups: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Single years 0…100 from 17 age groups (exact group sums)."""
    out = np.zeros(N_AGES, dtype=np.int64)
    lows, highs = np.array(AGE_BOUNDS[:-2]), np.array(AGE_BOUNDS[1:-1])
    mids = (lows + highs) / 2 - 0.5
    dens = groups[:16] / (highs - lows)
    ages = np.arange(N_AGES)
    smooth = np.interp(ages, mids, dens)
    for k in range(16):
        lo, hi = AGE_BOUNDS[k], AGE_BOUNDS[k + 1]
        w = smooth[lo:hi] * r.uniform(0.93, 1.07, hi - lo)
        out[lo:hi] = round_to_total(w, int(groups[k]))
    old = np.arange(75, 111, dtype=float)
    surv = np.exp(-(0.045 / 0.11) * (np.exp(0.11 * (old - 75)) - 1))
    w = np.concatenate([surv[:25], [surv[25:].sum()]]) * r.uniform(0.95, 1.05, 26)
    out[75:] = round_to_total(w, int(groups[16]))
    return out


def _meet_total(pop: np.ndarray, total: int) -> np.ndarray:
    diff = total - pop.sum()
    adjusted = np.clip(pop + diff * _MIGRATION_PROFILE * pop / max((_MIGRATION_PROFILE * pop).sum(), 1), 0, None)
    return round_to_total(adjusted, total)


def simulate_population(kreis: Kreis, seed: int) -> np.ndarray:
    """Population at 31.12. as int array (gemeinde, sex, age 0…100, year of POP_YEARS)."""
    r = rng(seed, kreis.index, "population")
    i15 = POP_YEARS.index(2015)
    pop = np.zeros((len(kreis.gemeinden), 2, N_AGES, len(POP_YEARS)), dtype=np.int64)
    fertility = 0.074 * r.uniform(0.9, 1.1, len(kreis.gemeinden))
    for gi, g in enumerate(kreis.gemeinden):
        for s in range(2):
            pop[gi, s, :, i15] = _spread_groups(g.groups2015[s], r)
        # forward
        for yi in range(i15 + 1, len(POP_YEARS)):
            women = pop[gi, 1, 20:41, yi - 1].sum()
            births = women * fertility[gi]
            for s in range(2):
                q = _mortality(s)
                prev = pop[gi, s, :, yi - 1].astype(float)
                nxt = np.zeros(N_AGES)
                nxt[1:100] = prev[0:99] * (1 - q[0:99])
                nxt[100] = (prev[99] + prev[100]) * (1 - q[100])
                nxt[0] = births * (0.513 if s == 0 else 0.487)
                pop[gi, s, :, yi] = _meet_total(nxt, int(g.totals[s, yi]))
        # backward (2014 from 2015)
        for yi in range(i15 - 1, -1, -1):
            for s in range(2):
                q = _mortality(s)
                nxt = pop[gi, s, :, yi + 1].astype(float)
                prev = np.zeros(N_AGES)
                prev[0:99] = nxt[1:100] / (1 - q[0:99])
                prev[99] = nxt[100] * 0.35
                prev[100] = nxt[100] * 0.65
                pop[gi, s, :, yi] = _meet_total(prev, int(g.totals[s, yi]))
    return pop


def divers_counts(kreis: Kreis, pop: np.ndarray, seed: int) -> np.ndarray:
    """Persons registered as `d` (from 2019), taken out of m/w: int array like `pop` (0 for `d` itself)."""
    r = rng(seed, kreis.index, "population", extra=1)
    d = np.zeros_like(pop)
    for yi, year in enumerate(POP_YEARS):
        if year < 2019:
            continue
        for gi in range(pop.shape[0]):
            n = int(r.poisson(pop[gi, :, :, yi].sum() / 45000 * (1 + (year - 2019) * 0.15)))
            for _ in range(n):
                s = int(r.integers(0, 2))
                age = int(r.integers(16, 60))
                if pop[gi, s, age, yi] - d[gi, s, age, yi] > 0:
                    d[gi, s, age, yi] += 1
    return d


def aggregate_groups(single: np.ndarray) -> np.ndarray:
    """17 age groups from single years (last axis = age)."""
    return np.stack([single[..., AGE_BOUNDS[k]:AGE_BOUNDS[k + 1]].sum(axis=-1) for k in range(17)], axis=-1)


# ---------------------------------------------------------------------------------------- SGB II

SGB2_MEASURES = ("bg_insgesamt", "bg_alleinerziehende", "personen_in_bg", "lb_insgesamt", "rlb", "elb", "nef",
                 "nef_unter_15", "slb")
SGB2_FIRST_MONTH = (2014, 12)


def month_index(year: int, month: int) -> int:
    return (year - SGB2_FIRST_MONTH[0]) * 12 + (month - SGB2_FIRST_MONTH[1])


def simulate_sgb2(kreis: Kreis, pop: np.ndarray, seed: int, last_year: int = 2024) -> np.ndarray:
    """SGB II counts, int array (gemeinde, month from 2014-12, measure of SGB2_MEASURES)."""
    r = rng(seed, kreis.index, "sgb2")
    n_g = len(kreis.gemeinden)
    years = list(range(2014, last_year + 1))
    n_months = month_index(last_year, 12) + 1
    i16 = POP_YEARS.index(2016)
    out = np.zeros((n_g, n_months, len(SGB2_MEASURES)), dtype=np.int64)
    for gi, g in enumerate(kreis.gemeinden):
        # December values: Kreis trend × population change × random walk anchored at 2016
        steps = r.normal(0, 0.025, len(years))
        walk = np.cumsum(steps)
        walk -= walk[years.index(2016)]
        dec = np.array([
            g.sgb2_2016 * SGB2_TREND[y] * np.exp(walk[k])
            * (pop[gi, :, :, POP_YEARS.index(y)].sum() / pop[gi, :, :, i16].sum())
            for k, y in enumerate(years)])
        dec[years.index(2016)] = g.sgb2_2016 * r.uniform(0.985, 1.015)
        persons = np.zeros(n_months)
        persons[0] = dec[0]
        for k in range(1, len(years)):
            for m in range(1, 13):
                t = m / 12
                base = dec[k - 1] ** (1 - t) * dec[k] ** t
                persons[month_index(years[k], m)] = base * (1 if m == 12 else r.normal(1, 0.008))
        persons = np.round(persons).astype(np.int64)
        hh = r.uniform(1.85, 2.05)
        lb_share = r.uniform(0.955, 0.975)
        nef_share = r.uniform(0.26, 0.32)
        ae_share = r.uniform(0.15, 0.20)
        for t in range(n_months):
            p = int(persons[t])
            bg = int(round(p / (hh * r.normal(1, 0.01))))
            lb = min(p, int(r.binomial(p, lb_share))) if p else 0
            slb = int(r.binomial(lb, 0.015))
            rlb = lb - slb
            nef = int(r.binomial(rlb, nef_share))
            elb = rlb - nef
            nef15 = int(r.binomial(nef, 0.955))
            ae = int(r.binomial(bg, ae_share))
            out[gi, t] = (bg, ae, p, lb, rlb, elb, nef, nef15, slb)
    return out


# Additive relations within a row of the SGB II table (total, parts) by measure position
_SGB2_RELATIONS = [(3, (4, 8)), (4, (5, 6))]


def suppress_sgb2(values: np.ndarray) -> np.ndarray:
    """BA disclosure rule on a (rows, measures) block of Gemeinde rows: markers array ('' | '*' | '-').

    Values 1 and 2 are suppressed (`*`); then complementary cells so that no suppressed value can be
    recovered: within every additive relation of a row (LB = RLB + SLB, RLB = ELB + NEF) and within
    every column (Kreis total = Σ Gemeinden) a single suppressed cell gets a partner (the smallest
    non-zero value); a row with one suppressed cell gets one more. `-` marks a zero.
    """
    sup = (values >= 1) & (values <= 2)
    def smallest(cands: list[tuple[int, int]]) -> tuple[int, int] | None:
        cands = [c for c in cands if values[c] > 0 and not sup[c]]
        return min(cands, key=lambda c: (values[c], c)) if cands else None

    changed = True
    while changed:
        changed = False
        for i in range(values.shape[0]):
            for total, parts in _SGB2_RELATIONS:
                cells = [(i, total)] + [(i, p) for p in parts]
                if sum(sup[c] for c in cells) == 1:
                    c = smallest(cells)
                    if c is not None:
                        sup[c] = True
                        changed = True
            if sup[i].sum() == 1:
                c = smallest([(i, j) for j in range(values.shape[1])])
                if c is not None:
                    sup[c] = True
                    changed = True
        for j in range(values.shape[1]):
            if sup[:, j].sum() == 1:
                c = smallest([(i, j) for i in range(values.shape[0])])
                if c is not None:
                    sup[c] = True
                    changed = True
    markers = np.where(sup, "*", np.where(values == 0, "-", ""))
    return markers


# --------------------------------------------------------------------------------- Grundsicherung


def simulate_grundsicherung(kreis: Kreis, pop: np.ndarray, seed: int, years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Recipients of Grundsicherung im Alter 65+ at 31.12.: (values (gemeinde, year), suppressed mask)."""
    r = rng(seed, kreis.index, "grundsicherung")
    n_g = len(kreis.gemeinden)
    values = np.zeros((n_g, len(years)), dtype=np.int64)
    level = r.uniform(0.9, 1.1, n_g)
    for gi, g in enumerate(kreis.gemeinden):
        for k, y in enumerate(years):
            e65 = pop[gi, :, 65:, POP_YEARS.index(y)].sum()
            rate = (0.026 + 0.0011 * (y - 2015)) * level[gi] * g.social ** 0.5
            values[gi, k] = r.poisson(e65 * rate)
    # A few values withheld by the Sozialamt ('.'): small Gemeinden, some years, plus every value < 3.
    small = [gi for gi, g in enumerate(kreis.gemeinden) if g.totals[:, 1].sum() < 6000]
    mask = values < 3
    if small:
        for _ in range(3):
            mask[int(r.choice(small)), int(r.integers(0, len(years)))] = True
    return values, mask
