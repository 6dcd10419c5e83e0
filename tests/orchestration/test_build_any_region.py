"""`sozialmonitor build` for another region, straight from the full-Germany GENESIS files.

Regierungsbezirk Darmstadt (prefix 064) has kreisfreie Städte (Darmstadt, Frankfurt, Offenbach,
Wiesbaden), which appear in the tables as a Kreis row only: the build must give them a Gemeinde row,
and the mart must agree with figures read independently from the delivered file.
"""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from tests.conftest import run_build

pytestmark = pytest.mark.slow

TABLES = ("12411-01-01-5", "12411-02-03-5", "13211-01-03-5")


def _population_2015(path) -> dict[str, int]:
    """Region code -> population 31.12.2015 (Insgesamt), read with plain csv."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = [r for r in rows if len(r) > 2 and r[0] == "" and r[1] == ""]
    dates, sexes = header[0], header[1]
    col = next(i for i in range(2, len(dates)) if dates[i] == "31.12.2015" and sexes[i] == "Insgesamt")
    return {r[0]: int(r[col]) for r in rows if len(r) > col and r[0].startswith("064") and r[col].isdigit()}


def test_build_for_regierungsbezirk_darmstadt_from_the_germany_files(tmp_path, shared_data):
    landing = tmp_path / "landing" / "genesis"
    landing.mkdir(parents=True)
    for table in TABLES:
        shutil.copy(shared_data / "genesis" / "germany" / f"{table}_00.csv", landing)
    region = tmp_path / "region"
    region.mkdir()
    (region / "region.yml").write_text('ags: "064"\nname: "Regierungsbezirk Darmstadt"\n', encoding="utf-8")

    proc = run_build(tmp_path / "landing", tmp_path / "out", "--region", str(region))
    assert "Build erfolgreich" in proc.stdout

    expected = _population_2015(landing / "12411-01-01-5_00.csv")
    published = tmp_path / "out" / "published" / "sozialmonitor.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        rows = dict(con.execute(
            "select gebiet_ebene || ':' || gebiet_id, zaehler from mart.sozialraum_indikatoren "
            "where indikator_id = 'bevoelkerung' and jahr = 2015").fetchall())
        # kreisfreie Stadt Darmstadt: Kreis row 06411 in the file, Gemeinde 06411000 in the mart
        assert rows["gemeinde:06411000"] == expected["06411"]
        assert rows["kreis:06411"] == expected["06411"]
        # a Landkreis: its Kreis row is the sum of its Gemeinden and equals the official Kreis row
        assert rows["kreis:06432"] == expected["06432"]
        gemeinden = {code for code in expected if len(code) == 8}
        assert {k.split(":")[1] for k in rows if k.startswith("gemeinde:") and len(k.split(":")[1]) == 8} >= gemeinden
        # every Kreis of the Regierungsbezirk has rows
        kreise = {code for code in expected if len(code) == 5}
        assert {k.split(":")[1] for k in rows if k.startswith("kreis:")} == kreise
