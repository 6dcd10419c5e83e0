"""Demo Grundsicherung Ortsteil files of the Sozialamt: every Gemeinde count of the Gemeinde file split over the
Ortsteile of the 13 demo Gemeinden with Ortsteile into integers that add up exactly, labelled as demo data, loadable
by the ingest (a real file through the real loader)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from orchestration.demo import ortsteile as ot
from orchestration.demo.grundsicherung_ortsteile import HEADER, write_grundsicherung_ortsteile
from orchestration.ingest.grundsicherung import load_grundsicherung
from orchestration.ingest.region import Region, load_region
from orchestration.settings import Paths

BUNDLED = Path(__file__).resolve().parents[2] / "seeds" / "regions" / "darmstadt-dieburg"


def _inputs():
    ortsteile = ot.read_ortsteile(BUNDLED)
    gemeinden = sorted(ortsteile) + ["06432003"]  # 06432003 (Bickenbach) has no Ortsteile
    rng = np.random.default_rng(7)
    values = rng.integers(0, 400, (len(gemeinden), 2))
    further = rng.integers(0, 300, (len(gemeinden), 2, 2))
    return ortsteile, gemeinden, values, further


def test_split_sums_exactly_for_the_13_gemeinden_with_ortsteile(tmp_path):
    ortsteile, gemeinden, values, further = _inputs()
    assert len(ortsteile) == 13
    n = write_grundsicherung_ortsteile(tmp_path, gemeinden, values, further, [2016, 2017], ortsteile, seed=42)
    assert n == 2 * sum(len(k) for k in ortsteile.values())
    for k, year in enumerate((2016, 2017)):
        lines = (tmp_path / f"grundsicherung_ortsteile_{year}.csv").read_text(encoding="utf-8").splitlines()
        assert "DEMODATEN" in lines[0] and lines[1] == HEADER
        rows = [line.split(";") for line in lines[2:]]
        assert {r[1] for r in rows} == set(ortsteile)
        for gi, ags in enumerate(gemeinden[:-1]):
            mine = [r for r in rows if r[1] == ags]
            assert [r[2] for r in mine] == ortsteile[ags]
            assert sum(int(r[3]) for r in mine) == values[gi, k]
            for j in range(2):
                assert sum(int(r[4 + j]) for r in mine) == further[gi, j, k]
            assert all(int(x) >= 0 for r in mine for x in r[3:])
    # deterministic per seed (its own random stream)
    again = tmp_path / "again"
    again.mkdir()
    write_grundsicherung_ortsteile(again, gemeinden, values, further, [2016, 2017], ortsteile, seed=42)
    assert (again / "grundsicherung_ortsteile_2016.csv").read_text() == (
        tmp_path / "grundsicherung_ortsteile_2016.csv").read_text()


def test_demo_file_passes_the_ingest(tmp_path):
    paths = Paths(region=tmp_path / "region", landing=tmp_path / "landing", out=tmp_path / "out")
    paths.out.mkdir(parents=True)
    con = duckdb.connect(str(paths.warehouse))
    ortsteile, gemeinden, values, further = _inputs()
    folder = paths.landing / "grundsicherung"
    folder.mkdir(parents=True, exist_ok=True)
    write_grundsicherung_ortsteile(folder, gemeinden, values, further, [2016], ortsteile, seed=1)
    header = "stichtag;ags;gemeinde;empfaenger_65_plus;empfaenger_erwerbsminderung;hlu_ausserhalb_einrichtungen"
    (folder / "grundsicherung_alter_2016.csv").write_text("\n".join(
        [header, *(f"31.12.2016;{a};;{values[i, 0]};{further[i, 0, 0]};{further[i, 1, 0]}"
                   for i, a in enumerate(gemeinden))]) + "\n", encoding="utf-8")
    profile = Region.load(BUNDLED)
    load_region(con, profile)
    result = load_grundsicherung(con, paths, profile)
    assert not result.quarantined, result.quarantined
    assert con.execute("SELECT count(DISTINCT ags), bool_and(ist_demodaten) FROM raw.grundsicherung__ortsteile"
                       ).fetchone() == (13, True)
    con.close()
