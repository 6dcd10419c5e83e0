"""The demo measure list (orchestration/demo/massnahmen.py): labelled, deterministic, and loaded by the real ingest
with the bundled region profile without a refusal."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.demo.genesis_io import DEMO_MARKER
from orchestration.demo.massnahmen import HEADER, write_massnahmen
from orchestration.demo.model import load_region as demo_region
from orchestration.ingest.massnahmen import load_massnahmen
from orchestration.ingest.region import Region, load_region
from orchestration.settings import Paths


def test_demo_list_is_labelled_deterministic_and_loads(tmp_path):
    kreis = demo_region(Path(settings.DEFAULT_REGION), settings.SHIPPED_DATA)
    first = tmp_path / "a" / "massnahmen"
    assert write_massnahmen(first, kreis, Path(settings.DEFAULT_REGION), 2024) == (1, 6)
    write_massnahmen(tmp_path / "b" / "massnahmen", kreis, Path(settings.DEFAULT_REGION), 2024)
    name = "massnahmen_2024-12-31.csv"
    data = (first / name).read_bytes()
    assert data == (tmp_path / "b" / "massnahmen" / name).read_bytes()
    lines = data.decode("utf-8").splitlines()
    assert DEMO_MARKER in lines[0] and lines[1] == HEADER
    assert all(line.split(";")[4].startswith("Demodaten: ") for line in lines[2:])

    paths = Paths(region=settings.DEFAULT_REGION, landing=tmp_path / "a", out=tmp_path / "out")
    paths.out.mkdir()
    con = duckdb.connect(str(paths.warehouse))
    load_region(con, Region.load(settings.DEFAULT_REGION))
    result = load_massnahmen(con, paths, None)
    assert not result.quarantined and result.rows["raw.massnahmen__massnahmen"] == 6
    assert con.execute("SELECT DISTINCT gebiet_ebene FROM raw.massnahmen__massnahmen ORDER BY 1").fetchall() == [
        ("gemeinde",), ("kreis",), ("ortsteil",), ("sozialraum",)]
    assert con.execute("SELECT bool_and(ist_demodaten) FROM raw.massnahmen__massnahmen").fetchone() == (True,)
