"""Disclosure control of the youth-welfare indicators, tested by an attacker.

The attacker sees only what is published (mart.sozialraum_indikatoren: all rows, all levels, all
indicators, all years, plus the catalogue) and tries to recompute every suppressed count:
  - rate × nenner (the population denominators are public) and the § 8a share (its nenner is the § 8a count),
  - differences of totals and subtotals: Kreis − Σ published Gemeinden, Sozialraum − Σ published
    Gemeinden, Kreis − Σ published Sozialräume, Gemeinde − Σ published Ortsteile (an Ortsteil's id is its
    Gemeinde's AGS + a 3-digit key, so the structure is public), total − Σ published breakdown categories
    (hze_eckwert = hze_ambulant_eckwert + hze_stationaer_eckwert), repeated with everything recovered,
  - any linear combination of all those equations at once (exact determinability over the suppressed cells),
  - "the suppressed members of an equation sum to 0, so each is 0".
Every attack must fail for every suppressed cell, and no published count at Ortsteil, Gemeinde or Sozialraum
level may lie in 1 … minimum−1.

The algorithm itself (dbt Python model int_geheimhaltung__sekundaer) is exercised on small hand-made
examples and on random blocks; the attacker is shown to find the leaks of a naive (primary-only)
suppression, so these tests can fail. The full pipeline is attacked on the published file of the
`demo_build` fixture.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL_FILE = ROOT / "dbt_project" / "models" / "intermediate" / "geheimhaltung" / "int_geheimhaltung__sekundaer.py"
MODEL_YML = MODEL_FILE.with_suffix(".yml")
MIN_CELL = int(yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]["disclosure_min_cell"])

# What the attacker knows from the catalogue definitions (public): the breakdown and the shares whose nenner is
# another published count (§ 8a share; the HzE shares with transfer income / single parents, nenner = HzE count).
AUFTEILUNGEN = {"hze_eckwert": ["hze_ambulant_eckwert", "hze_stationaer_eckwert"]}
NENNER_INDIKATOR = {"anteil_akute_latente_gefaehrdung": "gefaehrdungseinschaetzungen_je_1000_u18",
                    "hze_anteil_transferleistung": "hze_eckwert", "hze_anteil_alleinerziehend": "hze_eckwert"}
FAKTOR = {"%": 100.0, "je 1.000": 1000.0, "Anzahl": 1.0}


def load_algorithm():
    spec = importlib.util.spec_from_file_location("int_geheimhaltung__sekundaer", MODEL_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


algo = load_algorithm()


# --------------------------------------------------------------------------------------------------
# The attacker
# --------------------------------------------------------------------------------------------------

def attack(published: pd.DataFrame, confidential: set[str]) -> dict[tuple, str]:
    """Suppressed confidential cells the attacker can recompute → how. Cell = (jahr, ebene, gebiet_id, indikator)."""
    rows = published[published["indikator_id"].isin(confidential)].to_dict("records")
    known: dict[tuple, float] = {}
    hidden: set[tuple] = set()
    recovered: dict[tuple, str] = {}
    for r in rows:
        cell = (r["jahr"], r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"])
        if pd.notna(r["zaehler"]):
            known[cell] = float(r["zaehler"])
        else:
            hidden.add(cell)

    # 1. rate × nenner, and the § 8a share whose nenner is a count
    for r in rows:
        cell = (r["jahr"], r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"])
        if cell in hidden and pd.notna(r["wert"]) and pd.notna(r["nenner"]):
            recovered[cell] = "wert × nenner"
        if r["indikator_id"] in NENNER_INDIKATOR:
            count_cell = cell[:3] + (NENNER_INDIKATOR[r["indikator_id"]],)
            if count_cell in hidden and pd.notna(r["nenner"]):
                recovered[count_cell] = "nenner des Anteils"
            if count_cell in hidden and pd.notna(r["zaehler"]) and pd.notna(r["wert"]) and r["wert"] > 0:
                recovered[count_cell] = "zaehler / wert des Anteils"
    for cell in recovered:
        known.setdefault(cell, np.nan)  # value known to the attacker (not needed further)

    # 2. equations of the published structure
    equations = published_equations(rows)

    # 3. differences of totals and subtotals, repeated until nothing new
    names = {"kreis>sozialraum": "Kreis − Σ Sozialräume", "kreis>gemeinde": "Kreis − Σ Gemeinden",
             "sozialraum>gemeinde": "Sozialraum − Σ Gemeinden", "gemeinde>ortsteil": "Gemeinde − Σ Ortsteile",
             "sozialraum>ortsteil": "Sozialraum − Σ Ortsteile", "aufteilung": "Gesamt − Σ Teile"}
    changed = True
    while changed:
        changed = False
        for kind, total, comps in equations:
            unknown = [c for c in (total, *comps) if c in hidden and c not in recovered]
            if len(unknown) == 1:
                recovered[unknown[0]] = names[kind]
                changed = True

    # 4. zero sums and 5. any linear combination, per (jahr) block of the remaining unknowns
    unknowns = sorted(c for c in hidden if c not in recovered)
    index = {c: i for i, c in enumerate(unknowns)}
    matrix = []
    for _kind, total, comps in equations:
        members = [(total, 1.0)] + [(c, -1.0) for c in comps]
        if not any(c in index for c, _ in members):
            continue
        row = np.zeros(len(unknowns))
        rest = 0.0
        for c, sign in members:
            if c in index:
                row[index[c]] += sign
            elif c in known and not np.isnan(known[c]):
                rest += sign * known[c]
            else:
                break  # a member recovered only via rate × nenner: value not tracked, skip
        else:
            matrix.append(row)
            hidden_comps = [c for c in comps if c in index]
            if total not in index and hidden_comps and abs(rest) < 1e-9:
                for c in hidden_comps:
                    recovered.setdefault(c, "Summe der gesperrten Zellen = 0")
    # A published Kreis total of 0 tells that every cell of that indicator and year is 0: Kreis totals
    # stay published by rule, so this is public knowledge rather than a leak of the suppression.
    zero_kreis = {(c[0], c[3]) for c, v in known.items() if c[1] == "kreis" and v == 0}
    if matrix and unknowns:
        a = np.vstack(matrix)
        _, s, vh = np.linalg.svd(a)
        rank = int(np.sum(s > 1e-9 * max(1.0, s[0] if len(s) else 1.0)))
        null = vh[rank:]
        for c, i in index.items():
            if null.shape[0] == 0 or np.all(np.abs(null[:, i]) < 1e-9):
                recovered.setdefault(c, "lineare Kombination von Summen")
    return {c: how for c, how in recovered.items() if (c[0], c[3]) not in zero_kreis}


def published_equations(rows: list[dict]) -> list[tuple[str, tuple, tuple]]:
    """Σ relations the attacker reads off the published structure (areas and breakdowns)."""
    cells = {(r["jahr"], r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"]) for r in rows}
    sr_of_kreis, g_of_kreis, g_of_sr, o_of_g = defaultdict(set), defaultdict(set), defaultdict(set), defaultdict(set)
    years, indicators, kreise = set(), set(), set()
    for r in rows:
        years.add(r["jahr"])
        indicators.add(r["indikator_id"])
        if r["gebiet_ebene"] == "kreis":
            kreise.add(r["gebiet_id"])
        elif r["gebiet_ebene"] == "sozialraum":
            sr_of_kreis[r["kreis_ags"]].add(r["gebiet_id"])
        elif r["gebiet_ebene"] == "ortsteil":
            o_of_g[r["gebiet_id"][:8]].add(r["gebiet_id"])
        else:
            g_of_kreis[r["kreis_ags"]].add(r["gebiet_id"])
            g_of_sr[r["sozialraum_id"]].add(r["gebiet_id"])
    equations = []
    for jahr, ind in itertools.product(sorted(years), sorted(indicators)):
        def eq(kind, total, comps):
            if total in cells and comps and all(c in cells for c in comps):
                equations.append((kind, total, tuple(comps)))
        for k in kreise:
            eq("kreis>sozialraum", (jahr, "kreis", k, ind), [(jahr, "sozialraum", s, ind) for s in sorted(sr_of_kreis[k])])
            eq("kreis>gemeinde", (jahr, "kreis", k, ind), [(jahr, "gemeinde", g, ind) for g in sorted(g_of_kreis[k])])
        for s, gs in g_of_sr.items():
            eq("sozialraum>gemeinde", (jahr, "sozialraum", s, ind), [(jahr, "gemeinde", g, ind) for g in sorted(gs)])
            # a Sozialraum whose every Gemeinde has Ortsteile is also Σ of those Ortsteile
            if gs and all(o_of_g.get(g) for g in gs):
                eq("sozialraum>ortsteil", (jahr, "sozialraum", s, ind),
                   [(jahr, "ortsteil", o, ind) for g in sorted(gs) for o in sorted(o_of_g[g])])
        for g, os_ in o_of_g.items():
            eq("gemeinde>ortsteil", (jahr, "gemeinde", g, ind), [(jahr, "ortsteil", o, ind) for o in sorted(os_)])
    areas = {(c[0], c[1], c[2]) for c in cells}
    for total, parts in AUFTEILUNGEN.items():
        for area in sorted(areas):
            t = area + (total,)
            comps = [area + (p,) for p in parts]
            if t in cells and all(c in cells for c in comps):
                equations.append(("aufteilung", t, tuple(comps)))
    return equations


def small_published_counts(published: pd.DataFrame, confidential: set[str]) -> pd.DataFrame:
    """Published youth-welfare counts 1 … minimum−1 at Ortsteil / Gemeinde / Sozialraum level (incl. the § 8a
    share's nenner)."""
    levels = ["ortsteil", "gemeinde", "sozialraum"]
    rows = published[published["indikator_id"].isin(confidential) & published["gebiet_ebene"].isin(levels)]
    small_z = rows["zaehler"].between(1, MIN_CELL - 1)
    small_n = rows["indikator_id"].isin(list(NENNER_INDIKATOR)) & rows["nenner"].between(1, MIN_CELL - 1)
    return rows[small_z | small_n]


# --------------------------------------------------------------------------------------------------
# Hand-made examples: a published table is produced from true counts by the algorithm under test
# --------------------------------------------------------------------------------------------------

SOZIALRAEUME = {"SR1": ["g01", "g02", "g03"], "SR2": ["g04", "g05"], "SR3": ["g06", "g07", "g08"]}


def publish(counts: dict[str, dict[str, int]], sozialraeume=SOZIALRAEUME, jahr=2020, kreis="K",
            ortsteile: dict[str, dict[str, dict[str, int]]] | None = None) -> pd.DataFrame:
    """counts: indicator -> {gemeinde: true count}; ortsteile: indicator -> {gemeinde: {ortsteil id: count}} for the
    Gemeinden with Ortsteile (their Gemeinde count is the Σ; ids = Gemeinde id + 3-digit key). Builds all levels
    (Σ), runs primary + secondary suppression (int_geheimhaltung__primaer rule + the Python model) and returns the
    published rows."""
    rows = []
    counts = {ind: dict(per_g) for ind, per_g in counts.items()}
    for ind, per_g in (ortsteile or {}).items():
        for g, per_o in per_g.items():
            counts[ind][g] = sum(per_o.values())
            for o, n in per_o.items():
                rows.append(dict(kreis_ags=kreis, sozialraum_id=next(sr for sr, gs in sozialraeume.items() if g in gs),
                                 jahr=jahr, gebiet_ebene="ortsteil", gebiet_id=o, indikator_id=ind, anzahl=n))
    for ind, per_g in counts.items():
        for sr, gs in sozialraeume.items():
            for g in gs:
                rows.append(dict(kreis_ags=kreis, sozialraum_id=sr, jahr=jahr, gebiet_ebene="gemeinde", gebiet_id=g,
                                 indikator_id=ind, anzahl=per_g[g]))
            rows.append(dict(kreis_ags=kreis, sozialraum_id=sr, jahr=jahr, gebiet_ebene="sozialraum", gebiet_id=sr,
                             indikator_id=ind, anzahl=sum(per_g[g] for g in gs)))
        rows.append(dict(kreis_ags=kreis, sozialraum_id=None, jahr=jahr, gebiet_ebene="kreis", gebiet_id=kreis,
                         indikator_id=ind, anzahl=sum(per_g.values())))
    frame = pd.DataFrame(rows)
    frame["ist_unterdrueckbar"] = frame["gebiet_ebene"].isin(["ortsteil", "gemeinde", "sozialraum"])
    frame["ist_primaer"] = frame["ist_unterdrueckbar"] & (frame["anzahl"] > 0) & (frame["anzahl"] < MIN_CELL)
    decided = algo.decide(frame, AUFTEILUNGEN, NENNER_INDIKATOR)
    return to_published(decided)


def to_published(decided: pd.DataFrame) -> pd.DataFrame:
    """The mart shape: the § 8a share has the § 8a count as nenner, the other rates a public population."""
    out = decided.copy()
    count_of = {(r.jahr, r.gebiet_ebene, r.gebiet_id, r.indikator_id): r.anzahl for r in out.itertuples()}
    out["nenner"] = [
        float(count_of[(r.jahr, r.gebiet_ebene, r.gebiet_id, NENNER_INDIKATOR[r.indikator_id])])
        if r.indikator_id in NENNER_INDIKATOR else 1000.0
        for r in out.itertuples()
    ]
    out["einheit"] = ["%" if i in NENNER_INDIKATOR else "je 1.000" for i in out["indikator_id"]]
    out["zaehler"] = out["anzahl"].astype(float).where(~out["zaehler_unterdrueckt"])
    out["nenner"] = out["nenner"].where(~out["nenner_unterdrueckt"])
    faktor = out["einheit"].map(FAKTOR)
    out["wert"] = (out["zaehler"] / out["nenner"] * faktor).where(out["nenner"] > 0)
    out["ist_unterdrueckt"] = out["zaehler_unterdrueckt"]
    return out


def state(published: pd.DataFrame, ind: str) -> dict[str, bool]:
    rows = published[published["indikator_id"] == ind]
    return dict(zip(rows["gebiet_id"], rows["ist_unterdrueckt"], strict=True))


def assert_safe(published: pd.DataFrame) -> None:
    confidential = set(published["indikator_id"])
    leaks = attack(published, confidential)
    assert not leaks, f"recomputable suppressed cells: {leaks}"
    small = small_published_counts(published, confidential)
    assert small.empty, f"published small counts:\n{small}"


def assert_random_kreis_protected(published: pd.DataFrame, confidential: set[str], protectable: bool,
                                  seed: int) -> None:
    """No recoverable suppressed cell, no published small count, no suppressed Kreis row. Cells that cannot
    be protected at all (a Kreis with one Gemeinde / one Sozialraum: `protectable` false) are not a failure
    of the algorithm; every other leak is."""
    leaks = attack(published, confidential)
    if protectable:
        assert not leaks, f"seed {seed}: {leaks}"
    assert small_published_counts(published, confidential).empty
    assert not published[published["gebiet_ebene"] == "kreis"]["ist_unterdrueckt"].any()


def flat(values: dict[str, int], default: int = 20) -> dict[str, int]:
    gs = [g for members in SOZIALRAEUME.values() for g in members]
    return {g: values.get(g, default) for g in gs}


def test_attacker_recovers_cells_of_a_primary_only_suppression():
    """Self-test: with only the primary cell suppressed, the attacker recomputes it (the test can fail)."""
    counts = {"junge_volljaehrige_eckwert": flat({"g02": 1})}
    naive = publish(counts)
    naive["zaehler_unterdrueckt"] = naive["gebiet_id"].eq("g02")
    naive["nenner_unterdrueckt"] = False
    naive = to_published(naive)
    leaks = attack(naive, {"junge_volljaehrige_eckwert"})
    assert set(leaks) == {(2020, "gemeinde", "g02", "junge_volljaehrige_eckwert")}
    assert leaks[(2020, "gemeinde", "g02", "junge_volljaehrige_eckwert")] in ("Sozialraum − Σ Gemeinden", "Kreis − Σ Gemeinden")

    # ... and a published rate next to a removed count gives the count back
    naive.loc[naive["gebiet_id"].eq("g02"), "wert"] = 1.0
    assert attack(naive, {"junge_volljaehrige_eckwert"})[(2020, "gemeinde", "g02", "junge_volljaehrige_eckwert")] == "wert × nenner"


def test_attacker_uses_linear_combinations_beyond_single_differences():
    """Self-test: two suppressed Gemeinden in one Sozialraum, but one of them is alone in its breakdown
    equation elsewhere: only the combination of several equations recovers it."""
    counts = {
        "hze_eckwert": flat({"g01": 5, "g02": 5}),
        "hze_ambulant_eckwert": flat({"g01": 3, "g02": 3}, default=10),
        "hze_stationaer_eckwert": flat({"g01": 2, "g02": 2}, default=10),
    }
    table = publish(counts)
    cells = {("g01", "hze_eckwert"), ("g02", "hze_eckwert"), ("g01", "hze_ambulant_eckwert")}
    table["zaehler_unterdrueckt"] = [(g, i) in cells for g, i in zip(table["gebiet_id"], table["indikator_id"], strict=True)]
    table["nenner_unterdrueckt"] = False
    leaks = attack(to_published(table), set(counts))
    # g01 ambulant is alone in SR1/ambulant → recovered; then g01 total via breakdown; then g02 via SR1
    assert set(leaks) == {(2020, "gemeinde", g, i) for g, i in cells}


def test_single_small_cell_gets_smallest_positive_complement_in_its_sozialraum():
    counts = {"junge_volljaehrige_eckwert": flat({"g02": 2, "g03": 7, "g01": 9})}
    published = publish(counts)
    s = state(published, "junge_volljaehrige_eckwert")
    assert s["g02"] and s["g03"], "primary cell and its smallest complement in SR1"
    assert not s["g01"] and not s["SR1"] and not s["K"]
    assert sum(s.values()) == 2
    assert_safe(published)


def test_zero_cells_are_the_last_choice_for_complements():
    counts = {"inobhutnahmen_je_1000_u18": flat({"g01": 1, "g02": 0, "g03": 4})}
    s = state(publish(counts), "inobhutnahmen_je_1000_u18")
    assert s["g01"] and s["g03"] and not s["g02"]
    assert_safe(publish(counts))


def test_kreis_totals_stay_published_and_sozialraum_totals_are_protected():
    # every Gemeinde of SR2 small → SR2 itself is small (primary); Kreis − Σ other SR must not reveal it
    counts = {"eingliederungshilfe_35a_eckwert": flat({"g04": 1, "g05": 0, "g01": 1}, default=6)}
    published = publish(counts)
    s = state(published, "eingliederungshilfe_35a_eckwert")
    assert not s["K"]
    assert s["SR2"] and s["g04"] and s["g01"]
    assert sum(v for k, v in s.items() if k.startswith("SR")) >= 2
    assert_safe(published)


def test_breakdown_ambulant_stationaer_total_is_protected():
    counts = {
        "hze_eckwert": flat({"g01": 12}, default=30),
        "hze_ambulant_eckwert": flat({"g01": 10}, default=20),
        "hze_stationaer_eckwert": flat({"g01": 2}, default=10),
    }
    published = publish(counts)
    assert state(published, "hze_stationaer_eckwert")["g01"]
    # total − ambulant would give stationär: ambulant or the total of g01 must be suppressed too
    assert state(published, "hze_ambulant_eckwert")["g01"] or state(published, "hze_eckwert")["g01"]
    assert_safe(published)


def test_share_is_suppressed_with_its_suppressed_nenner():
    counts = {
        "gefaehrdungseinschaetzungen_je_1000_u18": flat({"g05": 2}, default=8),
        "anteil_akute_latente_gefaehrdung": flat({"g05": 2}, default=4),
    }
    published = publish(counts)
    row = published[(published["gebiet_id"] == "g05") & (published["indikator_id"] == "anteil_akute_latente_gefaehrdung")].iloc[0]
    assert row["ist_unterdrueckt"] and pd.isna(row["zaehler"]) and pd.isna(row["nenner"]) and pd.isna(row["wert"])
    assert_safe(published)


def test_hze_shares_are_suppressed_with_the_hze_count_and_protect_their_own_small_counts():
    """The shares of HzE cases with transfer income / single parents divide by the HzE count (a published
    count itself): a suppressed HzE count takes both shares with it (zaehler, nenner, wert), and a small
    share count is suppressed and protected against Kreis − Σ Gemeinden like any other count."""
    counts = {
        "hze_eckwert": flat({"g02": 2}, default=12),
        "hze_ambulant_eckwert": flat({"g02": 1}, default=8),
        "hze_stationaer_eckwert": flat({"g02": 1}, default=4),
        "hze_anteil_transferleistung": flat({"g02": 1, "g06": 2}, default=5),
        "hze_anteil_alleinerziehend": flat({"g02": 2}, default=6),
    }
    published = publish(counts)
    for ind in ("hze_anteil_transferleistung", "hze_anteil_alleinerziehend"):
        row = published[(published["gebiet_id"] == "g02") & (published["indikator_id"] == ind)].iloc[0]
        assert row["ist_unterdrueckt"] and pd.isna(row["zaehler"]) and pd.isna(row["nenner"]) and pd.isna(row["wert"])
    g06 = published[(published["gebiet_id"] == "g06") & (published["indikator_id"] == "hze_anteil_transferleistung")].iloc[0]
    assert g06["ist_unterdrueckt"] and pd.isna(g06["zaehler"]) and g06["nenner"] == 12  # the HzE count stays public
    assert sum(state(published, "hze_anteil_transferleistung").values()) >= 3  # g02, g06 and a complementary cell
    assert_safe(published)


def test_gemeinde_that_is_its_own_sozialraum():
    sozialraeume = {"SR1": ["g01", "g02", "g03"], "g04": ["g04"], "SR3": ["g05", "g06"]}
    counts = {"junge_volljaehrige_eckwert": {"g01": 8, "g02": 9, "g03": 7, "g04": 1, "g05": 5, "g06": 6}}
    published = publish(counts, sozialraeume=sozialraeume)
    leaks = attack(published, set(counts))
    assert not leaks
    s = published[published["gebiet_ebene"] == "sozialraum"].set_index("gebiet_id")["ist_unterdrueckt"]
    assert s["g04"] and s.sum() >= 2


def test_choice_is_deterministic():
    counts = {"hze_eckwert": flat({"g01": 1, "g06": 2, "g07": 2}, default=5),
              "hze_ambulant_eckwert": flat({"g01": 1, "g06": 1, "g07": 2}, default=3),
              "hze_stationaer_eckwert": flat({"g01": 0, "g06": 1, "g07": 0}, default=2)}
    first = publish(counts)
    second = publish({k: dict(reversed(list(v.items()))) for k, v in reversed(list(counts.items()))})
    key = ["gebiet_ebene", "gebiet_id", "indikator_id"]
    a = first.sort_values(key)[key + ["ist_unterdrueckt"]].reset_index(drop=True)
    b = second.sort_values(key)[key + ["ist_unterdrueckt"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert_safe(first)


@pytest.mark.parametrize("seed", range(40))
def test_random_blocks_cannot_be_attacked(seed):
    """Random Kreise (random Sozialraum layouts, many small counts, all indicators): no leak."""
    rng = np.random.default_rng(seed)
    n_sr = int(rng.integers(2, 6))
    sozialraeume, g = {}, 0
    for s in range(n_sr):
        size = int(rng.integers(1, 5))
        sozialraeume[f"SR{s}"] = [f"g{g + i:02d}" for i in range(size)]
        g += size
    gs = [x for members in sozialraeume.values() for x in members]
    lam = rng.uniform(0.3, 6)
    amb = {x: int(rng.poisson(lam)) for x in gs}
    sta = {x: int(rng.poisson(lam / 2)) for x in gs}
    total_8a = {x: int(rng.poisson(lam)) for x in gs}
    counts = {
        "hze_eckwert": {x: amb[x] + sta[x] for x in gs},
        "hze_ambulant_eckwert": amb,
        "hze_stationaer_eckwert": sta,
        "junge_volljaehrige_eckwert": {x: int(rng.poisson(lam / 3)) for x in gs},
        "gefaehrdungseinschaetzungen_je_1000_u18": total_8a,
        "anteil_akute_latente_gefaehrdung": {x: int(rng.binomial(total_8a[x], 0.4)) for x in gs},
    }
    published = publish(counts, sozialraeume=sozialraeume)
    confidential = set(counts)
    assert_random_kreis_protected(published, confidential, len(sozialraeume) > 1 and len(gs) > 1, seed)


def test_large_kreis_where_every_gemeinde_is_its_own_sozialraum():
    """Regions without a Sozialraum mapping (every Gemeinde its own Sozialraum): Sozialraum = Gemeinde,
    so a suppressed Gemeinde takes its Sozialraum with it, and both Kreis equations need complements."""
    rng = np.random.default_rng(2024)
    sozialraeume = {f"g{i:03d}": [f"g{i:03d}"] for i in range(60)}
    gs = list(sozialraeume)
    amb = {x: int(rng.poisson(4)) for x in gs}
    sta = {x: int(rng.poisson(1.5)) for x in gs}
    counts = {
        "hze_eckwert": {x: amb[x] + sta[x] for x in gs},
        "hze_ambulant_eckwert": amb,
        "hze_stationaer_eckwert": sta,
        "inobhutnahmen_je_1000_u18": {x: int(rng.poisson(0.8)) for x in gs},
    }
    published = publish(counts, sozialraeume=sozialraeume)
    gem = published[published["gebiet_ebene"] == "gemeinde"].set_index(["gebiet_id", "indikator_id"])["ist_unterdrueckt"]
    sr = published[published["gebiet_ebene"] == "sozialraum"].set_index(["gebiet_id", "indikator_id"])["ist_unterdrueckt"]
    assert (gem == sr.reindex(gem.index)).all()
    assert gem.sum() > 10
    assert_safe(published)


# Ortsteil level: Gemeinde ids of 8 characters (the Ortsteil id is the Gemeinde id + a 3-digit key)
OT_SOZIALRAEUME = {"SR1": ["06432001", "06432002", "06432003"], "SR2": ["06432004", "06432005"]}


def ot_flat(values: dict[str, int], default: int = 20) -> dict[str, int]:
    return {g: values.get(g, default) for gs in OT_SOZIALRAEUME.values() for g in gs}


def test_attacker_recovers_an_ortsteil_from_its_gemeinde_total():
    """Self-test: a suppressed Ortsteil next to its published siblings and Gemeinde is recomputed (Gemeinde − Σ
    Ortsteile), so the attack can fail at this level."""
    ortsteile = {"junge_volljaehrige_eckwert": {"06432001": {"06432001001": 9, "06432001002": 1, "06432001003": 6}}}
    naive = publish({"junge_volljaehrige_eckwert": ot_flat({})}, sozialraeume=OT_SOZIALRAEUME, ortsteile=ortsteile)
    naive["zaehler_unterdrueckt"] = naive["gebiet_id"].eq("06432001002")
    naive["nenner_unterdrueckt"] = False
    leaks = attack(to_published(naive), {"junge_volljaehrige_eckwert"})
    assert leaks == {(2020, "ortsteil", "06432001002", "junge_volljaehrige_eckwert"): "Gemeinde − Σ Ortsteile"}


def test_small_ortsteil_gets_a_complement_among_its_siblings():
    ortsteile = {"junge_volljaehrige_eckwert": {"06432001": {"06432001001": 9, "06432001002": 1, "06432001003": 6}}}
    published = publish({"junge_volljaehrige_eckwert": ot_flat({})}, sozialraeume=OT_SOZIALRAEUME,
                        ortsteile=ortsteile)
    s = state(published, "junge_volljaehrige_eckwert")
    assert s["06432001002"] and s["06432001003"], "primary Ortsteil and its smallest sibling"
    assert not s["06432001001"] and not s["06432001"] and not s["K"]
    assert_safe(published)


def test_gemeinde_suppressed_because_of_other_gemeinden_keeps_its_ortsteile_safe():
    """A Gemeinde suppressed as a complement at Sozialraum level must not be recomputable as Σ of its published
    Ortsteile: one of them goes too (the smaller one)."""
    ortsteile = {"inobhutnahmen_je_1000_u18": {"06432003": {"06432003001": 7, "06432003002": 5}}}
    published = publish({"inobhutnahmen_je_1000_u18": ot_flat({"06432002": 2}, default=30)},
                        sozialraeume=OT_SOZIALRAEUME, ortsteile=ortsteile)
    s = state(published, "inobhutnahmen_je_1000_u18")
    assert s["06432002"] and s["06432003"], "the smallest Gemeinde of SR1 is the complement"
    assert s["06432003002"] and not s["06432003001"]
    assert_safe(published)


@pytest.mark.parametrize("seed", range(30))
def test_random_blocks_with_ortsteile_cannot_be_attacked(seed):
    """Random Kreise where some Gemeinden have 2–5 Ortsteile with small counts: no leak at any level."""
    rng = np.random.default_rng(1000 + seed)
    sozialraeume, g = {}, 1
    for s in range(int(rng.integers(2, 5))):
        size = int(rng.integers(1, 4))
        sozialraeume[f"SR{s}"] = [f"06432{g + i:03d}" for i in range(size)]
        g += size
    gs = [x for members in sozialraeume.values() for x in members]
    lam = rng.uniform(0.3, 4)
    with_ot = [x for x in gs if rng.random() < 0.6]
    ortsteile: dict[str, dict[str, dict[str, int]]] = {}
    counts: dict[str, dict[str, int]] = {}
    for ind, factor in (("hze_eckwert", 1.0), ("inobhutnahmen_je_1000_u18", 0.4)):
        counts[ind] = {x: int(rng.poisson(lam * 3 * factor)) for x in gs}
        ortsteile[ind] = {x: {f"{x}{k:03d}": int(rng.poisson(lam * factor)) for k in range(1, int(rng.integers(2, 6)))}
                          for x in with_ot}
    published = publish(counts, sozialraeume=sozialraeume, ortsteile=ortsteile)
    confidential = set(counts)
    assert_random_kreis_protected(published, confidential, len(sozialraeume) > 1 and len(gs) > 1, seed)


def test_model_config_matches_attacker_knowledge():
    """The relations configured for the model are the ones the catalogue defines (and the attacker uses)."""
    config = next(m for m in yaml.safe_load(MODEL_YML.read_text())["models"] if m["name"] == "int_geheimhaltung__sekundaer")["config"]
    assert config["aufteilungen"] == AUFTEILUNGEN
    assert config["nenner_indikator"] == NENNER_INDIKATOR


# --------------------------------------------------------------------------------------------------
# The full pipeline: the published file of the demo build
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published_file(demo_build):
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        table = con.execute("select * from mart.sozialraum_indikatoren").df()
        catalogue = con.execute("select indikator_id, geheimhaltung from mart.indikatoren").df()
    return table, set(catalogue.loc[catalogue["geheimhaltung"].astype(bool), "indikator_id"])


def vertraulich_als_ortsteil() -> set[str]:
    """Public indicators whose Ortsteil cells are confidential (catalogue column geheim_ab_ebene = 'ortsteil': the
    Jobcenter's SGB II Ortsteil counts)."""
    with open(ROOT / "seeds" / "catalogue" / "indikatoren.csv", encoding="utf-8", newline="") as handle:
        return {row["indikator_id"] for row in csv.DictReader(handle) if row["geheim_ab_ebene"] == "ortsteil"}


@pytest.mark.slow
def test_published_file_cannot_be_attacked(published_file):
    table, confidential = published_file
    # the SGB II indicators with confidential Ortsteil cells are attacked too: their public Gemeinde, Sozialraum
    # and Kreis rows are what the attacker knows (Gemeinde − Σ published Ortsteile)
    assert {"sgb2_quote", "kinderarmut"} <= vertraulich_als_ortsteil()
    confidential = confidential | vertraulich_als_ortsteil()
    assert {"hze_eckwert", "inobhutnahmen_je_1000_u18", "anteil_akute_latente_gefaehrdung",
            "hze_anteil_transferleistung", "hze_anteil_alleinerziehend"} <= confidential
    rows = table[table["indikator_id"].isin(confidential)]
    assert len(rows) > 0, "no youth-welfare rows published"
    assert rows["ist_unterdrueckt"].any(), "nothing suppressed: the attack would prove nothing"
    # confidential Ortsteil cells (youth welfare, issue 12) take part: the attack covers Ortsteil → Gemeinde →
    # Sozialraum → Kreis, with suppressed and published Ortsteil cells present
    ortsteile = rows[rows["gebiet_ebene"].eq("ortsteil")]
    assert ortsteile["ist_unterdrueckt"].any() and (~ortsteile["ist_unterdrueckt"]).any()
    assert {"hze_eckwert", "inobhutnahmen_je_1000_u18", "sgb2_quote", "kinderarmut"} <= set(ortsteile["indikator_id"])
    sgb2 = ortsteile[ortsteile["indikator_id"].isin(vertraulich_als_ortsteil())]
    assert sgb2["ist_unterdrueckt"].any() and (~sgb2["ist_unterdrueckt"]).any()
    # the Sozialamt's Grundsicherung Ortsteil cells (altersarmut, issue 12) as well
    assert "altersarmut" in vertraulich_als_ortsteil()
    gs = ortsteile[ortsteile["indikator_id"].eq("altersarmut")]
    assert gs["ist_unterdrueckt"].any() and (~gs["ist_unterdrueckt"]).any()
    leaks = attack(table, confidential)
    assert not leaks, f"{len(leaks)} suppressed cells recomputable, e.g. {list(leaks.items())[:10]}"


@pytest.fixture(scope="module")
def published_months(demo_build) -> pd.DataFrame:
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        return con.execute("select * from mart.sgb2_monatswerte").df()


@pytest.mark.slow
def test_published_monthly_ortsteil_cells_cannot_be_attacked(published_months):
    """mart.sgb2_monatswerte: the Jobcenter's monthly Ortsteil cells (catalogue geheim_ab_ebene) against the public
    Gemeinde, Sozialraum and Kreis values of the same month. Each month is its own block (the attacker's `jahr` is
    the month); its December equals the annual row (test_sgb2_monatswerte), so the two marts add nothing."""
    confidential = vertraulich_als_ortsteil()
    table = published_months.assign(jahr=published_months["monat"].astype(str))
    ortsteile = table[table["gebiet_ebene"].eq("ortsteil") & table["indikator_id"].isin(confidential)]
    assert ortsteile["monat"].nunique() > 12
    assert ortsteile["ist_unterdrueckt"].any() and (~ortsteile["ist_unterdrueckt"]).any()
    leaks = attack(table, confidential)
    assert not leaks, f"{len(leaks)} suppressed monthly cells recomputable, e.g. {list(leaks.items())[:10]}"
    small = small_published_counts(ortsteile, confidential)
    assert small.empty, small[["monat", "gebiet_id", "indikator_id", "zaehler", "nenner"]].head(20)


@pytest.mark.slow
def test_published_file_has_no_small_counts_and_complete_kreis_totals(published_file):
    table, confidential = published_file
    ortsteil_zellen = table[table["gebiet_ebene"].eq("ortsteil")]
    small = pd.concat([small_published_counts(table, confidential),
                       small_published_counts(ortsteil_zellen, vertraulich_als_ortsteil())])
    assert small.empty, small[["jahr", "gebiet_ebene", "gebiet_id", "indikator_id", "zaehler", "nenner"]].head(20)
    kreis = table[table["indikator_id"].isin(confidential) & table["gebiet_ebene"].eq("kreis")]
    assert not kreis["ist_unterdrueckt"].any() and kreis["zaehler"].notna().all()
    suppressed = table[table["indikator_id"].isin(confidential) & table["ist_unterdrueckt"]]
    assert suppressed["wert"].isna().all() and suppressed["zaehler"].isna().all()


def test_sozialraum_of_a_split_gemeinde_is_the_sum_of_its_whole_gemeinden_and_ortsteile():
    """A Gemeinde split across Sozialräume by Ortsteile: its row has no sozialraum_id, its Ortsteile carry theirs.
    The equations are SR = Σ whole Gemeinden + Σ its Ortsteile of the split Gemeinde (and Gemeinde = Σ Ortsteile)."""
    def row(ebene, gid, sr, n):
        return dict(kreis_ags="K", sozialraum_id=sr, jahr=2020, gebiet_ebene=ebene, gebiet_id=gid,
                    indikator_id="i", anzahl=n)
    rows = [row("gemeinde", "06432001", None, 16), row("ortsteil", "06432001001", "SR1", 9),
            row("ortsteil", "06432001002", "SR2", 7), row("gemeinde", "06432002", "SR1", 20),
            row("gemeinde", "06432003", "SR2", 30), row("sozialraum", "SR1", "SR1", 29),
            row("sozialraum", "SR2", "SR2", 37), row("kreis", "K", None, 66)]
    values = {(r["gebiet_ebene"], r["gebiet_id"], "i"): r["anzahl"] for r in rows}
    equations = algo.area_equations(rows, values)
    assert (("sozialraum", "SR1", "i"), (("gemeinde", "06432002", "i"), ("ortsteil", "06432001001", "i"))) in equations
    assert (("sozialraum", "SR2", "i"), (("gemeinde", "06432003", "i"), ("ortsteil", "06432001002", "i"))) in equations
    assert (("gemeinde", "06432001", "i"), (("ortsteil", "06432001001", "i"), ("ortsteil", "06432001002", "i"))
            ) in equations
    # a small Ortsteil in SR2: suppressed with a complement so that SR2 − Gemeinde 06432003 does not reveal it
    frame = pd.DataFrame([{**r, "anzahl": 2} if r["gebiet_id"] == "06432001002" else r for r in rows])
    for gid, n in (("06432001", 11), ("SR2", 32), ("K", 61)):
        frame.loc[frame["gebiet_id"].eq(gid), "anzahl"] = n
    frame["ist_unterdrueckbar"] = frame["gebiet_ebene"].isin(["ortsteil", "gemeinde", "sozialraum"])
    frame["ist_primaer"] = frame["ist_unterdrueckbar"] & (frame["anzahl"] > 0) & (frame["anzahl"] < MIN_CELL)
    decided = algo.decide(frame, {}, {})
    weg = set(decided.loc[decided["zaehler_unterdrueckt"], "gebiet_id"])
    assert "06432001002" in weg
    # SR2 = 06432003 + 06432001002 and 06432001 = 06432001001 + 06432001002: neither may leave it alone
    assert weg & {"SR2", "06432003"} and weg & {"06432001", "06432001001"}, weg
