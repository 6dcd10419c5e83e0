"""A Sozialraum re-cut (sozialraeume.csv with gueltig_ab/gueltig_bis) keeps the earlier years on the earlier
cut: real dbt on a copy of the demo warehouse whose region table got a re-cut from 2019."""

from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest

from transform.dbt_runner import run_dbt  # tests/ is on sys.path (rootdir conftest)

SCHNITT = 2019


def _neu_bauen(warehouse, folder, sql: str) -> tuple[list, list]:
    """dbt rebuilds everything downstream of the Sozialraum table; then the rows of `sql` and the area dimension."""
    proc = run_dbt(["build", "--select", "stg_region__sozialraeume+", "--exclude", "test_type:unit"],
                   warehouse, folder / "target")
    assert proc.returncode == 0, proc.stdout[-8000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return (con.execute(sql).fetchall(),
                con.execute("SELECT DISTINCT gebiet_ebene, gebiet_id, sozialraum_id FROM mart.dim_gebiet").fetchall())


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
            (ags, sozialraum_id, sozialraum_name, datei, sha256, geladen_am, gueltig_ab, gueltig_bis)
            SELECT ags, 'SR2', $name, datei, sha256, geladen_am, $ab, NULL FROM raw.region__sozialraeume
            WHERE ags = $ags""", {"name": ziel_name, "ab": SCHNITT, "ags": wechsel})
    finally:
        con.close()
    werte, dim = _neu_bauen(warehouse, folder, """SELECT gebiet_ebene, gebiet_id, jahr, zaehler
        FROM mart.sozialraum_indikatoren WHERE indikator_id = 'bevoelkerung'""")
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


# --- a Gemeinde split across two Sozialräume by Ortsteile from 2019 -------------------------------------------

MART_SQL = """SELECT gebiet_ebene, gebiet_id, jahr, indikator_id, zaehler, sozialraum_id
               FROM mart.sozialraum_indikatoren"""


@pytest.fixture(scope="module")
def geteilt(demo_build, tmp_path_factory):
    """The demo warehouse after splitting one Gemeinde from 2019 on: its first Ortsteil stays in its Sozialraum,
    the other Ortsteile go to another Sozialraum; before 2019 the whole Gemeinde stays on the old cut."""
    folder = tmp_path_factory.mktemp("geteilt")
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(demo_build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        vorher = con.execute(MART_SQL).fetchall()
        alt = dict(con.execute("SELECT ags, sozialraum_id FROM raw.region__sozialraeume").fetchall())
        namen = dict(con.execute("SELECT sozialraum_id, any_value(sozialraum_name) FROM raw.region__sozialraeume "
                                 "GROUP BY ALL").fetchall())
        ortsteile = defaultdict(list)
        for ags, key in con.execute("SELECT ags, ortsteil_schluessel FROM raw.region__ortsteile ORDER BY ALL"
                                    ).fetchall():
            ortsteile[ags].append(ags + key)
        jahre = sorted({j for e, _, j, i, _, _ in vorher if e == "gemeinde" and i == "bevoelkerung"})
        mit_werten = {(g, j) for e, g, j, i, z, _ in vorher if e == "ortsteil" and i == "bevoelkerung"
                      and z is not None}
        # a Gemeinde with several Ortsteile, all with a population in every year from the split on
        gemeinde = min(a for a, os in ortsteile.items() if len(os) > 1 and a in alt
                       and all((o, j) in mit_werten for o in os for j in jahre if j >= SCHNITT))
        sr_alt = alt[gemeinde]
        sr_neu = min(s for s in set(alt.values()) if s != sr_alt)
        con.execute("UPDATE raw.region__sozialraeume SET gueltig_bis = $bis WHERE ags = $ags",
                    {"bis": SCHNITT - 1, "ags": gemeinde})
        for nr, ortsteil in enumerate(ortsteile[gemeinde]):
            sr = sr_alt if nr == 0 else sr_neu
            con.execute("""INSERT INTO raw.region__sozialraeume
                (ags, sozialraum_id, sozialraum_name, datei, sha256, geladen_am, gueltig_ab, gueltig_bis,
                 ortsteil_schluessel)
                SELECT ags, $sr, $name, datei, sha256, geladen_am, $ab, NULL, $key FROM raw.region__sozialraeume
                WHERE ags = $ags AND ortsteil_schluessel IS NULL""", {"sr": sr, "name": namen[sr], "ab": SCHNITT, "key": ortsteil[8:],
                                      "ags": gemeinde})
    finally:
        con.close()
    nachher, dim = _neu_bauen(warehouse, folder, MART_SQL)
    return dict(alt=alt, gemeinde=gemeinde, ortsteile=ortsteile[gemeinde], sr_alt=sr_alt, sr_neu=sr_neu,
                jahre=jahre, vorher=vorher, nachher=nachher, dim=dim)


def test_a_split_sozialraum_is_the_sum_of_its_gemeinden_and_ortsteile_per_year(geteilt):
    g, os_, sr_alt, sr_neu = geteilt["gemeinde"], geteilt["ortsteile"], geteilt["sr_alt"], geteilt["sr_neu"]
    werte = {(e, a, j): z for e, a, j, i, z, _ in geteilt["nachher"] if i == "bevoelkerung"}
    assert geteilt["jahre"][0] < SCHNITT <= geteilt["jahre"][-1]
    for jahr in geteilt["jahre"]:
        for sr in (sr_alt, sr_neu):
            ganze = [a for a, s in geteilt["alt"].items() if s == sr and a != g]
            if jahr < SCHNITT:  # the old cut: the whole Gemeinde in its old Sozialraum
                teile = [("gemeinde", g)] if sr == sr_alt else []
            else:
                teile = [("ortsteil", o) for o in (os_[:1] if sr == sr_alt else os_[1:])]
            erwartet = sum(werte[("gemeinde", a, jahr)] for a in ganze) + sum(werte[(e, a, jahr)] for e, a in teile)
            assert werte[("sozialraum", sr, jahr)] == erwartet, (sr, jahr)
    # the Kreis does not depend on the cut: unchanged; the Gemeinden keep their values (only the secondary
    # suppression of confidential youth-welfare cells follows the new Sozialraum membership)
    vorher = {(e, a, j, i): z for e, a, j, i, z, _ in geteilt["vorher"] if e in ("kreis", "gemeinde")}
    nachher = {(e, a, j, i): z for e, a, j, i, z, _ in geteilt["nachher"] if e in ("kreis", "gemeinde")}
    assert nachher.keys() == vorher.keys()
    # (up to DuckDB's parallel float summation order: the Durchschnittsalter's Lebensjahre differ in the 16th digit
    # between two builds of the same input)
    kreis_vorher = {k: z for k, z in vorher.items() if k[0] == "kreis"}
    kreis_nachher = {k: z for k, z in nachher.items() if k[0] == "kreis"}
    assert {k for k, z in kreis_nachher.items() if z is None} == {k for k, z in kreis_vorher.items() if z is None}
    assert {k: z for k, z in kreis_nachher.items() if z is not None} == pytest.approx(
        {k: z for k, z in kreis_vorher.items() if z is not None}, rel=1e-12)
    beide = [k for k, z in vorher.items() if z is not None and nachher[k] is not None]
    assert [nachher[k] for k in beide] == pytest.approx([vorher[k] for k in beide], rel=1e-12)


def test_gemeinde_only_indicators_are_absent_for_split_sozialraeume(geteilt):
    sr_alt, sr_neu = geteilt["sr_alt"], geteilt["sr_neu"]
    mit_ortsteilen = {i for e, _, _, i, _, _ in geteilt["vorher"] if e == "ortsteil"}
    sozialraum_vorher = {(a, j, i) for e, a, j, i, _, _ in geteilt["vorher"] if e == "sozialraum"}
    sozialraum_nachher = {(a, j, i) for e, a, j, i, _, _ in geteilt["nachher"] if e == "sozialraum"}
    nur_gemeinde = {i for _, _, i in sozialraum_vorher} - mit_ortsteilen
    assert nur_gemeinde, "the demo has indicators without Ortsteil values (GENESIS, BA)"
    for a, j, i in sozialraum_vorher:
        if i not in nur_gemeinde:
            continue
        if j >= SCHNITT and a in (sr_alt, sr_neu):
            assert (a, j, i) not in sozialraum_nachher, (a, j, i)  # absent, not a partial sum
        elif a not in (sr_alt, sr_neu) or j < SCHNITT:
            assert (a, j, i) in sozialraum_nachher, (a, j, i)  # other Sozialräume and the old cut unchanged


def test_the_split_gemeinde_and_its_ortsteile_in_the_area_dimension(geteilt):
    g, os_, dim = geteilt["gemeinde"], geteilt["ortsteile"], geteilt["dim"]
    assert {s for e, a, s in dim if e == "gemeinde" and a == g} == {None}
    assert {a: s for e, a, s in dim if e == "ortsteil" and a in os_} == {
        o: geteilt["sr_alt"] if nr == 0 else geteilt["sr_neu"] for nr, o in enumerate(os_)}
    assert [a for e, a, _ in dim if e == "sozialraum"].count(geteilt["sr_neu"]) == 1
    # the mart rows of the Ortsteile carry their own Sozialraum from the split on
    for e, a, j, _, _, s in geteilt["nachher"]:
        if e == "ortsteil" and a in os_[1:] and j >= SCHNITT:
            assert s == geteilt["sr_neu"], (a, j, s)
