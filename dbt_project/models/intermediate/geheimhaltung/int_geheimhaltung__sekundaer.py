"""Secondary suppression (sekundäre Geheimhaltung) of the confidential youth-welfare counts.

Input: `int_geheimhaltung__primaer` — one row per confidential indicator × area (ortsteil / gemeinde /
sozialraum / kreis) × year with its count (`anzahl` = the indicator's zaehler) and the primary flag
(0 < anzahl < disclosure_min_cell at Ortsteil, Gemeinde and Sozialraum level).

Output: the same rows with the final decision per row:
  `zaehler_unterdrueckt` — the count (and therefore wert) must not be published,
  `nenner_unterdrueckt`  — the row's nenner is itself a confidential count (§ 8a share: nenner = number
                           of § 8a assessments) that is suppressed,
  `unterdrueckungsgrund` — primaer | sekundaer | nenner (why; kept in the working database only — it
                           would reveal which suppressed cells are small, so it is never published).

The algorithm works per Kreis × year, on "cells" = (gebiet_ebene, gebiet_id, indikator_id):

1. Additive relations an attacker can use (each only if it holds exactly on the data):
   - areas: Kreis = Σ Sozialräume, Kreis = Σ Gemeinden, Sozialraum = Σ its members, Gemeinde = Σ its
     Ortsteile (per indicator; an Ortsteil's gebiet_id is its Gemeinde's AGS + a 3-digit key). The members of
     a Sozialraum are its whole Gemeinden and, for a Gemeinde split across Sozialräume by Ortsteile (its row
     has no sozialraum_id in that year), the Ortsteile with that sozialraum_id;
   - breakdowns (config `aufteilungen`): total = Σ parts for the same area, e.g.
     hze_eckwert = hze_ambulant_eckwert + hze_stationaer_eckwert.
   Rates are no extra relation: the denominators (population) are public, so a published rate reveals
   its count; rate and count are suppressed together (see int_geheimhaltung__indikatoren).
2. Linked counts (config `nenner_indikator`): a share whose nenner is another indicator's count
   (anteil_akute_latente_gefaehrdung ← gefaehrdungseinschaetzungen_je_1000_u18). When that count is
   suppressed, the share row is suppressed entirely (its zaehler cell becomes suppressed too: with
   zaehler and wert published the nenner could be recomputed).
3. Indicators that share an equation (hze_eckwert with its parts) form a group; the groups are solved
   one after another (count groups before share groups, so a suppressed § 8a count is known when its
   share is solved). Within a group, start from the primary cells and iterate until nothing changes:
   a. link propagation (2), whenever a cell is suppressed;
   b. simple subtraction rule (worklist of the equations that contain a newly suppressed cell): an
      equation with exactly one suppressed member reveals it → suppress one more published,
      suppressible member of that equation; an equation whose suppressed components sum to 0 reveals
      them all (non-negative counts) → add a component with a positive count, or its total;
   c. only when (b) is stable: full linear audit — a suppressed cell is recoverable iff its unit vector
      lies in the row space of the equation system over the suppressed cells (the null space of the
      system is zero at that cell; SVD). For a recoverable cell, suppress the preferred published
      member of an equation that contains it, then go back to (b).
   Complementary cells are chosen deterministically: Ortsteil/Gemeinde/Sozialraum cells only (Kreis totals stay
   published), components before totals, smallest positive count first, zero counts last, then by
   level, area id and indicator id. Every step adds a cell, so the loop terminates.
Cells without a value (zaehler NULL) are already unpublished and take no part in any equation.
A suppressed cell that no further suppression can protect (e.g. a Kreis of a single Gemeinde, whose total
stays published) is flagged `nicht_schuetzbar` (a dbt test warns about it).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

EBENE_RANG = {"ortsteil": 0, "gemeinde": 1, "sozialraum": 2, "kreis": 3}
UNTERDRUECKBAR = ("ortsteil", "gemeinde", "sozialraum")

Cell = tuple[str, str, str]  # (gebiet_ebene, gebiet_id, indikator_id)
Equation = tuple[Cell, tuple[Cell, ...]]  # total = Σ components


def area_equations(rows: Iterable[dict], values: dict[Cell, int | None]) -> list[Equation]:
    """Kreis = Σ Sozialräume, Kreis = Σ Gemeinden, Sozialraum = Σ whole Gemeinden + Σ Ortsteile of split Gemeinden,
    Gemeinde = Σ Ortsteile, per indicator, for one Kreis × year."""
    kreise: dict[str, set[str]] = defaultdict(set)
    sr_of_kreis: dict[str, set[str]] = defaultdict(set)
    g_of_kreis: dict[str, set[str]] = defaultdict(set)
    g_of_sr: dict[str, set[str]] = defaultdict(set)
    o_of_g: dict[str, set[str]] = defaultdict(set)
    o_of_sr: dict[str, set[str]] = defaultdict(set)
    split: set[str] = set()  # Gemeinden split across Sozialräume: their row has no sozialraum_id
    indicators: set[str] = set()
    for r in rows:
        indicators.add(r["indikator_id"])
        ebene, gid, kreis = r["gebiet_ebene"], r["gebiet_id"], r["kreis_ags"]
        if ebene == "kreis":
            kreise[gid]
        elif ebene == "sozialraum":
            sr_of_kreis[kreis].add(gid)
        elif ebene == "gemeinde":
            g_of_kreis[kreis].add(gid)
            if _hat_wert(r.get("sozialraum_id")):
                g_of_sr[r["sozialraum_id"]].add(gid)
            else:
                split.add(gid)
        elif ebene == "ortsteil":
            o_of_g[gid[:8]].add(gid)
            if _hat_wert(r.get("sozialraum_id")):
                o_of_sr[r["sozialraum_id"]].add(gid)
    equations: list[Equation] = []
    for ind in sorted(indicators):
        for kreis in sorted(kreise):
            for ebene, members in (("sozialraum", sr_of_kreis[kreis]), ("gemeinde", g_of_kreis[kreis])):
                if members:
                    equations.append(((("kreis", kreis, ind)), tuple((ebene, m, ind) for m in sorted(members))))
        for sr in sorted(g_of_sr.keys() | {sr for sr, os in o_of_sr.items() if any(o[:8] in split for o in os)}):
            parts = [("gemeinde", g, ind) for g in sorted(g_of_sr[sr])]
            parts += [("ortsteil", o, ind) for o in sorted(o_of_sr[sr]) if o[:8] in split]
            equations.append((("sozialraum", sr, ind), tuple(parts)))
        for g in sorted(o_of_g):
            equations.append((("gemeinde", g, ind), tuple(("ortsteil", o, ind) for o in sorted(o_of_g[g]))))
    return [e for e in equations if _holds(e, values)]


def _hat_wert(value: object) -> bool:
    """Not None / NaN / pd.NA (a missing sozialraum_id arrives as any of them from a DataFrame)."""
    return value is not None and not pd.isna(value)


def breakdown_equations(values: dict[Cell, int | None], aufteilungen: dict[str, list[str]]) -> list[Equation]:
    """total = Σ parts for every area that has all of them (config `aufteilungen`)."""
    areas = {(c[0], c[1]) for c in values}
    equations: list[Equation] = []
    for total, parts in sorted(aufteilungen.items()):
        for ebene, gid in sorted(areas):
            eq = ((ebene, gid, total), tuple((ebene, gid, p) for p in parts))
            if _holds(eq, values):
                equations.append(eq)
    return equations


def _holds(eq: Equation, values: dict[Cell, int | None]) -> bool:
    """The relation exists and is exact on the data (only then can an attacker use it)."""
    total, comps = eq
    members = (total, *comps)
    if any(values.get(c) is None for c in members):
        return False
    return values[total] == sum(values[c] for c in comps)


def preference(cell: Cell, values: dict[Cell, int | None], is_total: bool) -> tuple:
    """Sort key for complementary cells: components first, smallest positive count, zeros last."""
    v = values[cell]
    return (is_total, v == 0, v, EBENE_RANG[cell[0]], cell[1], cell[2])


def recoverable_cells(suppressed: set[Cell], equations: list[Equation], values: dict[Cell, int | None]) -> set[Cell]:
    """Suppressed cells an attacker can compute from the published cells of the equation system.

    Exact linear determinability (every combination of differences of totals and subtotals) plus the
    non-negativity argument "suppressed members of an equation sum to 0 → all are 0".
    """
    unknowns = sorted(c for c in suppressed if values.get(c) is not None)
    if not unknowns:
        return set()
    index = {c: i for i, c in enumerate(unknowns)}
    rows = []
    found: set[Cell] = set()
    for total, comps in equations:
        row = np.zeros(len(unknowns))
        rest = 0
        for cell, sign in ((total, 1.0), *((c, -1.0) for c in comps)):
            if cell in index:
                row[index[cell]] += sign
            else:
                rest += sign * values[cell]
        if np.any(row):
            rows.append(row)
            # suppressed components of this equation sum to (published total − published components)
            hidden = [c for c in comps if c in index]
            if total not in index and rest == 0 and hidden:
                found.update(hidden)
    if not rows:
        return found
    a = np.vstack(rows)
    # null space of a: the rows of vh beyond the rank (U is not needed in full when there are more equations)
    _, s, vh = np.linalg.svd(a, full_matrices=a.shape[0] < a.shape[1])
    tol = max(a.shape) * np.finfo(float).eps * (s[0] if len(s) else 1.0) * 100
    rank = int(np.sum(s > tol))
    null = vh[rank:]
    for cell, i in index.items():
        if null.shape[0] == 0 or np.all(np.abs(null[:, i]) < 1e-9):
            found.add(cell)
    return found


def suppress_block(
    values: dict[Cell, int | None],
    suppressible: set[Cell],
    primary: set[Cell],
    equations: list[Equation],
    linked: dict[Cell, Cell] | None = None,
) -> tuple[set[Cell], set[Cell], set[Cell]]:
    """Run the algorithm for one block. Returns (suppressed, forced_by_link, unprotectable).

    Equations are re-checked through a worklist (min-heap of equation numbers, so the order and the
    result are deterministic): only equations that contain a newly suppressed cell are looked at again.
    """
    linked = linked or {}
    suppressed: set[Cell] = set()
    forced: set[Cell] = set()
    unprotectable: set[Cell] = set()
    by_cell: dict[Cell, list[int]] = defaultdict(list)
    for n, (total, comps) in enumerate(equations):
        for c in (total, *comps):
            by_cell[c].append(n)
    shares_of: dict[Cell, list[Cell]] = defaultdict(list)
    for share_cell, count_cell in sorted(linked.items()):
        shares_of[count_cell].append(share_cell)
    pending: list[int] = []
    queued: set[int] = set()

    def suppress(cell: Cell) -> None:
        if cell in suppressed:
            return
        suppressed.add(cell)
        for n in by_cell[cell]:
            if n not in queued:
                queued.add(n)
                heapq.heappush(pending, n)
        # a. link propagation: a suppressed count suppresses the share that divides by it
        for share_cell in shares_of.get(cell, ()):
            if values.get(share_cell) is not None and share_cell not in suppressed:
                forced.add(share_cell)
                suppress(share_cell)

    def candidates(numbers: Iterable[int], positive_only: bool = False) -> list[tuple]:
        out = []
        for n in numbers:
            total, comps = equations[n]
            for cell, is_total in ((total, True), *((c, False) for c in comps)):
                if cell in suppressed or cell not in suppressible or values.get(cell) is None:
                    continue
                if positive_only and not is_total and values[cell] == 0:
                    continue  # another zero component would not hide a sum of zero; the total would
                out.append((preference(cell, values, is_total), cell))
        return sorted(out)

    for cell in sorted(primary):
        suppress(cell)
    while True:
        # b. simple subtraction: one suppressed member, or suppressed members summing to zero
        while pending:
            n = heapq.heappop(pending)
            queued.discard(n)
            total, comps = equations[n]
            hidden = [c for c in (total, *comps) if c in suppressed]
            if not hidden:
                continue
            hidden_comps = [c for c in comps if c in suppressed]
            zero_sum = total not in suppressed and bool(hidden_comps) and sum(values[c] for c in hidden_comps) == 0
            if len(hidden) == 1 or zero_sum:
                options = candidates([n], positive_only=zero_sum and len(hidden) > 1)
                if options:
                    suppress(options[0][1])
                    if n not in queued:
                        queued.add(n)
                        heapq.heappush(pending, n)
                else:
                    unprotectable.update(hidden)
        # c. full linear audit (only once the simple rule is stable)
        changed = False
        for cell in sorted(recoverable_cells(suppressed, equations, values) - unprotectable):
            numbers = by_cell[cell]
            options = candidates(numbers, positive_only=True) or candidates(numbers)
            if options:
                suppress(options[0][1])
                changed = True
                break
            unprotectable.add(cell)
        if not changed:
            return suppressed, forced, unprotectable


def indicator_groups(indicators: Iterable[str], aufteilungen: dict[str, list[str]],
                     nenner_indikator: dict[str, str]) -> list[list[str]]:
    """Indicators that share an equation (a breakdown) form one group; groups are independent except
    for the one-way link share → count, so groups of counts come before groups of shares."""
    parent = {i: i for i in indicators}

    def find(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for total, parts in aufteilungen.items():
        for p in parts:
            if total in parent and p in parent:
                parent[find(p)] = find(total)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in sorted(parent):
        groups[find(i)].append(i)
    shares = set(nenner_indikator)
    return sorted(groups.values(), key=lambda g: (any(i in shares for i in g), g))


def decide(frame: pd.DataFrame, aufteilungen: dict[str, list[str]], nenner_indikator: dict[str, str]) -> pd.DataFrame:
    """Apply primary + secondary suppression to all rows (several Kreise and years)."""
    out = []
    if "monat_nr" not in frame.columns:  # annual cells only
        frame = frame.assign(monat_nr=pd.array([pd.NA] * len(frame), dtype="Int32"))
    # one block per Kreis × year (annual cells, monat_nr NA) or Kreis × month (monthly cells of sgb2_monatswerte)
    for _key, block in frame.groupby(["kreis_ags", "jahr", "monat_nr"], sort=True, dropna=False):
        rows = block.to_dict("records")
        values: dict[Cell, int | None] = {}
        for r in rows:
            v = r["anzahl"]
            values[(r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"])] = None if pd.isna(v) else int(v)
        # primary rule and suppressibility come from int_geheimhaltung__primaer (SQL, unit-tested there)
        suppressible = {(r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"]) for r in rows if r["ist_unterdrueckbar"]}
        primary = {(r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"]) for r in rows if r["ist_primaer"]}
        linked = {
            (e, g, share): (e, g, count)
            for share, count in nenner_indikator.items()
            for (e, g, i) in values
            if i == share and (e, g, count) in values
        }
        suppressed: set[Cell] = set()
        forced: set[Cell] = set()
        unprotectable: set[Cell] = set()
        for group in indicator_groups({c[2] for c in values}, aufteilungen, nenner_indikator):
            members = set(group)
            group_rows = [r for r in rows if r["indikator_id"] in members]
            group_values = {c: v for c, v in values.items() if c[2] in members}
            equations = area_equations(group_rows, group_values) + breakdown_equations(group_values, aufteilungen)
            # a share whose count (an earlier group) is suppressed starts suppressed
            group_forced = {s for s, k in linked.items() if s[2] in members and k in suppressed
                            and group_values.get(s) is not None}
            group_links = {s: k for s, k in linked.items() if s[2] in members and k[2] in members}
            sup, frc, unp = suppress_block(group_values, suppressible & group_values.keys(),
                                         (primary & group_values.keys()) | group_forced, equations, group_links)
            suppressed |= sup
            forced |= frc | group_forced
            unprotectable |= unp
        for r in rows:
            cell = (r["gebiet_ebene"], r["gebiet_id"], r["indikator_id"])
            share_count = linked.get(cell)
            zaehler_weg = cell in suppressed
            nenner_weg = share_count is not None and share_count in suppressed
            grund = None
            if cell in primary:
                grund = "primaer"
            elif cell in forced or nenner_weg:
                grund = "nenner"
            elif zaehler_weg:
                grund = "sekundaer"
            out.append({**r, "zaehler_unterdrueckt": zaehler_weg or nenner_weg, "nenner_unterdrueckt": nenner_weg,
                        "unterdrueckungsgrund": grund, "nicht_schuetzbar": cell in unprotectable})
    columns = list(frame.columns) + ["zaehler_unterdrueckt", "nenner_unterdrueckt", "unterdrueckungsgrund",
                                     "nicht_schuetzbar"]
    result = pd.DataFrame(out, columns=columns)
    # explicit types, also for an empty result (a Landkreis without youth-welfare deliveries)
    return result.astype({
        "kreis_ags": "string", "sozialraum_id": "string", "jahr": "int32", "monat_nr": "Int32", "gebiet_ebene": "string",
        "gebiet_id": "string", "indikator_id": "string", "anzahl": "Int64", "ist_unterdrueckbar": "bool",
        "ist_primaer": "bool", "zaehler_unterdrueckt": "bool", "nenner_unterdrueckt": "bool",
        "unterdrueckungsgrund": "string", "nicht_schuetzbar": "bool",
    })


def model(dbt, session):
    dbt.config(materialized="table")
    aufteilungen = dbt.config.get("aufteilungen") or {}
    nenner_indikator = dbt.config.get("nenner_indikator") or {}
    frame = dbt.ref("int_geheimhaltung__primaer").df()
    frame = frame[["kreis_ags", "sozialraum_id", "jahr", "monat_nr", "gebiet_ebene", "gebiet_id", "indikator_id",
                   "anzahl", "ist_unterdrueckbar", "ist_primaer"]]
    return decide(frame, dict(aufteilungen), dict(nenner_indikator))
