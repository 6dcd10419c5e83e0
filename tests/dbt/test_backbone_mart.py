"""The dbt backbone on the real DaDi GENESIS extracts: ingest → real `dbt build` → mart values.

Every expected figure is computed here, independently of the pipeline, from the delivered CSV files
with Python's csv module (no DuckDB, no dbt code), and compared with the mart.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict

import duckdb
import pytest

from orchestration.settings import REPO_ROOT

DADI = REPO_ROOT / "data" / "genesis" / "dadi"
REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"
GRIESHEIM = "06432008"

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------------------------
# independent reading of the GENESIS CSV files
# --------------------------------------------------------------------------------------------------
def _rows(table: str) -> list[list[str]]:
    with open(DADI / f"{table}_06432_extract.csv", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def _header_and_data(table: str) -> tuple[list[list[str]], dict[str, list[str]]]:
    """Header rows (those starting with two empty cells) and data rows by region code."""
    rows = _rows(table)
    header = [r for r in rows if len(r) > 2 and r[0] == "" and r[1] == ""]
    data = {r[0]: r for r in rows if len(r) > 2 and r[1].strip() and (r[0] == "DG" or r[0].isdigit())}
    return header, data


def _number(cell: str) -> float:
    return 0.0 if cell == "-" else float(cell.replace(",", "."))


def gemeinden() -> list[str]:
    _, data = _header_and_data("12411-01-01-5")
    return sorted(code for code in data if len(code) == 8)


def bevoelkerung(stichtag: str) -> dict[str, float]:
    """12411-01-01-5: total population per region code at `stichtag` (dd.mm.yyyy)."""
    header, data = _header_and_data("12411-01-01-5")
    dates, sexes = header[0], header[1]
    col = next(i for i in range(2, len(dates)) if dates[i] == stichtag and sexes[i] == "Insgesamt")
    return {code: _number(row[col]) for code, row in data.items()}


def altersgruppen_2015(von: int, bis: int | None) -> dict[str, float]:
    """12411-02-03-5 (31.12.2015): residents von <= age < bis (bis None = open) per region code."""
    header, data = _header_and_data("12411-02-03-5")
    sexes, groups = header[0], header[-1]

    def bounds(label: str) -> tuple[int, int | None]:
        words = label.split()
        if label.startswith("unter "):
            return 0, int(words[1])
        if "und mehr" in label:
            return int(words[0]), None
        return int(words[0]), int(words[3])

    cols = []
    for i in range(2, len(groups)):
        if sexes[i] != "Insgesamt" or groups[i] == "Insgesamt":
            continue
        lo, hi = bounds(groups[i])
        if lo >= von and (bis is None or (hi is not None and hi <= bis)):
            cols.append(i)
    return {code: sum(_number(row[i]) for i in cols) for code, row in data.items()}


def arbeitslose_2016(spalte: str) -> dict[str, float]:
    """13211-01-03-5 (2016): the column whose last header cell above `Anzahl` is `spalte`."""
    header, data = _header_and_data("13211-01-03-5")
    labels = [next((h[i] for h in reversed(header) if h[i] and h[i] != "Anzahl"), "") for i in range(len(header[0]))]
    col = labels.index(spalte)
    return {code: _number(row[col]) for code, row in data.items()}


def wanderungssaldo_2015() -> dict[str, float]:
    header, data = _header_and_data("12711-01-03-5")
    richtung, sex, age = header[0], header[2], header[4]
    zu = next(i for i in range(2, len(richtung)) if richtung[i].startswith("Zuzüge") and sex[i] == "Insgesamt" and age[i] == "Insgesamt")
    fort = next(i for i in range(2, len(richtung)) if richtung[i].startswith("Fortzüge") and sex[i] == "Insgesamt" and age[i] == "Insgesamt")
    return {code: _number(row[zu]) - _number(row[fort]) for code, row in data.items()}


def sozialraeume() -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = defaultdict(list)
    with open(REGION / "sozialraeume.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            mapping[row["sozialraum_id"]].append(row["ags"])
    return mapping


# --------------------------------------------------------------------------------------------------
# the build under test: fixture `backbone` (tests/dbt/conftest.py, shared with test_genesis_indikatoren.py)
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mart(backbone) -> duckdb.DuckDBPyConnection:
    return backbone.con


def _wert(con, ebene: str, gebiet: str, jahr: int, indikator: str) -> tuple | None:
    return con.execute(
        "select wert, zaehler, nenner, ist_unterdrueckt, quelle, nenner_quelle, einheit "
        "from mart.sozialraum_indikatoren where gebiet_ebene = ? and gebiet_id = ? and jahr = ? and indikator_id = ?",
        [ebene, gebiet, jahr, indikator],
    ).fetchone()


def test_backbone_unit_tests_pass(backbone):
    """dbt `unit_tests:` of every indicator formula, the staging parsers and the aggregation (tag backbone)."""
    proc = backbone.unit_tests
    assert proc.returncode == 0, f"dbt unit tests failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    passed = re.search(r"PASS=(\d+)", proc.stdout)
    assert passed and int(passed.group(1)) >= 9, proc.stdout[-2000:]


def test_griesheim_bevoelkerung_2015(mart):
    expected = bevoelkerung("31.12.2015")[GRIESHEIM]
    assert expected == 26907
    wert, zaehler, nenner, unterdrueckt, quelle, _, einheit = _wert(mart, "gemeinde", GRIESHEIM, 2015, "bevoelkerung")
    assert (wert, zaehler, nenner, unterdrueckt, einheit) == (26907, 26907, None, False, "Anzahl")
    assert "12411-01-01-5" in quelle and "Demodaten" not in quelle


def test_arbeitslosenanteil_2016_divides_by_age_groups_of_31_12_2015(mart):
    alo = arbeitslose_2016("Arbeitslose insgesamt")
    e15_65 = altersgruppen_2015(15, 65)
    for ags in gemeinden():
        wert, zaehler, nenner, unterdrueckt, _, nenner_quelle, einheit = _wert(mart, "gemeinde", ags, 2016, "arbeitslosenanteil")
        assert (zaehler, nenner, unterdrueckt, einheit) == (alo[ags], e15_65[ags], False, "%"), ags
        assert wert == pytest.approx(alo[ags] / e15_65[ags] * 100, rel=1e-12)
        assert nenner_quelle == "GENESIS 12411-02-03-5 (31.12.2015)"
    # Griesheim explicitly: 657 unemployed (annual average 2016)
    assert alo[GRIESHEIM] == 657


def test_other_rates_of_griesheim(mart):
    e = bevoelkerung("31.12.2015")[GRIESHEIM]
    checks = {
        (2015, "anteil_unter_18"): (altersgruppen_2015(0, 18)[GRIESHEIM], e, 100),
        (2015, "anteil_65_plus"): (altersgruppen_2015(65, None)[GRIESHEIM], e, 100),
        (2015, "jugendquotient"): (altersgruppen_2015(0, 20)[GRIESHEIM], altersgruppen_2015(20, 65)[GRIESHEIM], 100),
        (2015, "altenquotient"): (altersgruppen_2015(65, None)[GRIESHEIM], altersgruppen_2015(20, 65)[GRIESHEIM], 100),
        (2016, "juengere_arbeitslose"): (arbeitslose_2016("15 bis unter 25 Jahre")[GRIESHEIM], altersgruppen_2015(15, 25)[GRIESHEIM], 100),
        (2016, "aeltere_arbeitslose"): (arbeitslose_2016("55 bis unter 65 Jahre")[GRIESHEIM], altersgruppen_2015(55, 65)[GRIESHEIM], 100),
        (2016, "langzeitarbeitslosenanteil"): (arbeitslose_2016("langzeitarbeitslos")[GRIESHEIM], arbeitslose_2016("Arbeitslose insgesamt")[GRIESHEIM], 100),
        # annual sum 2015 / population at 31.12. of the previous year
        (2015, "wanderungssaldo_je_1000"): (wanderungssaldo_2015()[GRIESHEIM], bevoelkerung("31.12.2014")[GRIESHEIM], 1000),
    }
    for (jahr, indikator), (zaehler, nenner, faktor) in checks.items():
        row = _wert(mart, "gemeinde", GRIESHEIM, jahr, indikator)
        assert row is not None, indikator
        assert (row[1], row[2]) == (zaehler, nenner), indikator
        assert row[0] == pytest.approx(zaehler / nenner * faktor, rel=1e-12), indikator


def test_sozialraum_is_sum_over_sum_of_its_gemeinden(mart):
    alo = arbeitslose_2016("Arbeitslose insgesamt")
    e15_65 = altersgruppen_2015(15, 65)
    for sozialraum, members in sozialraeume().items():
        zaehler = sum(alo[a] for a in members)
        nenner = sum(e15_65[a] for a in members)
        row = _wert(mart, "sozialraum", sozialraum, 2016, "arbeitslosenanteil")
        assert (row[1], row[2]) == (zaehler, nenner), sozialraum
        assert row[0] == pytest.approx(zaehler / nenner * 100, rel=1e-12)
        # not the mean of the Gemeinde rates
        mean = sum(alo[a] / e15_65[a] * 100 for a in members) / len(members)
        assert row[0] != pytest.approx(mean, rel=1e-9)


def test_kreis_row_is_sum_over_gemeinden(mart):
    for jahr in range(2008, 2016):
        werte = bevoelkerung(f"31.12.{jahr}")
        expected = sum(werte[a] for a in gemeinden())
        row = _wert(mart, "kreis", "06432", jahr, "bevoelkerung")
        assert row[0] == expected == row[1], jahr
    alo = arbeitslose_2016("Arbeitslose insgesamt")
    e15_65 = altersgruppen_2015(15, 65)
    row = _wert(mart, "kreis", "06432", 2016, "arbeitslosenanteil")
    assert row[1] == sum(alo[a] for a in gemeinden()) == 7133  # Σ Gemeinden, not the Kreis row (7134)
    assert row[2] == sum(e15_65[a] for a in gemeinden())


def test_indicator_absent_when_denominator_date_missing(mart):
    # SvB 30.06.2015 divides by E15–<65 at 31.12.2014: no age groups delivered for that date
    n = mart.execute("select count(*) from mart.sozialraum_indikatoren where indikator_id = 'beschaeftigtenquote'").fetchone()[0]
    assert n == 0
    # …while the numerator itself was delivered and loaded
    svb = mart.execute("select count(*) from staging.stg_genesis__beschaeftigte_wohnort where gebiet_ebene = 'gemeinde'").fetchone()[0]
    assert svb > 0
    # shares at 31.12. exist only where age groups exist (2015), not for 2008–2014
    years = {r[0] for r in mart.execute("select distinct jahr from mart.sozialraum_indikatoren where indikator_id = 'anteil_unter_18'").fetchall()}
    assert years == {2015}


def test_kreis_abgleich_reports_the_difference(mart):
    kreis = arbeitslose_2016("Arbeitslose insgesamt")["06432"]
    summe = sum(arbeitslose_2016("Arbeitslose insgesamt")[a] for a in gemeinden())
    row = mart.execute(
        "select wert_kreis, summe_gemeinden, differenz, status from mart.kreis_abgleich "
        "where tabelle = '13211-01-03-5' and zeit = '2016' and merkmal = 'Arbeitslose insgesamt'").fetchone()
    assert row == (kreis, summe, summe - kreis, "differenz")
    assert (kreis, summe) == (7134, 7133)
    row = mart.execute(
        "select wert_kreis, summe_gemeinden, differenz, status from mart.kreis_abgleich "
        "where tabelle = '12411-01-01-5' and zeit = '31.12.2015' and merkmal = 'Insgesamt'").fetchone()
    assert row == (292773, 292773, 0, "abgeglichen")


def test_lieferungen_name_the_delivered_files(mart):
    rows = mart.execute("select tabelle, zeit, datei, sha256, ist_demodaten, ist_aktuell from mart.lieferungen").fetchall()
    for tabelle, _zeit, datei, sha256, demo, aktuell in rows:
        assert sha256 == hashlib.sha256((DADI / datei).read_bytes()).hexdigest()
        assert datei.startswith(tabelle) and demo is False and aktuell is True
    zeiten = sorted(z for t, z, *_ in rows if t == "12411-01-01-5")
    assert zeiten == sorted(f"31.12.{j}" for j in range(2008, 2016))
    columns = [r[0] for r in mart.execute("describe mart.lieferungen").fetchall()]
    assert "wert" not in columns


def test_dim_gebiet_levels(mart):
    counts = dict(mart.execute("select gebiet_ebene, count(distinct gebiet_id) from mart.dim_gebiet group by 1").fetchall())
    assert counts == {"ortsteil": 57, "gemeinde": 23, "sozialraum": len(sozialraeume()), "kreis": 1, "land": 1,
                      "bund": 1}
    # the comparison areas are the region's Land and Germany, and the Ortsteile (ortsteile.csv has no boundaries),
    # without polygons; every other area has them
    assert mart.execute("select gebiet_ebene, gebiet_id, gebiet_name from mart.dim_gebiet "
                        "where gebiet_ebene in ('land', 'bund') order by 1").fetchall() == [
        ("bund", "DG", "Deutschland"), ("land", "06", "Hessen")]
    missing = mart.execute("select count(*) from mart.dim_gebiet where geojson is null "
                           "and gebiet_ebene not in ('ortsteil', 'land', 'bund')").fetchone()[0]
    assert missing == 0
