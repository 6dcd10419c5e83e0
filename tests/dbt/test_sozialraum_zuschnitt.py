"""A Sozialraum re-cut (sozialraeume.csv with gueltig_ab/gueltig_bis) keeps the earlier years on the earlier
cut: real dbt on a copy of the demo warehouse whose region table got a re-cut from 2019."""

from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest
from test_sozialindex_mart import run_dbt  # this folder is on sys.path (pytest prepend import mode)

SCHNITT = 2019


@pytest.fixture(scope="module")
def neu_geschnitten(demo_build, tmp_path_factory):
    """The demo warehouse after moving one Gemeinde of SR1 to SR2 from 2019 on, rebuilt by dbt."""
    folder = tmp_path_factory.mktemp("zuschnitt")
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        alt = dict(con.execute("SELECT ags, sozialraum_id FROM raw.region__sozialraeume").fetchall())
        wechsel = min(a for a, s in alt.items() if s == "SR1")
        ziel_name = con.execute("SELECT any_value(sozialraum_name) FROM raw.region__sozialraeume "
                                "WHERE sozialraum_id = 'SR2'").fetchone()[0]
        con.execute("UPDATE raw.region__sozialraeume SET gueltig_bis = $bis WHERE ags = $ags",
                    {"bis": SCHNITT - 1, "ags": wechsel})
        con.execute("""INSERT INTO raw.region__sozialraeume
            SELECT ags, 'SR2', $name, datei, sha256, geladen_am, $ab, NULL FROM raw.region__sozialraeume
            WHERE ags = $ags""", {"name": ziel_name, "ab": SCHNITT, "ags": wechsel})
    finally:
        con.close()
    proc = run_dbt(["build", "--select", "stg_region__sozialraeume+", "--exclude", "test_type:unit"],
                   warehouse, folder / "target")
    assert proc.returncode == 0, proc.stdout[-8000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        werte = con.execute("""SELECT gebiet_ebene, gebiet_id, jahr, zaehler FROM mart.sozialraum_indikatoren
            WHERE indikator_id = 'bevoelkerung'""").fetchall()
        dim = con.execute("SELECT DISTINCT gebiet_ebene, gebiet_id, sozialraum_id FROM mart.dim_gebiet").fetchall()
    finally:
        con.close()
    return alt, wechsel, werte, dim


def test_earlier_years_stay_on_the_earlier_cut(neu_geschnitten):
    alt, wechsel, werte, _ = neu_geschnitten
    gemeinde = {(g, j): z for e, g, j, z in werte if e == "gemeinde"}
    sozialraum = {(g, j): z for e, g, j, z in werte if e == "sozialraum"}
    jahre = sorted({j for _, j in gemeinde})
    assert jahre[0] < SCHNITT <= jahre[-1], jahre
    for jahr in jahre:
        mitglieder = defaultdict(list)
        for ags, sr in alt.items():
            neu = "SR2" if ags == wechsel and jahr >= SCHNITT else sr
            mitglieder[neu].append(ags)
        for sr in ("SR1", "SR2"):
            erwartet = sum(gemeinde[(a, jahr)] for a in mitglieder[sr])
            assert sozialraum[(sr, jahr)] == erwartet, (sr, jahr)
    # the Kreis total does not depend on the cut
    kreis = {j: z for e, _, j, z in werte if e == "kreis"}
    assert all(kreis[j] == sum(z for (_, jj), z in gemeinde.items() if jj == j) for j in jahre)


def test_the_area_dimension_shows_the_current_cut(neu_geschnitten):
    _, wechsel, _, dim = neu_geschnitten
    assert {s for e, g, s in dim if e == "gemeinde" and g == wechsel} == {"SR2"}
    assert {g for e, g, _ in dim if e == "sozialraum"} >= {"SR1", "SR2"}
