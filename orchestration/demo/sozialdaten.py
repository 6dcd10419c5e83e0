"""Synthetic deliveries of the families added for the Kreistag's questions (issue 12): nationality and households
in the Melderegister, Grundsicherung bei Erwerbsminderung and Hilfe zum Lebensunterhalt (Sozialamt file),
AsylbLG recipients and Wohngeld households. DEMODATEN: every figure below is synthetic; only Kreis totals
(and, for the Ausländeranteil, six Gemeinde shares) are calibrated on public figures, named here.

Public figures used (Landkreis Darmstadt-Dieburg unless said otherwise):
- Ausländeranteil (ausländische erste Staatsangehörigkeit, Bevölkerungsfortschreibung, Hessisches Statistisches
  Landesamt, published by the Kreis as "Zahl des Monats März 2017", ladadi.de): 31.12.2014 11.6 %
  (33,259), 31.12.2015 12.8 % (37,581 of 292,773); 2015 by Gemeinde: Fischbachtal and Otzberg 6.4 %,
  Modautal 8.3 %, Weiterstadt 15.3 %, Griesheim 17.9 %, Babenhausen 19.3 % (Erstaufnahme-Außenstelle;
  14.3 % in 2014). Zensus 2022 (15.05.2022, Kreis press release 25.06.2024): 42,903 nichtdeutsche
  Einwohner = 14.3 %. The years between are interpolated linearly; 2023 14.7 % and 2024 15.0 % are an
  assumption (continued immigration). The age profile of the foreign residents (fewer children and old
  people, more aged 18–44) and the nationalities are a demo assumption; a cell's foreign residents are
  written as one row with one nationality drawn from a short list of frequent ones (a simplification).
- Households by type (Zensus 9.5.2011, published by the Kreis as "Zahl des Monats Dezember 2014",
  ladadi.de): Einpersonenhaushalte 30.3 %, Paare ohne Kinder 29.0 %, Paare mit Kindern 29.9 %,
  Alleinerziehende 8.3 % (10,119 Alleinerziehende), the rest (2.5 %) sonstige; 10,119 = 8.3 % gives about
  121,900 households for about 287,000 residents, 2.35 persons per household. Kept for every year, the
  persons per household falling 0.4 % a year (assumption), Alleinerziehende higher where SGB II is higher.
  (The Zensus counts Kinder of any age; the layout counts Kinder under 18: a demo approximation.)
- Wohngeld (reine Wohngeldhaushalte as a share of all private households; Kreis figures are not in the
  sources used, so the Land's): Hessen 31.12.2016 38,000 reine Wohngeldhaushalte (+ 1,800 Mischhaushalte,
  Hessisches Statistisches Landesamt, press release June 2017) ≈ 1.3 % of about 3 million households;
  31.12.2022 1.4 % (42,700, HSL 2023); 31.12.2023 2.4 % (Destatis, after the Wohngeld-Plus reform).
  2015 (before the 2016 reform, 44 % fewer), 2017–2021 (falling, reform 2020) and 2024 are assumptions.
- AsylbLG Regelleistungen (Destatis, recipients at the end of the year, Germany): 2015 975,000; 2016
  728,000; 2017 468,000; 2018 411,000; 2019 385,000; 2020 382,000 (2021 + 17,000 = + 4.3 %); 2021
  399,000; 2022 482,300; 2023 522,700; 2024 assumed 470,000. The Kreis gets its share of Germany's
  population (292,773 / 82,175,684 = 0.356 % at 31.12.2015); cross-check: the Kreis reported 1,557
  Asylbewerber in January 2015 and 3,825 Schutzsuchende in spring 2016 (press releases, ladadi.de).
- Grundsicherung bei Erwerbsminderung: 0.93 × the recipients 65+ of the same Gemeinde and year (Destatis,
  December 2019: 48.2 % of the 1.085 million recipients were 18 to under the age limit, 51.8 % above).
- Laufende Hilfe zum Lebensunterhalt außerhalb von Einrichtungen: 1.9 per 1,000 residents (the
  neighbouring Kreis Offenbach, Hessische Kreiszahlen: 700 at 31.12.2022 for about 362,000 residents;
  Darmstadt-Dieburg's own figure is not in the sources used).
Values 1 and 2 of the Sozialamt, Wohngeldstelle and AsylbLG files are withheld by the office (`.`), as in
the Grundsicherung demo file.

Every draw comes from `model.rng(seed, kreis_index, component)` with components of their own, so the
existing demo families are byte-identical with and without these.
"""

from __future__ import annotations

import numpy as np

from orchestration.demo.model import POP_YEARS, Kreis, rng, round_to_total

# --------------------------------------------------------------------------------- nationality

AUSLAENDERANTEIL_KREIS = {2014: 0.116, 2015: 0.128, 2022: 0.143, 2023: 0.147, 2024: 0.150}
# 2015 by Gemeinde (Babenhausen 2014 in AUSLAENDERANTEIL_BABENHAUSEN_2014)
AUSLAENDERANTEIL_2015 = {"06432007": 0.064, "06432017": 0.064, "06432013": 0.083, "06432023": 0.153,
                         "06432008": 0.179, "06432002": 0.193}
BABENHAUSEN = "06432002"
AUSLAENDERANTEIL_BABENHAUSEN_2014 = 0.143
# relative foreign share by age (demo assumption): children, young adults, adults, older, 65+
_AGE_PROFILE = np.concatenate([np.full(18, 0.85), np.full(27, 1.55), np.full(20, 0.95), np.full(36, 0.45)])
# frequent nationalities (Destatis codes) and their demo weights before/after 2015 and from 2022
_NATIONALITAETEN = ("163", "152", "137", "154", "130", "134", "125", "150", "170", "475", "423", "166", "997")
_GEWICHTE = {
    "bis_2014": (24, 14, 12, 9, 8, 7, 5, 5, 5, 2, 2, 2, 0.3),
    "ab_2015": (20, 12, 10, 10, 8, 6, 6, 5, 5, 8, 5, 2, 0.4),
    "ab_2022": (17, 10, 9, 10, 7, 5, 6, 4, 4, 9, 5, 10, 0.4),
}

HEADER_ZUSATZ = "staatsangehoerigkeit"


def auslaenderanteil_kreis(year: int) -> float:
    """The Kreis share of the year (anchors, linear between 2015 and 2022)."""
    if year in AUSLAENDERANTEIL_KREIS:
        return AUSLAENDERANTEIL_KREIS[year]
    lo, hi = 2015, 2022
    t = (year - lo) / (hi - lo)
    return AUSLAENDERANTEIL_KREIS[lo] * (1 - t) + AUSLAENDERANTEIL_KREIS[hi] * t


def _relative_shares(kreis: Kreis, base_ags: list[str], pop15: np.ndarray) -> np.ndarray:
    """Per Gemeinde: its 2015 share / the Kreis share 2015 (anchors where public, else by social factor)."""
    target = AUSLAENDERANTEIL_KREIS[2015]
    share = np.zeros(len(kreis.gemeinden))
    free = []
    for gi, ags in enumerate(base_ags):
        if ags in AUSLAENDERANTEIL_2015:
            share[gi] = AUSLAENDERANTEIL_2015[ags]
        else:
            free.append(gi)
    social = np.array([kreis.gemeinden[gi].social for gi in free]) ** 0.5
    rest = target * pop15.sum() - (share * pop15).sum()
    share[free] = social * rest / (social * pop15[free]).sum()
    return share / target


def simulate_nationality(kreis: Kreis, base_ags: list[str], counts: np.ndarray, seed: int
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Foreign residents of the m/w cells and their nationality code.

    `counts`: m/w residents (gemeinde, sex, age, year of POP_YEARS) as written (without the `d` persons).
    Returns (foreign counts like `counts`, code index into _NATIONALITAETEN like `counts`)."""
    r = rng(seed, kreis.index, "nationalitaet")
    n_g = counts.shape[0]
    totals = counts.sum(axis=(1, 2))  # (gemeinde, year)
    relative = _relative_shares(kreis, base_ags, totals[:, POP_YEARS.index(2015)].astype(float))
    foreign = np.zeros_like(counts)
    codes = np.zeros(counts.shape, dtype=np.int64)
    for yi, year in enumerate(POP_YEARS):
        rel = relative.copy()
        if year < 2015 or year >= 2017:  # the Erstaufnahme-Außenstelle: 2015 and 2016
            for gi, ags in enumerate(base_ags):
                if ags == BABENHAUSEN:
                    rel[gi] = AUSLAENDERANTEIL_BABENHAUSEN_2014 / AUSLAENDERANTEIL_KREIS[2014]
        share = rel * auslaenderanteil_kreis(year)
        pop = totals[:, yi].astype(float)
        share *= auslaenderanteil_kreis(year) * pop.sum() / (share * pop).sum()  # Kreis total exactly
        key = "bis_2014" if year < 2015 else ("ab_2015" if year < 2022 else "ab_2022")
        p = np.array(_GEWICHTE[key], dtype=float)
        for gi in range(n_g):
            cells = counts[gi, :, :, yi]
            weights = cells * _AGE_PROFILE[None, :] * r.uniform(0.85, 1.15, cells.shape)
            total = int(round(share[gi] * pop[gi]))
            f = np.minimum(round_to_total(weights.reshape(-1), total).reshape(cells.shape), cells)
            foreign[gi, :, :, yi] = f
            codes[gi, :, :, yi] = r.choice(len(p), size=cells.shape, p=p / p.sum())
    return foreign, codes


def nationality_code(index: np.ndarray) -> np.ndarray:
    return np.array(_NATIONALITAETEN)[index]


# ---------------------------------------------------------------------------------- households

HAUSHALTSTYPEN_2011 = {"einpersonen": 0.303, "paar_ohne_kinder": 0.290, "paar_mit_kindern": 0.299,
                       "alleinerziehende": 0.083, "sonstige": 0.025}
PERSONEN_JE_HAUSHALT_2011 = 2.35
HAUSHALTE_HEADER = "stichtag;ags;ortsteil;haushaltstyp;anzahl"


def simulate_households(kreis: Kreis, pop: np.ndarray, seed: int) -> np.ndarray:
    """Households (gemeinde, type of HAUSHALTSTYPEN_2011, year of POP_YEARS)."""
    r = rng(seed, kreis.index, "haushalte")
    types = list(HAUSHALTSTYPEN_2011)
    base = np.array([HAUSHALTSTYPEN_2011[t] for t in types])
    n_g = len(kreis.gemeinden)
    size = PERSONEN_JE_HAUSHALT_2011 * r.uniform(0.94, 1.06, n_g)
    out = np.zeros((n_g, len(types), len(POP_YEARS)), dtype=np.int64)
    for gi, g in enumerate(kreis.gemeinden):
        shares = base * r.uniform(0.92, 1.08, len(types))
        shares[types.index("alleinerziehende")] *= g.social ** 0.5
        shares /= shares.sum()
        for yi, year in enumerate(POP_YEARS):
            persons = pop[gi, :, :, yi].sum()
            households = int(round(persons / (size[gi] * 0.996 ** (year - 2011))))
            out[gi, :, yi] = round_to_total(shares * r.uniform(0.98, 1.02, len(types)), households)
    return out


# ---------------------------------------------------------------------- Wohngeld, AsylbLG, SGB XII

WOHNGELD_ANTEIL = {2015: 0.0090, 2016: 0.0130, 2017: 0.0120, 2018: 0.0110, 2019: 0.0100, 2020: 0.0130,
                   2021: 0.0125, 2022: 0.0140, 2023: 0.0240, 2024: 0.0250}
ASYLBLG_DEUTSCHLAND = {2015: 975_000, 2016: 728_000, 2017: 468_000, 2018: 411_000, 2019: 385_000, 2020: 382_000,
                       2021: 399_000, 2022: 482_300, 2023: 522_700, 2024: 470_000}
ANTEIL_AN_DEUTSCHLAND = 292_773 / 82_175_684
ERWERBSMINDERUNG_JE_ALTER = 0.93
HLU_JE_EINWOHNER = 0.0019
WOHNGELD_HEADER = "stichtag;ags;gemeinde;wohngeldhaushalte"
ASYLBLG_HEADER = "stichtag;ags;gemeinde;regelleistungen"
GRUNDSICHERUNG_ZUSATZ = ("empfaenger_erwerbsminderung", "hlu_ausserhalb_einrichtungen")


def withheld(values: np.ndarray) -> np.ndarray:
    """The office withholds 1 and 2 (`.`)."""
    return (values >= 1) & (values <= 2)


def simulate_wohngeld(kreis: Kreis, households: np.ndarray, seed: int, years: list[int]) -> np.ndarray:
    """Reine Wohngeldhaushalte at 31.12. (gemeinde, year of `years`)."""
    r = rng(seed, kreis.index, "wohngeld")
    level = r.uniform(0.85, 1.15, len(kreis.gemeinden))
    out = np.zeros((len(kreis.gemeinden), len(years)), dtype=np.int64)
    for gi, g in enumerate(kreis.gemeinden):
        for k, year in enumerate(years):
            hh = households[gi, :, POP_YEARS.index(year)].sum()
            out[gi, k] = r.poisson(hh * WOHNGELD_ANTEIL[year] * level[gi] * g.social ** 0.6)
    return out


def simulate_asylblg(kreis: Kreis, base_ags: list[str], pop: np.ndarray, seed: int, years: list[int]) -> np.ndarray:
    """Recipients of AsylbLG Regelleistungen at 31.12. (gemeinde, year of `years`)."""
    r = rng(seed, kreis.index, "asylblg")
    weight = r.lognormal(0.0, 0.35, len(kreis.gemeinden))
    out = np.zeros((len(kreis.gemeinden), len(years)), dtype=np.int64)
    for k, year in enumerate(years):
        residents = pop[:, :, :, POP_YEARS.index(year)].sum(axis=(1, 2)).astype(float)
        w = residents * weight
        if year in (2015, 2016):
            w = w * np.array([2.0 if ags == BABENHAUSEN else 1.0 for ags in base_ags])
        total = int(round(ASYLBLG_DEUTSCHLAND[year] * ANTEIL_AN_DEUTSCHLAND * residents.sum() / 292_773))
        out[:, k] = r.multinomial(total, w / w.sum())
    return out


def simulate_sozialhilfe(kreis: Kreis, pop: np.ndarray, grundsicherung_65: np.ndarray, seed: int,
                         years: list[int]) -> np.ndarray:
    """Grundsicherung bei Erwerbsminderung and HLU außerhalb von Einrichtungen (gemeinde, 2, year of `years`)."""
    r = rng(seed, kreis.index, "sozialhilfe")
    level = r.uniform(0.8, 1.2, len(kreis.gemeinden))
    out = np.zeros((len(kreis.gemeinden), 2, len(years)), dtype=np.int64)
    for gi, g in enumerate(kreis.gemeinden):
        for k, year in enumerate(years):
            out[gi, 0, k] = r.poisson(ERWERBSMINDERUNG_JE_ALTER * grundsicherung_65[gi, k])
            residents = pop[gi, :, :, POP_YEARS.index(year)].sum()
            out[gi, 1, k] = r.poisson(residents * HLU_JE_EINWOHNER * level[gi] * g.social ** 0.7)
    return out
