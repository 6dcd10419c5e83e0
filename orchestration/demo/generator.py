"""Writing the demo deliveries of every family into a landing folder (see the package docstring)."""

from __future__ import annotations

import csv
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import numpy as np
from tqdm import tqdm

from orchestration import settings
from orchestration.demo import einrichtungen as ein
from orchestration.demo import genesis_demo
from orchestration.demo import jugendhilfe as jh
from orchestration.demo import massnahmen as mn
from orchestration.demo import ortsteile as ot
from orchestration.demo import sozialdaten as sd
from orchestration.demo.genesis_io import DEMO_MARKER, read_genesis
from orchestration.demo.grundsicherung_ortsteile import write_grundsicherung_ortsteile
from orchestration.demo.model import (
    POP_YEARS,
    Kreis,
    clone_kreis,
    divers_counts,
    load_region,
    month_index,
    rng,
    simulate_grundsicherung,
    simulate_population,
    simulate_sgb2,
    suppress_sgb2,
)
from orchestration.demo.sgb2_ortsteile import write_sgb2_ortsteile
from orchestration.demo.sgb2_xlsx import Block, write_sgb2_xlsx

FAMILIES = ("genesis", "sgb2", "grundsicherung", "asylblg", "wohngeld", "melderegister", "jugendhilfe", "massnahmen", "einrichtungen")
CSV_PREAMBLE = f"# {DEMO_MARKER} (Sozialraum-Monitor-Demogenerator)\n"
IN_PROGRESS = ".demodaten_in_arbeit"
GERMANY_TABLE = settings.REPO_ROOT.parent / "shared" / "data" / "genesis" / "germany" / "12411-01-01-5_00.csv"
SYNTHETIC_LAND = "99"  # no real Land has this code
CALIBRATED_YEARS = range(2015, 2025)
SGB2_QUELLE = "Statistik der Bundesagentur für Arbeit / Kreisagentur für Beschäftigung {kreis}"

# the nationality is the last column, so the first six keep the layout of extracts without it
MELDEREGISTER_HEADER = "stichtag;ags;ortsteil;geschlecht;alter;anzahl;" + sd.HEADER_ZUSATZ
GRUNDSICHERUNG_HEADER = "stichtag;ags;gemeinde;empfaenger_65_plus;" + ";".join(sd.GRUNDSICHERUNG_ZUSATZ)


def scale_kreis_codes(n: int, exclude: str, germany_table: Path | None = GERMANY_TABLE) -> list[tuple[str, str]]:
    """Codes and names of `n` Kreise for a scale run.

    The real Kreis codes of Germany (5-digit rows with a population at 31.12.2015 in GENESIS
    12411-01-01-5, file order, without the bundled region's Kreis) when that table is available,
    then synthetic codes `99001`, `99002`, … (Land 99 does not exist).
    """
    out: list[tuple[str, str]] = []
    if germany_table is not None and Path(germany_table).is_file():
        with open(germany_table, encoding="utf-8") as handle:
            for line in handle:
                fields = line.rstrip("\n").split(";")
                if len(fields) > 2 and len(fields[0]) == 5 and fields[0].isdigit() and fields[2].isdigit() \
                        and fields[0] != exclude:
                    out.append((fields[0], f"{fields[1].strip()} (Demokreis)"))
                if len(out) >= n:
                    break
    serial = 1
    while len(out) < n:
        out.append((f"{SYNTHETIC_LAND}{serial:03d}", f"Demokreis {SYNTHETIC_LAND}{serial:03d}"))
        serial += 1
        if serial > 999:
            raise ValueError("scale too large: at most ~1,400 Kreise (real codes + 999 synthetic)")
    return out[:n]


def _open(path: Path, header: str, stack: ExitStack) -> TextIO:
    handle = stack.enter_context(open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20))
    handle.write(CSV_PREAMBLE)
    handle.write(header + "\n")
    return handle


def _write_melderegister(kreis: Kreis, pop: np.ndarray, divers: np.ndarray, foreign: np.ndarray, codes: np.ndarray,
                         handles: dict[int, TextIO], ortsteile: dict[str, list[str]] | None = None,
                         seed: int = 0) -> int:
    """Every Gemeinde × m/w × age: the German residents (`000`, zeros included), then the foreign ones of
    the cell (one row, one nationality, only where there are any); the `d` rows (German) after them.
    A Gemeinde with Ortsteile (`ortsteile`: AGS → keys) has each of these rows split over its Ortsteile
    (orchestration/demo/ortsteile.py): the German m/w rows for every Ortsteil, the others where > 0."""
    ortsteile = ortsteile or {}
    n_g = len(kreis.gemeinden)
    ages = np.arange(pop.shape[2])
    ags = np.array([g.ags for g in kreis.gemeinden])
    written = 0
    for year, handle in handles.items():
        yi = POP_YEARS.index(year)
        counts = pop[:, :, :, yi] - divers[:, :, :, yi]  # (g, sex, age)
        fremd = foreign[:, :, :, yi].reshape(-1)
        code = sd.nationality_code(codes[:, :, :, yi].reshape(-1))
        d = divers[:, :, :, yi].sum(axis=1)  # (g, age)
        cell = np.arange(n_g * 2 * len(ages))
        g_idx = np.repeat(np.arange(n_g), 2 * len(ages))
        sex = np.tile(np.repeat(np.array(["m", "w"]), len(ages)), n_g)
        age = np.tile(np.tile(ages, 2), n_g)
        anz = counts.reshape(-1) - fremd
        fc = np.nonzero(fremd)[0]
        dg, da = np.nonzero(d)
        # per Gemeinde: the m/w cells (German row, then the foreign row of the cell), then the d rows
        key = np.concatenate([g_idx * 3 * len(cell) + 2 * cell, g_idx[fc] * 3 * len(cell) + 2 * fc + 1,
                              dg * 3 * len(cell) + 2 * len(cell) + da])
        order = np.argsort(key, kind="stable")
        g_all = np.concatenate([g_idx, g_idx[fc], dg])[order]
        cols = [
            [f"31.12.{year}"] * len(g_all),
            ags[g_all].tolist(),
            [""] * len(g_all),
            np.concatenate([sex, sex[fc], np.full(len(dg), "d")])[order].tolist(),
            np.concatenate([age, age[fc], da])[order].astype(str).tolist(),
            np.concatenate([anz, fremd[fc], d[dg, da]])[order].astype(str).tolist(),
            np.concatenate([np.full(len(cell), "000"), code[fc], np.full(len(dg), "000")])[order].tolist(),
        ]
        lines = list(map(";".join, zip(*cols, strict=False)))
        if ortsteile:
            lines = _split_ortsteile(lines, ortsteile, seed, kreis.index, year, len(ages))
        handle.write("\n".join(lines) + "\n")
        written += len(lines)
    return written


def _split_ortsteile(lines: list[str], ortsteile: dict[str, list[str]], seed: int, kreis_index: int, year: int,
                     n_ages: int) -> list[str]:
    """The extract lines with the rows of Gemeinden with Ortsteile split over them (demo weights)."""
    profile = rng(seed, kreis_index, "ortsteile")  # the same age profile of an Ortsteil in every year
    weights = {ags: ot.age_weights(keys, ot.GEWICHTE.get(ags, {}), n_ages, profile)
               for ags, keys in sorted(ortsteile.items())}
    draw = rng(seed, kreis_index, "ortsteile", year)
    fields = [line.split(";") for line in lines]
    out: list[str] = []
    for f in fields:
        ags = f[1]
        if ags not in weights:
            out.append(";".join(f))
            continue
        keys = ortsteile[ags]
        parts = ot.split(np.array([int(f[5])]), np.array([int(f[4])]), weights[ags], draw)[0]
        every = f[3] in ("m", "w") and f[6] == "000"  # German m/w rows: every Ortsteil, zeros included
        for key, n in zip(keys, parts, strict=True):
            if every or n > 0:
                out.append(";".join([f[0], ags, key, f[3], f[4], str(n), f[6]]))
    return out


def _write_haushalte(kreis: Kreis, households: np.ndarray, handles: dict[int, TextIO]) -> int:
    types = list(sd.HAUSHALTSTYPEN_2011)
    written = 0
    for year, handle in handles.items():
        yi = POP_YEARS.index(year)
        lines = [f"31.12.{year};{g.ags};;{t};{households[gi, ti, yi]}"
                 for gi, g in enumerate(kreis.gemeinden) for ti, t in enumerate(types)]
        handle.write("\n".join(lines) + "\n")
        written += len(lines)
    return written


def _cell(value: int, suppressed: bool) -> str:
    return "." if suppressed else str(value)


def _write_counts(kreis: Kreis, values: np.ndarray, years: list[int], handles: dict[int, TextIO]) -> int:
    """One count per Gemeinde and year (Wohngeld, AsylbLG); 1 and 2 withheld (`.`)."""
    written = 0
    hidden = sd.withheld(values)
    for k, year in enumerate(years):
        lines = [f"31.12.{year};{g.ags};{g.name};{_cell(values[gi, k], hidden[gi, k])}"
                 for gi, g in enumerate(kreis.gemeinden)]
        handles[year].write("\n".join(lines) + "\n")
        written += len(lines)
    return written


def _write_grundsicherung(kreis: Kreis, values: np.ndarray, mask: np.ndarray, further: np.ndarray, years: list[int],
                          handles: dict[int, TextIO]) -> int:
    written = 0
    hidden = sd.withheld(further)
    for k, year in enumerate(years):
        lines = [f"31.12.{year};{g.ags};{g.name};{'.' if mask[gi, k] else values[gi, k]};"
                 + ";".join(_cell(further[gi, j, k], hidden[gi, j, k]) for j in range(further.shape[1]))
                 for gi, g in enumerate(kreis.gemeinden)]
        handles[year].write("\n".join(lines) + "\n")
        written += len(lines)
    return written


def write_region_profile(folder: Path, kreise: list[Kreis], base_dir: Path) -> Path:
    """Region folder of a scale run: `region.yml` (ags ""), `sozialraeume.csv`, `gemeinden_stammdaten.csv`, and the
    bundled region's `ortsteile.csv` (the clones have no Ortsteile)."""
    folder.mkdir(parents=True, exist_ok=True)
    if (base_dir / "ortsteile.csv").is_file():
        shutil.copyfile(base_dir / "ortsteile.csv", folder / "ortsteile.csv")
    (folder / "region.yml").write_text(
        "# Region profile of a demo scale run (DEMODATEN – synthetisch erzeugt, keine echten Daten).\n"
        "# Written by `sozialmonitor demo-data --scale N`; ags \"\" = no prefix filter (all Kreise).\n"
        'ags: ""\n'
        f'name: "Demo-Skalierung: {len(kreise)} Kreise (DEMODATEN)"\n',
        encoding="utf-8",
    )
    with open(base_dir / "sozialraeume.csv", encoding="utf-8", newline="") as handle:
        base_sr = {r["ags"]: r for r in csv.DictReader(handle)}
    with open(base_dir / "gemeinden_stammdaten.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        stamm_fields = list(reader.fieldnames or [])
        base_stamm = {r["ags"]: r for r in reader}
    base_ags = [g.ags for g in kreise[0].gemeinden]
    with open(folder / "sozialraeume.csv", "w", encoding="utf-8", newline="") as sr_handle, \
            open(folder / "gemeinden_stammdaten.csv", "w", encoding="utf-8", newline="") as st_handle:
        sr = csv.writer(sr_handle, lineterminator="\n")
        st = csv.DictWriter(st_handle, fieldnames=stamm_fields, lineterminator="\n")
        sr.writerow(["ags", "sozialraum_id", "sozialraum_name"])
        st.writeheader()
        for kreis in kreise:
            for gi, g in enumerate(kreis.gemeinden):
                b = base_sr[base_ags[gi]]
                if kreis.is_clone:
                    sr.writerow([g.ags, f"{kreis.code}-{b['sozialraum_id']}",
                                 f"{kreis.short_name}: {b['sozialraum_name']}"])
                    row = dict(base_stamm[base_ags[gi]])
                    row.update(ags=g.ags, ars=f"{g.ags[:5]}0000{g.ags[5:]}", name_gv=g.name, gemeindetyp="Gemeinde")
                    st.writerow(row)
                else:
                    sr.writerow([b["ags"], b["sozialraum_id"], b["sozialraum_name"]])
                    st.writerow(base_stamm[g.ags])
    return folder


def generate_demo_deliveries(
    landing: Path,
    *,
    region_dir: Path = settings.DEFAULT_REGION,
    years: range = CALIBRATED_YEARS,
    seed: int = 20151231,
    scale: int = 1,
    progress: bool = True,
    region_out: Path | None = None,
    germany_table: Path | None = GERMANY_TABLE,
    data_dir: Path = settings.SHIPPED_DATA,
) -> dict:
    """Write demo deliveries of every family into `landing` (see the package docstring); a summary."""
    started = time.perf_counter()
    years = list(years)
    if not years or min(years) < CALIBRATED_YEARS.start or max(years) >= CALIBRATED_YEARS.stop:
        raise ValueError(f"demo years must lie within {CALIBRATED_YEARS.start}–{CALIBRATED_YEARS.stop - 1}")
    if scale < 1:
        raise ValueError("scale must be ≥ 1")
    landing = Path(landing)
    for family in FAMILIES:
        (landing / family).mkdir(parents=True, exist_ok=True)
    marker = landing / IN_PROGRESS
    marker.write_text("Demodaten werden geschrieben; unvollständig, solange diese Datei existiert.\n",
                      encoding="utf-8")

    base = load_region(Path(region_dir), data_dir)
    ortsteile = ot.read_ortsteile(Path(region_dir))
    kreise = [base]
    for i, (code, name) in enumerate(scale_kreis_codes(scale - 1, base.code, germany_table), start=1):
        kreise.append(clone_kreis(base, i, code, name, seed))
    pop_years = [y for y in POP_YEARS if min(years) - 1 <= y <= max(years)]
    sgb2_months = [(y, m) for y in years for m in (range(1, 13) if scale == 1 else (6, 12))]
    files = {f: 0 for f in FAMILIES}
    records = {f: 0 for f in FAMILIES}
    records.update({"jugendhilfe_hilfen": 0, "jugendhilfe_gefaehrdungen_8a": 0, "jugendhilfe_inobhutnahmen_42": 0,
                    "melderegister_einwohner": 0, "melderegister_haushalte": 0, "sgb2_ortsteile": 0,
                    "grundsicherung_ortsteile": 0})
    sgb2_blocks: dict[tuple[int, int], list[Block]] = {ym: [] for ym in sgb2_months}
    base_pop = None

    with ExitStack() as stack:
        mel = {y: _open(landing / "melderegister" / f"melderegister_{y}1231.csv", MELDEREGISTER_HEADER, stack)
               for y in pop_years}
        hh = {y: _open(landing / "melderegister" / f"melderegister_haushalte_{y}1231.csv", sd.HAUSHALTE_HEADER, stack)
              for y in pop_years}
        gs = {y: _open(landing / "grundsicherung" / f"grundsicherung_alter_{y}.csv", GRUNDSICHERUNG_HEADER, stack)
              for y in years}
        wg = {y: _open(landing / "wohngeld" / f"wohngeld_{y}.csv", sd.WOHNGELD_HEADER, stack) for y in years}
        ab = {y: _open(landing / "asylblg" / f"asylblg_{y}.csv", sd.ASYLBLG_HEADER, stack) for y in years}
        jf = landing / "jugendhilfe"
        hilfen = {y: _open(jf / f"hilfen_{y}.csv", jh.HILFEN_HEADER, stack) for y in years}
        gef = {y: _open(jf / f"gefaehrdungen_8a_{y}.csv", jh.GEFAEHRDUNGEN_HEADER, stack) for y in years}
        iob = {y: _open(jf / f"inobhutnahmen_42_{y}.csv", jh.INOBHUTNAHMEN_HEADER, stack) for y in years}
        files["melderegister"] += len(mel) + len(hh)
        files["grundsicherung"] += len(gs)
        files["wohngeld"] += len(wg)
        files["asylblg"] += len(ab)
        files["jugendhilfe"] += 3 * len(years)
        bar = stack.enter_context(tqdm(total=len(kreise), desc="Demodaten", unit="Kreis", disable=not progress))
        for kreis in kreise:
            pop = simulate_population(kreis, seed)
            if kreis.index == 0:
                base_pop = pop
            divers = divers_counts(kreis, pop, seed)
            base_ags = [g.ags for g in base.gemeinden]  # a scale clone's Gemeinde i is a copy of the region's i
            foreign, codes = sd.simulate_nationality(kreis, base_ags, pop - divers, seed)
            records["melderegister_einwohner"] += _write_melderegister(
                kreis, pop, divers, foreign, codes, mel, ortsteile if kreis.index == 0 else None, seed)
            households = sd.simulate_households(kreis, pop, seed)
            records["melderegister_haushalte"] += _write_haushalte(kreis, households, hh)
            values, mask = simulate_grundsicherung(kreis, pop, seed, years)
            further = sd.simulate_sozialhilfe(kreis, pop, values, seed, years)
            records["grundsicherung"] += _write_grundsicherung(kreis, values, mask, further, years, gs)
            if kreis.index == 0:  # the Sozialamt's Ortsteil counts of the base Kreis (issue 12)
                records["grundsicherung_ortsteile"] += write_grundsicherung_ortsteile(
                    landing / "grundsicherung", [g.ags for g in kreis.gemeinden], values, further, years, ortsteile, seed)
            records["wohngeld"] += _write_counts(kreis, sd.simulate_wohngeld(kreis, households, seed, years), years, wg)
            records["asylblg"] += _write_counts(kreis, sd.simulate_asylblg(kreis, base_ags, pop, seed, years), years, ab)
            sgb2 = simulate_sgb2(kreis, pop, seed, last_year=max(years))
            for ym in sgb2_months:
                block = sgb2[:, month_index(*ym)]
                sgb2_blocks[ym].append(Block(kreis.code, kreis.short_name if kreis.is_clone else
                                             f"Landkreis {kreis.short_name}", [g.ags for g in kreis.gemeinden],
                                             [g.name for g in kreis.gemeinden], block, suppress_sgb2(block)))
            n = jh.write_hilfen(kreis, pop, seed, years, hilfen, ortsteile if kreis.index == 0 else None)
            records["jugendhilfe_hilfen"] += n
            n = jh.write_gefaehrdungen(kreis, pop, seed, years, gef, ortsteile if kreis.index == 0 else None)
            records["jugendhilfe_gefaehrdungen_8a"] += n
            n = jh.write_inobhutnahmen(kreis, pop, seed, years, iob, ortsteile if kreis.index == 0 else None)
            records["jugendhilfe_inobhutnahmen_42"] += n
            bar.update(1)
            bar.set_postfix(jugendhilfe=records["jugendhilfe_hilfen"] + records["jugendhilfe_gefaehrdungen_8a"]
                            + records["jugendhilfe_inobhutnahmen_42"])
    records["jugendhilfe"] = (records["jugendhilfe_hilfen"] + records["jugendhilfe_gefaehrdungen_8a"]
                              + records["jugendhilfe_inobhutnahmen_42"])
    records["melderegister"] = records["melderegister_einwohner"] + records["melderegister_haushalte"]

    # the facility register of the bundled region (issue 13 part 5: orchestration/demo/einrichtungen.py)
    files["einrichtungen"], records["einrichtungen"] = ein.write_einrichtungen(
        landing / "einrichtungen", base, base_pop, Path(region_dir), seed, max(years))

    quelle = SGB2_QUELLE.format(kreis=base.short_name if scale == 1 else "(Demo-Skalierung)")
    for (y, m), blocks in tqdm(sgb2_blocks.items(), desc="SGB II xlsx", unit="Datei", disable=not progress):
        records["sgb2"] += write_sgb2_xlsx(landing / "sgb2" / f"sgb2_gemeinden_{y}{m:02d}.xlsx", y, m, blocks, quelle)
        files["sgb2"] += 1
        # the Jobcenter's Ortsteil counts of the base Kreis (issue 12)
        records["sgb2_ortsteile"] += write_sgb2_ortsteile(landing / "sgb2" / f"sgb2_ortsteile_{y}{m:02d}.csv", y, m,
                                                          blocks[0], ortsteile)
    del sgb2_blocks

    genesis = landing / "genesis"
    real_dir = Path(data_dir) / "genesis" / "dadi"
    copies = []
    for real in sorted(real_dir.glob("*.csv")):
        shutil.copyfile(real, genesis / real.name)
        copies.append(genesis / real.name)
    demo_files = (
        genesis_demo.write_population_tables(base, base_pop, real_dir, genesis, years)
        + genesis_demo.write_unemployed(base, real_dir, genesis, years, seed)
        + genesis_demo.write_employees(base, real_dir, genesis, years, seed)
        + genesis_demo.write_moves(base, real_dir, genesis, years, seed)
        + genesis_demo.write_employees_workplace(base, real_dir, genesis, years, seed)
        + genesis_demo.write_average_age(base, base_pop, real_dir, genesis, years)
    )
    files["genesis"] = len(copies) + len(demo_files)
    records["genesis"] = sum(len(read_genesis(p).rows) for p in copies + demo_files)  # table rows

    files["massnahmen"], records["massnahmen"] = mn.write_massnahmen(landing / "massnahmen", base, Path(region_dir),
                                                                     max(years))

    summary: dict = {
        "landing": str(landing),
        "kreise": len(kreise),
        "gemeinden": sum(len(k.gemeinden) for k in kreise),
        "jahre": f"{min(years)}–{max(years)}",
        "seed": seed,
        "dateien": files,
        "datensaetze": records,
    }
    if scale > 1:
        summary["region"] = str(write_region_profile(region_out or landing / "_region", kreise, Path(region_dir)))
    marker.unlink()
    summary["sekunden"] = round(time.perf_counter() - started, 1)
    return summary


def has_deliveries(landing: Path) -> bool:
    """Whether the landing folder holds any delivery file of any family."""
    landing = Path(landing)
    return any(p.is_file() for family in FAMILIES if (landing / family).is_dir() for p in (landing / family).iterdir())


def ensure_demo_deliveries(landing: Path, **kwargs) -> dict | None:
    """Generate demo deliveries unless `landing` already holds deliveries; the summary, or None if skipped.

    An interrupted earlier generation (marker file still present) is completed by generating again
    (the files are deterministic, so the same names get the same bytes).
    """
    landing = Path(landing)
    if has_deliveries(landing) and not (landing / IN_PROGRESS).exists():
        return None
    kwargs.setdefault("progress", False)
    return generate_demo_deliveries(landing, **kwargs)
