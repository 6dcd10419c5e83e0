"""Synthetic Jugendamt Fachverfahren exports: Hilfen (§§ 27–35, 35a, 41), § 8a, § 42/42a.

Hilfen are simulated as a stock-flow process per Gemeinde: starts per year and single year of age
(Poisson, rate × residents of that age × the Gemeinde's social factor × a trend), begin month, birth
month (age at begin within the range of the Hilfeart), duration (lognormal, mean per Hilfeart),
capped at the 18th (§ 41: 21st) birthday. Starts from 2000 on fill the stock that is running in 2015.
`hilfen_YYYY.csv` is the export at the end of year YYYY: every Hilfe running at some time in YYYY,
`ende` empty when it is still running at 31.12.YYYY. So (rows of a Hilfeart in hilfen_YYYY.csv) =
running at 31.12. + ended during the year, the HzE-Eckwert's numerator. A Hilfe keeps its fall_id in
every export it appears in.

Calibration (Kreis level; measured on the default demo, seed 20151231): HzE §§ 27–35 without § 28
(running at 31.12. + ended in year) ≈ 620 per 10,000 under 21 in 2015 rising ~0.8 %/year to ≈ 670 in
2024; § 28 ≈ 330 (dip 2020); § 35a ≈ 70 → 130 (+6 %/year); § 41 ≈ 60. § 8a: ≈ 5.7 → 6.5 per 1,000 under
18, about a third akut/latent; § 42: 2–3 per 1,000 under 18; § 42a (unaccompanied minors) ≈ 3 per 1,000
in 2015, 1.6 in 2016, low afterwards. Gemeinden with more SGB II have higher rates (social factor
= (SGB II share / Kreis share)^0.8, exponent per Hilfeart in HILFEARTEN).

Ortsteil (`wohnort_ortsteil`): a case of a Gemeinde with Ortsteile (the bundled region's ortsteile.csv, not the
scale clones) gets the key of one of them, drawn with the probability of its age in the Melderegister split
(orchestration/demo/ortsteile.py: the same demo weights and age profiles, so the cases follow the residents).
The draw is an own random stream per export and Kreis, so the cases, their Gemeinde and every other column
stay exactly as without the key; the other Gemeinden's cases keep the column empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

import numpy as np

from orchestration.demo import ortsteile as ot
from orchestration.demo.model import POP_YEARS, Kreis, rng
from orchestration.ingest.jugendhilfe import ANLAESSE as ALLE_ANLAESSE
from orchestration.ingest.jugendhilfe import BEENDIGUNGSGRUENDE

HILFEN_HEADER = ("fall_id;hilfeart;beginn;ende;geburtsmonat;geburtsjahr;geschlecht;wohnort_ags;wohnort_ortsteil;"
                 "alleinerziehend;transferleistung;beendigungsgrund;nachname;vorname;strasse;hausnummer;plz;ort")
GEFAEHRDUNGEN_HEADER = "fall_id;datum;alter;geschlecht;wohnort_ags;wohnort_ortsteil;ergebnis;nachname;vorname;strasse;plz;ort"
INOBHUTNAHMEN_HEADER = ("fall_id;paragraph;beginn;ende;anlass;unbegleitet;alter;geschlecht;wohnort_ags;wohnort_ortsteil;"
                        "nachname;vorname;strasse;plz;ort")

FIRST_START_YEAR = 2000


@dataclass(frozen=True)
class Hilfeart:
    code: str
    per_10000: float  # running at 31.12. + ended in year, per 10,000 under 21 (2015, Kreis)
    months: float  # mean duration
    ages: tuple[int, int, int]  # lowest, peak, highest age at begin
    male: float
    social: float  # exponent of the Gemeinde's social factor
    growth: float  # yearly trend factor


HILFEARTEN = (
    Hilfeart("27_2", 71, 10, (3, 11, 17), 0.57, 0.9, 1.008),
    Hilfeart("28", 365, 7, (0, 10, 17), 0.55, 0.2, 1.0),
    Hilfeart("29", 21, 11, (8, 12, 15), 0.68, 0.9, 1.008),
    Hilfeart("30", 99, 16, (9, 14, 17), 0.62, 0.9, 1.008),
    Hilfeart("31", 205, 17, (0, 7, 15), 0.55, 0.9, 1.008),
    Hilfeart("32", 30, 20, (6, 9, 13), 0.75, 0.9, 1.008),
    Hilfeart("33", 112, 42, (0, 3, 17), 0.50, 0.9, 1.008),
    Hilfeart("34", 151, 26, (6, 15, 17), 0.55, 0.9, 1.008),
    Hilfeart("35", 18, 14, (13, 16, 17), 0.55, 0.9, 1.008),
    Hilfeart("35a", 92, 24, (5, 10, 17), 0.72, 0.3, 1.06),
    Hilfeart("41", 62, 15, (18, 18, 20), 0.55, 0.7, 1.011),
)
HZE = tuple(h.code for h in HILFEARTEN if h.code not in ("28", "35a", "41"))

# the labels the ingest accepts (one list); a Hilfe capped at 18 / 21 ends with its own reason below
ALTERSGRENZE_18, ALTERSGRENZE_21 = "Erreichen der Volljährigkeit", "Erreichen der Altersgrenze (21 Jahre)"
BEENDIGUNG = tuple(g for g in BEENDIGUNGSGRUENDE if g not in (ALTERSGRENZE_18, ALTERSGRENZE_21))
BEENDIGUNG_P = (0.58, 0.14, 0.06, 0.12, 0.01, 0.09)
UMA_ANLASS = "Unbegleitete Einreise aus dem Ausland"
ANLAESSE = tuple(a for a in ALLE_ANLAESSE if a != UMA_ANLASS)
ANLAESSE_P = (0.36, 0.08, 0.10, 0.05, 0.03, 0.15, 0.05, 0.04, 0.02, 0.02, 0.02, 0.08)
ERGEBNISSE = ("akut", "latent", "hilfebedarf", "keine")
ERGEBNISSE_P = (0.15, 0.18, 0.33, 0.34)

RATE_8A = {y: 6.0 + (y - 2015) * 0.07 for y in range(2000, 2031)}  # per 1,000 under 18
RATE_42 = {2015: 2.9, 2016: 2.8, 2017: 2.7, 2018: 2.7, 2019: 2.6, 2020: 2.3, 2021: 2.5, 2022: 2.8, 2023: 3.0,
           2024: 3.0}
RATE_42A = {2015: 3.0, 2016: 1.6, 2017: 0.45, 2018: 0.25, 2019: 0.2, 2020: 0.15, 2021: 0.25, 2022: 0.35,
            2023: 0.4, 2024: 0.3}

NACHNAMEN = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
             "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
             "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
             "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
             "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
             "Weiß", "Jung", "Hahn", "Schubert", "Yılmaz", "Kaya", "Demir", "Nowak", "Kowalski", "Popescu",
             "Haddad", "Ahmadi", "Rossi", "Ivanova")
VORNAMEN_M = ("Ben", "Paul", "Leon", "Finn", "Elias", "Jonas", "Luis", "Noah", "Felix", "Lukas", "Max", "Emil",
              "Henry", "Theo", "Anton", "Jakob", "Moritz", "David", "Tim", "Niklas", "Jan", "Tom", "Julian",
              "Mohammed", "Ali", "Yusuf", "Omar", "Mika", "Milan", "Oskar")
VORNAMEN_W = ("Mia", "Emma", "Hannah", "Sofia", "Lina", "Emilia", "Marie", "Lea", "Anna", "Mila", "Clara",
              "Leonie", "Lena", "Ella", "Luisa", "Amelie", "Johanna", "Laura", "Sarah", "Lara", "Nele", "Maja",
              "Ida", "Frieda", "Zeynep", "Elif", "Aylin", "Nora", "Paula", "Greta")
STRASSEN = ("Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße",
            "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Wiesenstraße", "Friedhofstraße",
            "Darmstädter Straße", "Dieburger Straße", "Frankfurter Straße", "Mühlweg", "Am Sportplatz",
            "Goethestraße", "Schillerstraße", "Rosenweg", "Birkenweg", "Am Rathaus", "Odenwaldstraße",
            "Rheinstraße", "Jahnstraße", "Eichendorffweg", "Kapellenweg", "Feldbergstraße", "Mainstraße",
            "Im Wiesengrund")


def _age_weights(lo: int, peak: int, hi: int, n: int = 21) -> np.ndarray:
    a = np.arange(n, dtype=float)
    spread = max(peak - lo, hi - peak, 1) + 1
    w = np.clip(1 - np.abs(a - peak) / spread, 0.2, None)
    w[(a < lo) | (a > hi)] = 0
    return w / w.mean()  # mean 1 over all ages: a uniform age structure gets the nominal rate


def _pop_year(pop: np.ndarray, year: int) -> np.ndarray:
    """Residents (gemeinde, age) at 31.12. of the year before (the population at risk during `year`)."""
    y = min(max(year - 1, POP_YEARS[0]), POP_YEARS[-1])
    return pop[:, :, :, POP_YEARS.index(y)].sum(axis=1)


_MONTHS = np.array([f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(1990 * 12, 2040 * 12)])


def _fmt_month(m: np.ndarray) -> np.ndarray:
    return _MONTHS[m - 1990 * 12]


def _fmt_date(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()


class _Names:
    def __init__(self, r: np.random.Generator, kreis: Kreis):
        self.r = r
        self.plz = np.array([g.plz for g in kreis.gemeinden])
        self.ort = np.array([g.ort for g in kreis.gemeinden])

    def columns(self, male: np.ndarray, g_idx: np.ndarray, with_hausnummer: bool) -> list[list[str]]:
        r, n = self.r, len(male)
        nach = np.array(NACHNAMEN)[r.integers(0, len(NACHNAMEN), n)]
        vor = np.where(male, np.array(VORNAMEN_M)[r.integers(0, len(VORNAMEN_M), n)],
                       np.array(VORNAMEN_W)[r.integers(0, len(VORNAMEN_W), n)])
        strasse = np.array(STRASSEN)[r.integers(0, len(STRASSEN), n)]
        nr = r.integers(1, 140, n).astype(str)
        cols = [nach.tolist(), vor.tolist()]
        if with_hausnummer:
            cols += [strasse.tolist(), nr.tolist()]
        else:
            cols += [np.char.add(np.char.add(strasse, " "), nr).tolist()]
        cols += [self.plz[g_idx].tolist(), self.ort[g_idx].tolist()]
        return cols


def _draw_cases(r: np.random.Generator, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson case counts per Gemeinde × age with means `lam` → one entry per case: (Gemeinde index, age)."""
    counts = r.poisson(lam)
    g_idx, age = np.nonzero(counts)
    reps = counts[g_idx, age]
    return np.repeat(g_idx, reps), np.repeat(age, reps)


def _day_in_year(r: np.random.Generator, year: int, n: int) -> np.ndarray:
    """`n` days drawn uniformly from the calendar year."""
    start = np.datetime64(f"{year}-01-01")
    days = (np.datetime64(f"{year + 1}-01-01") - start).astype(int)
    return start + r.integers(0, days, n)


def ortsteil_keys(ags: np.ndarray, age: np.ndarray, ortsteile: dict[str, list[str]] | None, seed: int,
                  kreis_index: int, export: int) -> list[str]:
    """The `wohnort_ortsteil` of each case (AGS, age): an Ortsteil of its Gemeinde drawn with the Melderegister
    split's probabilities for that age (ortsteile.age_weights with the generator's profile stream), empty for a
    Gemeinde without Ortsteile. Own stream (`jugendhilfe_ortsteile`, one per export)."""
    keys = np.full(len(ags), "", dtype=object)
    if not ortsteile:
        return keys.tolist()
    profile = rng(seed, kreis_index, "ortsteile")  # as generator._split_ortsteile: the same profiles
    weights = {g: ot.age_weights(k, ot.GEWICHTE.get(g, {}), 101, profile) for g, k in sorted(ortsteile.items())}
    draw = rng(seed, kreis_index, "jugendhilfe_ortsteile", export)
    u = draw.random(len(ags))
    for g, p in weights.items():
        sel = np.nonzero(ags == g)[0]
        if len(sel):
            cum = np.cumsum(p[np.clip(age[sel], 0, 100)], axis=1)
            index = np.minimum((u[sel, None] > cum).sum(axis=1), len(ortsteile[g]) - 1)
            keys[sel] = np.array(ortsteile[g], dtype=object)[index]
    return keys.tolist()


def _write(handle: TextIO, columns: list[list[str]]) -> int:
    if not columns or not columns[0]:
        return 0
    handle.write("\n".join(map(";".join, zip(*columns, strict=False))))
    handle.write("\n")
    return len(columns[0])


def write_hilfen(kreis: Kreis, pop: np.ndarray, seed: int, years: list[int], handles: dict[int, TextIO],
                 ortsteile: dict[str, list[str]] | None = None) -> int:
    """Simulate the Hilfen of one Kreis and append each year's export to `handles[year]`; records written."""
    r = rng(seed, kreis.index, "hilfen")
    social = np.array([g.social for g in kreis.gemeinden])
    last_year = years[-1]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("h", "g", "age", "beginn", "dur", "male")}
    for hi, h in enumerate(HILFEARTEN):
        w = _age_weights(*h.ages)
        rate = h.per_10000 / 10000 / (1 + h.months / 12) * w  # starts per resident of each age and year
        for year in range(FIRST_START_YEAR, last_year + 1):
            trend = h.growth ** (year - 2015)
            if h.code == "28" and year == 2020:
                trend *= 0.85
            lam = _pop_year(pop, year)[:, :21] * rate[None, :] * (social[:, None] ** h.social) * trend
            g_idx, age = _draw_cases(r, lam)
            n = len(g_idx)
            parts["h"].append(np.full(n, hi))
            parts["g"].append(g_idx)
            parts["age"].append(age)
            parts["beginn"].append(year * 12 + r.integers(0, 12, n))
            mu = np.log(h.months) - 0.32
            parts["dur"].append(np.maximum(1, np.round(r.lognormal(mu, 0.8, n))).astype(np.int64))
            parts["male"].append(r.random(n) < h.male)
    h_idx = np.concatenate(parts["h"])
    g_idx = np.concatenate(parts["g"])
    age = np.concatenate(parts["age"])
    beginn = np.concatenate(parts["beginn"])
    dur = np.concatenate(parts["dur"])
    male = np.concatenate(parts["male"])
    n = len(h_idx)
    order = np.lexsort((g_idx, h_idx, beginn))
    h_idx, g_idx, age, beginn, dur, male = (a[order] for a in (h_idx, g_idx, age, beginn, dur, male))
    # birth month strictly before the begin month, age at begin = `age` completed years
    extra = np.where(age == 0, r.integers(1, 12, n), r.integers(0, 12, n))
    birth = beginn - 12 * age - extra
    is41 = np.array([HILFEARTEN[i].code == "41" for i in range(len(HILFEARTEN))])[h_idx]
    cap = birth + np.where(is41, 21 * 12, 18 * 12) - 1
    ende = beginn + dur - 1
    capped = ende > cap
    ende = np.minimum(ende, cap)
    grund = np.array(BEENDIGUNG)[r.choice(len(BEENDIGUNG), n, p=BEENDIGUNG_P)]
    grund = np.where(capped, np.where(is41, ALTERSGRENZE_21, ALTERSGRENZE_18),
                     grund)
    p_transfer = np.clip(0.3 * social[g_idx], 0.05, 0.8)
    u = r.random(n)
    transfer = np.where(u < 0.05, "u", np.where(u < 0.05 + p_transfer * 0.95, "j", "n"))
    u = r.random(n)
    allein = np.where(u < 0.06, "u", np.where(u < 0.06 + 0.40, "j", "n"))
    divers = (r.random(n) < 0.001) & (beginn >= 2019 * 12)
    sex = np.where(divers, "d", np.where(male, "m", "w"))
    fall_id = np.char.add(f"{kreis.code}-H", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    codes = np.array([h.code for h in HILFEARTEN])[h_idx]
    ags = np.array([g.ags for g in kreis.gemeinden])[g_idx]
    ortsteil = np.array(ortsteil_keys(ags, age, ortsteile, seed, kreis.index, 1), dtype=object)
    names = _Names(rng(seed, kreis.index, "names", extra=1), kreis).columns(male, g_idx, True)
    names = [np.array(c) for c in names]
    written = 0
    for year in years:
        first, last = year * 12, year * 12 + 11
        sel = np.nonzero((beginn <= last) & (ende >= first))[0]
        ended = ende[sel] <= last
        ende_text = np.full(len(sel), "", dtype=_MONTHS.dtype)
        ende_text[ended] = _fmt_month(ende[sel][ended])
        cols = [
            fall_id[sel].tolist(),
            codes[sel].tolist(),
            _fmt_month(beginn[sel]).tolist(),
            ende_text.tolist(),
            (birth[sel] % 12 + 1).astype(str).tolist(),
            (birth[sel] // 12).astype(str).tolist(),
            sex[sel].tolist(),
            ags[sel].tolist(),
            ortsteil[sel].tolist(),
            allein[sel].tolist(),
            transfer[sel].tolist(),
            np.where(ended, grund[sel], "").tolist(),
        ] + [c[sel].tolist() for c in names]
        written += _write(handles[year], cols)
    return written


def _case_streams(seed: int, kreis: Kreis, export: str, names_extra: int) -> tuple[np.random.Generator, _Names, np.ndarray]:
    """The random streams of one case export (cases; the Demodaten names of its persons) and the social
    weight of each Gemeinde."""
    return (rng(seed, kreis.index, export), _Names(rng(seed, kreis.index, "names", extra=names_extra), kreis),
            np.array([g.social for g in kreis.gemeinden]))


def write_gefaehrdungen(kreis: Kreis, pop: np.ndarray, seed: int, years: list[int], handles: dict[int, TextIO],
                        ortsteile: dict[str, list[str]] | None = None) -> int:
    r, names, social = _case_streams(seed, kreis, "gefaehrdungen", 2)
    w = _age_weights(0, 4, 17, 18)
    written = 0
    for year in years:
        lam = _pop_year(pop, year)[:, :18] * (RATE_8A[year] / 1000) * w[None, :] * (social[:, None] ** 0.8)
        g_idx, age = _draw_cases(r, lam)
        n = len(g_idx)
        datum = _day_in_year(r, year, n)
        order = np.lexsort((g_idx, datum))
        g_idx, age, datum = g_idx[order], age[order], datum[order]
        male = r.random(n) < 0.51
        ergebnis = np.array(ERGEBNISSE)[r.choice(4, n, p=ERGEBNISSE_P)]
        fall_id = np.char.add(f"{kreis.code}-G{year}-", np.char.zfill(np.arange(1, n + 1).astype(str), 5))
        ags = np.array([g.ags for g in kreis.gemeinden])[g_idx]
        cols = [fall_id.tolist(), _fmt_date(datum), age.astype(str).tolist(),
                np.where(male, "m", "w").tolist(), ags.tolist(),
                ortsteil_keys(ags, age, ortsteile, seed, kreis.index, 2 * 10000 + year),
                ergebnis.tolist()] + names.columns(male, g_idx, False)
        written += _write(handles[year], cols)
    return written


def write_inobhutnahmen(kreis: Kreis, pop: np.ndarray, seed: int, years: list[int], handles: dict[int, TextIO],
                        ortsteile: dict[str, list[str]] | None = None) -> int:
    r, names, social = _case_streams(seed, kreis, "inobhutnahmen", 3)
    w42 = _age_weights(0, 15, 17, 18)
    w42a = np.zeros(18)
    w42a[12:18] = (0.03, 0.05, 0.12, 0.22, 0.30, 0.28)
    w42a = w42a / w42a.sum() * 18  # mean 1 over 0…17
    ags_all = np.array([g.ags for g in kreis.gemeinden])
    written = 0
    for year in years:
        base = _pop_year(pop, year)[:, :18]
        lam42 = base * (RATE_42.get(year, 2.8) / 1000) * w42[None, :] * (social[:, None] ** 0.9)
        lam42a = base * (RATE_42A.get(year, 0.3) / 1000) * w42a[None, :]
        rows = []
        for para, lam in (("42", lam42), ("42a", lam42a)):
            rows.append((para, *_draw_cases(r, lam)))
        para = np.concatenate([np.full(len(g), p) for p, g, _ in rows])
        g_idx = np.concatenate([g for _, g, _ in rows])
        age = np.concatenate([a for _, _, a in rows])
        n = len(g_idx)
        is42a = para == "42a"
        beginn = _day_in_year(r, year, n)
        dauer = np.where(is42a, r.integers(3, 40, n), np.maximum(0, np.round(r.lognormal(np.log(18), 1.0, n))))
        ende = beginn + dauer.astype(int)
        running = ende > np.datetime64(f"{year}-12-31")
        order = np.lexsort((g_idx, beginn))
        para, g_idx, age, beginn, ende, running, is42a = (
            a[order] for a in (para, g_idx, age, beginn, ende, running, is42a))
        male = np.where(is42a, r.random(n) < 0.9, r.random(n) < 0.5)
        unbegleitet = np.where(is42a | (r.random(n) < 0.04), "j", "n")
        anlass = np.where(is42a | (unbegleitet == "j"), UMA_ANLASS,
                          np.array(ANLAESSE)[r.choice(len(ANLAESSE), n, p=ANLAESSE_P)])
        fall_id = np.char.add(f"{kreis.code}-I{year}-", np.char.zfill(np.arange(1, n + 1).astype(str), 5))
        cols = [fall_id.tolist(), para.tolist(), _fmt_date(beginn),
                np.where(running, "", np.array(_fmt_date(ende))).tolist(), anlass.tolist(), unbegleitet.tolist(),
                age.astype(str).tolist(), np.where(male, "m", "w").tolist(), ags_all[g_idx].tolist(),
                ortsteil_keys(ags_all[g_idx], age, ortsteile, seed, kreis.index, 3 * 10000 + year)
                ] + names.columns(male, g_idx, False)
        written += _write(handles[year], cols)
    return written
