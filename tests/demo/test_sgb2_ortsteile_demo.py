"""Demo SGB II Ortsteil files of the kommunale Jobcenter: the Gemeinde counts split by population share into integers
that add up exactly, the file labelled as demo data and loadable by the ingest."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.demo.sgb2_ortsteile import HEADER, split_exact, write_sgb2_ortsteile
from orchestration.demo.sgb2_xlsx import Block


@pytest.mark.parametrize("total, weights", [(0, [1, 2]), (1, [5, 5, 5]), (1001, [19000, 3200, 900, 1700]),
                                            (7, [1, 1, 1]), (12345, [0.1, 0.7, 0.2])])
def test_split_adds_up_exactly_and_follows_the_shares(total, weights):
    parts = split_exact(total, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)
    exact = np.asarray(weights) / sum(weights) * total
    assert np.all(np.abs(np.asarray(parts) - exact) < 1)


def test_file_has_the_gemeinden_with_ortsteile_and_the_demo_marker(tmp_path):
    values = np.zeros((2, 9), dtype=np.int64)
    values[:, 3] = [1000, 50]  # lb_insgesamt
    values[:, 7] = [250, 2]  # nef_unter_15 (2: '*' in the workbook; the Jobcenter's file has the true count)
    block = Block("06432", "Darmstadt-Dieburg", ["06432018", "06432008"], ["Pfungstadt", "Messel"], values,
                  np.array([[""] * 9, [""] * 7 + ["*", ""]]))
    path = tmp_path / "sgb2_ortsteile_201612.csv"
    n = write_sgb2_ortsteile(path, 2016, 12, block, {"06432018": ["001", "002", "003", "004"]})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert n == 4 and "DEMODATEN" in lines[0] and lines[1] == HEADER
    rows = [line.split(";") for line in lines[2:]]
    assert [r[:3] for r in rows] == [["2016-12", "06432018", k] for k in ("001", "002", "003", "004")]
    assert sum(int(r[3]) for r in rows) == 1000 and sum(int(r[4]) for r in rows) == 250
    assert int(rows[0][3]) > int(rows[1][3])  # 001 (Kernstadt) is the largest Ortsteil
    assert write_sgb2_ortsteile(tmp_path / "leer.csv", 2016, 12, block, {}) == 0
    assert not (tmp_path / "leer.csv").exists()
