"""All of Germany and a Kreis formed by a reform, built with `sozialmonitor build` from the real
full-Germany GENESIS tables, every year on the Gebietsstand 31.12.2020.

Expected values are computed here, independently of the pipeline, with plain `csv`/`gzip`: the delivered
population of every old Gemeinde × its population share in each Gemeinde of 2020 (BBSR key of the same
year). Four Kreise with reforms between 2008 and 2015: Vorpommern-Greifswald 13075 (Kreisreform 2011,
former kreisfreie Stadt Greifswald 13001), Greiz 16076 and Mittelsachsen 14522 (Gemeinde mergers and a
split), Göttingen 03159 (formed 2016 from the Kreise Göttingen 03152 and Osterode am Harz 03156).
"""

from __future__ import annotations

import csv
import gzip
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, run_build

pytestmark = pytest.mark.slow

TABLES = ("12411-01-01-5", "12411-02-03-5", "12711-01-03-5", "13111-02-02-5", "13211-01-03-5")
KEYS = REPO_ROOT / "data" / "reference" / "gebietsstand"
REFORM_KREISE = ("13075", "16076", "14522", "03159")
YEARS = (2008, 2010)


def _population(path: Path) -> dict[tuple[str, int], int]:
    """(region code, year) -> population at 31.12. (Insgesamt) as delivered; kreisfreie Städte (a Kreis row
    without Gemeinde rows) also under code + '000'. Cells '-' (area did not exist) are left out."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = [r for r in rows if len(r) > 2 and r[0] == "" and r[1] == ""]
    dates, sexes = header[0], header[1]
    columns = {int(dates[i][-4:]): i for i in range(2, len(dates)) if sexes[i] == "Insgesamt"}
    data = [r for r in rows if len(r) > 2 and r[0] and (r[0] == "DG" or r[0].isdigit())]
    codes = {r[0] for r in data}
    kreise_mit_gemeinden = {c[:5] for c in codes if len(c) >= 8}
    out = {}
    for r in data:
        code = r[0]
        for year, i in columns.items():
            if not r[i].isdigit():
                continue
            out[(code, year)] = int(r[i])
            if 10 <= len(code) <= 12:  # a member of a Gemeindeverband: AGS = first 5 + last 3 digits
                out[(code[:5] + code[-3:], year)] = int(r[i])
            if len(code) == 5 and code not in kreise_mit_gemeinden:  # kreisfreie Stadt
                out[(code + "000", year)] = int(r[i])
            if code in ("02", "11"):  # Hamburg, Berlin: Land = Kreis = Gemeinde
                out[(code + "000", year)] = out[(code + "000000", year)] = int(r[i])
    return out


def _key(ebene: str = "gemeinde") -> dict[int, list[tuple[str, str, float]]]:
    """year -> (old key, key of 2020, population share) of the shipped BBSR key (Gemeinden or Kreise)."""
    key = defaultdict(list)
    if ebene == "gemeinde":
        handle, alt, neu = gzip.open(KEYS / "bbsr_umstieg_gemeinden_2000_2020.csv.gz", "rt", encoding="utf-8"), "ags_alt", "ags_2020"
    else:
        handle, alt, neu = open(KEYS / "bbsr_umstieg_kreise_2000_2020.csv", encoding="utf-8"), "kreis_alt", "kreis_2020"
    with handle:
        for row in csv.DictReader(handle):
            key[int(row["jahr"])].append((row[alt], row[neu], float(row["anteil_bevoelkerung"])))
    return key


def _converted(population: dict[tuple[str, int], int], years=range(2008, 2016)) -> dict[tuple[str, int], float]:
    """(Gemeinde of 2020, year) -> Σ delivered population × share. The key year of a delivered Gemeinde is
    the year nearest to the data year in which its AGS is in the key (the earlier one on a tie): some
    tables list a Gemeinde under the code it got a year later (e.g. 07140502 Lahr at 31.12.2011)."""
    by_alt: dict[str, dict[int, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for year, rows in _key().items():
        for alt, ziel, anteil in rows:
            by_alt[alt][year].append((ziel, anteil))
    out: dict[tuple[str, int], float] = defaultdict(float)
    for (code, year), value in population.items():
        if year in years and code in by_alt:
            nearest = min(by_alt[code], key=lambda j: (abs(j - year), j))
            for ziel, anteil in by_alt[code][nearest]:
                out[(ziel, year)] += value * anteil
    return dict(out)


@pytest.fixture(scope="module")
def expected(shared_data) -> dict[tuple[str, int], float]:
    """(Gemeinde AGS on 31.12.2020, year) -> population converted by hand, for the four reform Kreise."""
    population = _population(shared_data / "genesis" / "germany" / "12411-01-01-5_00.csv")
    return {k: v for k, v in _converted(population, YEARS).items() if k[0].startswith(REFORM_KREISE) and v > 0}


def _landing(tmp_path: Path, shared_data: Path) -> Path:
    landing = tmp_path / "landing"
    (landing / "genesis").mkdir(parents=True)
    for table in TABLES:
        shutil.copy(shared_data / "genesis" / "germany" / f"{table}_00.csv", landing / "genesis")
    return landing


def _region(tmp_path: Path, ags: str, name: str) -> Path:
    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "region.yml").write_text(f'ags: "{ags}"\nname: "{name}"\n', encoding="utf-8")
    return folder


def _build(tmp: Path, shared_data: Path, ags: str, name: str):
    """`sozialmonitor build` of the region `ags` from the five tables; (process, published file opened read-only)."""
    proc = run_build(_landing(tmp, shared_data), tmp / "out", "--region", str(_region(tmp, ags, name)))
    return proc, duckdb.connect(str(tmp / "out" / "published" / "sozialmonitor.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def germany(tmp_path_factory, shared_data):
    proc, con = _build(tmp_path_factory.mktemp("germany"), shared_data, "", "Deutschland")
    yield proc, con
    con.close()


@pytest.fixture(scope="module")
def goettingen(tmp_path_factory, shared_data):
    proc, con = _build(tmp_path_factory.mktemp("goettingen"), shared_data, "03159", "Göttingen")
    yield proc, con
    con.close()


def _mart_population(con, prefixes=REFORM_KREISE) -> dict[tuple[str, int], float]:
    rows = con.execute("SELECT gebiet_id, jahr, zaehler FROM mart.sozialraum_indikatoren WHERE indikator_id = "
                       "'bevoelkerung' AND gebiet_ebene = 'gemeinde' AND jahr IN (2008, 2010)").fetchall()
    return {(g, j): z for g, j, z in rows if g.startswith(prefixes)}


def test_germany_publishes_every_gemeinde_kreis_land_and_bund_of_2020(germany, shared_data):
    proc, con = germany
    assert "Build erfolgreich" in proc.stdout
    levels = dict(con.execute("SELECT gebiet_ebene, count(DISTINCT gebiet_id) FROM mart.sozialraum_indikatoren "
                              "GROUP BY 1").fetchall())
    assert levels["kreis"] == 401 and levels["land"] == 16 and levels["bund"] == 1
    # every area of 31.12.2020 with residents in some delivered year is a Gemeinde row (computed here from the
    # raw table and the key); the others (uninhabited gemeindefreie Gebiete) are listed as such, never as a
    # Gemeinde with 0 residents
    population = _population(shared_data / "genesis" / "germany" / "12411-01-01-5_00.csv")
    targets = {ziel for _, ziel, _ in _key()[2020]}
    bewohnt = {ziel for (ziel, _), value in _converted(population).items() if value > 0}
    gemeinden = {r[0] for r in con.execute("SELECT DISTINCT gebiet_id FROM mart.sozialraum_indikatoren "
                                           "WHERE gebiet_ebene = 'gemeinde'").fetchall()}
    assert gemeinden == bewohnt and len(gemeinden) == levels["gemeinde"] > 10_700
    unbewohnt = {r[0] for r in con.execute("SELECT gebiet_id FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeindefrei'")
                 .fetchall()}
    assert unbewohnt == targets - bewohnt and {"03159501", "03151501"} <= unbewohnt
    # no Gemeinde without residents (a Gemeinde whose residents left stays, with its earlier years:
    # Gutsbezirk Münsingen 08415971, 0 from 2011)
    assert con.execute("SELECT count(*) FROM (SELECT gebiet_id FROM mart.sozialraum_indikatoren WHERE indikator_id = "
                       "'bevoelkerung' AND gebiet_ebene = 'gemeinde' GROUP BY 1 HAVING max(zaehler) = 0)").fetchone()[0] == 0
    # a '-' where the Gemeinde has residents later is a gap of the table, not a zero: Hannover and Saarbrücken
    # 31.12.2008 (their Kreis rows count them) are withheld, and so are their Kreis sums
    gaps = con.execute("SELECT gebiet_ebene, gebiet_id, jahr FROM mart.sozialraum_indikatoren WHERE indikator_id = "
                       "'bevoelkerung' AND zaehler IS NULL AND gebiet_ebene IN ('gemeinde', 'kreis') "
                       "ORDER BY ALL").fetchall()
    assert gaps == [("gemeinde", "03241001", 2008), ("gemeinde", "10041100", 2008), ("kreis", "03241", 2008),
                    ("kreis", "10041", 2008)]
    assert con.execute("SELECT min(jahr), max(jahr) FROM mart.sozialraum_indikatoren").fetchone() == (2008, 2016)
    status = con.execute("SELECT berichtszeitraum FROM mart.publikation_status WHERE eintrag = 'gebietsstand' "
                         "AND ergebnis = 'gemeinde'").fetchone()
    assert status == ("Gebietsstand 31.12.2020",)


def test_reform_kreise_have_every_year_on_todays_gemeinden(germany, expected):
    _, con = germany
    mart = _mart_population(con)
    assert set(mart) == set(expected) and len(expected) > 500
    wrong = {k: (mart[k], v) for k, v in expected.items() if abs(mart[k] - v) > 0.01}
    assert not wrong, list(wrong.items())[:5]
    # the cases of the issue: a merger's new Gemeinde, a Gemeinde that absorbed others, a split
    assert mart[("13075001", 2008)] == 726 and mart[("14522035", 2008)] == 6015
    assert round(mart[("16076022", 2008)]) == 24176 and round(mart[("14522080", 2008)]) == 25711
    umgeschluesselt = con.execute("SELECT ist_umgeschluesselt FROM mart.sozialraum_indikatoren WHERE gebiet_id = "
                                  "'13075001' AND jahr = 2008 AND indikator_id = 'bevoelkerung'").fetchone()[0]
    assert umgeschluesselt is True


def test_land_and_bund_rows_are_the_official_rows_kreise_are_converted(germany, shared_data):
    _, con = germany
    population = _population(shared_data / "genesis" / "germany" / "12411-01-01-5_00.csv")
    rows = con.execute("SELECT gebiet_ebene, gebiet_id, jahr, zaehler FROM mart.sozialraum_indikatoren "
                       "WHERE indikator_id = 'bevoelkerung' AND gebiet_ebene IN ('land', 'bund', 'kreis')").fetchall()
    assert len(rows) == (16 + 1 + 401) * 8
    # Kreise on the Gebietsstand 2020: the sum of their converted Gemeinden (Σ delivered Gemeinde × share of
    # each of its Gemeinden of 2020; e.g. Göttingen 2015 = Göttingen + Osterode am Harz, Sonneberg 16072 with
    # the Gemeinden it gained later)
    kreise: dict[tuple[str, int], float] = defaultdict(float)
    for (ziel, year), value in _converted(population).items():
        kreise[(ziel[:5], year)] += value
    for ebene, gebiet, jahr, zaehler in rows:
        if zaehler is None:  # the two gaps of the table (see the test above)
            assert (ebene, gebiet, jahr) in {("kreis", "03241", 2008), ("kreis", "10041", 2008)}
            continue
        expected = kreise[(gebiet, jahr)] if ebene == "kreis" else population[(gebiet, jahr)]
        assert abs(zaehler - expected) <= 0.01, (ebene, gebiet, jahr, zaehler, expected)


def test_kreisfreie_staedte_get_a_gemeinde_row(germany, shared_data):
    """Darmstadt (06411) is delivered as a Kreis row only; the mart has it as Gemeinde 06411000 too."""
    _, con = germany
    population = _population(shared_data / "genesis" / "germany" / "12411-01-01-5_00.csv")
    rows = dict(con.execute("SELECT gebiet_ebene, zaehler FROM mart.sozialraum_indikatoren WHERE indikator_id = "
                            "'bevoelkerung' AND jahr = 2015 AND gebiet_id IN ('06411', '06411000') "
                            "AND gebiet_ebene IN ('gemeinde', 'kreis')").fetchall())
    assert rows == {"gemeinde": population[("06411", 2015)], "kreis": population[("06411", 2015)]}


def test_a_kreis_region_gets_all_years_of_its_former_kreise(goettingen, expected, shared_data):
    proc, con = goettingen
    assert "Build erfolgreich" in proc.stdout
    mart = _mart_population(con, ("03159",))
    assert mart and set(mart) == {k for k in expected if k[0].startswith("03159")}
    assert all(abs(mart[k] - expected[k]) <= 0.01 for k in mart)
    population = _population(shared_data / "genesis" / "germany" / "12411-01-01-5_00.csv")
    kreis = dict(con.execute("SELECT jahr, zaehler FROM mart.sozialraum_indikatoren WHERE indikator_id = 'bevoelkerung' "
                             "AND gebiet_ebene = 'kreis'").fetchall())
    for year in YEARS:  # the Kreis 03159 did not exist: the two former Kreise together
        assert kreis[year] == population[("03152", year)] + population[("03156", year)]
    # the region publishes its own Land and Germany as references, nothing of other Kreise
    assert con.execute("SELECT DISTINCT gebiet_ebene, gebiet_id FROM mart.dim_gebiet WHERE gebiet_ebene IN "
                       "('land', 'bund', 'kreis') ORDER BY 1").fetchall() == [
        ("bund", "DG"), ("kreis", "03159"), ("land", "03")]
    assert con.execute("SELECT count(*) FROM mart.dim_gebiet WHERE gebiet_ebene = 'gemeinde' AND NOT "
                       "starts_with(gebiet_id, '03159')").fetchone()[0] == 0
    # the uninhabited Harz is listed as gemeindefreies Gebiet, not as a Gemeinde with 0 residents
    assert con.execute("SELECT gebiet_ebene FROM mart.dim_gebiet WHERE gebiet_id = '03159501'").fetchall() == [
        ("gemeindefrei",)]
