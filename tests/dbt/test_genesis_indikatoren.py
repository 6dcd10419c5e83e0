"""The indicators from the delivered GENESIS tables (issue 12, part 3) against the GENESIS CSV files themselves.

Every expected figure is computed here from the delivered CSV files with Python's csv module (no DuckDB, no
dbt code) and compared with the mart, for every Gemeinde (or a few, where the demo build is read), the Kreis
(Σ over its Gemeinden), Hessen and Germany (their own official rows):
- on the real DaDi extracts alone (fixture `backbone`, tests/dbt/conftest.py: ingest of data/genesis/dadi and
  `dbt build`): every indicator whose numerator and denominator the real snapshot holds — the share of
  foreign unemployed 2016, the Beschäftigtenquote on the population at the end of 2015, the Pendlersaldo 2015
  and the Durchschnittsalter 2015;
- on the demo build (fixture `demo_build`): the rates that divide by the population at 31.12. of the previous
  year (Beschäftigungsquote Frauen, Familien-, Bildungs- and Ruhestandswanderung), read from the CSV files of
  its landing folder: 2015 = real numerator / demo population of 31.12.2014, 2016 = demo numerator / real
  population of 31.12.2015.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import REPO_ROOT

DADI = REPO_ROOT / "data" / "genesis" / "dadi"
KREIS = "06432"
SOME = ("06432001", "06432008", "06432013", "06432023")  # Alsbach-Hähnlein, Griesheim, Modautal, Weiterstadt
VERGLEICH = {"land": "06", "bund": "DG"}

pytestmark = pytest.mark.slow

RE_ZEIT = re.compile(r"^(\d{2}\.\d{2}\.\d{4}|\d{4})$|^Jahr: ?(\d{4})$")


# --------------------------------------------------------------------------------------------------
# independent reading of a GENESIS CSV file
# --------------------------------------------------------------------------------------------------
class Tabelle:
    """One GENESIS CSV file: its time label(s), header path per value column and data rows by region code."""

    def __init__(self, path: Path):
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        self.name = path.name
        self.tabelle = rows[0][0].split(":", 1)[1].strip()
        body = []
        for row in rows[1:]:
            if row and row[0].startswith("___"):
                break
            body.append(row)
        # layout B (12411-07-01-5): the date in column 1, the region code in column 2
        self.versatz = 1 if any(len(r) > 2 and RE_ZEIT.match(r[0]) and r[1].strip() for r in body) else 0
        v = self.versatz
        self.kopf = [r for r in body if len(r) > v + 2 and all(c == "" for c in r[:v + 2]) and any(r[v + 2:])]
        self.daten = {r[v].strip(): r for r in body
                      if len(r) > v + 2 and r[v + 1].strip() and (r[v].strip() == "DG" or r[v].strip().isdigit())}
        titel = [m.group(1) or m.group(2) for r in body if r and not r[0] == "" and (m := RE_ZEIT.match(r[0]))]
        kopfzeiten = {c for h in self.kopf for c in h if RE_ZEIT.match(c)}
        self.zeiten = set(titel) | kopfzeiten

    def spalte(self, *teile: str) -> int:
        """The value column whose header path holds `teile` (as a multiset of cells; the shortest path wins)."""
        gesucht = Counter(teile)
        treffer = []
        for i in range(self.versatz + 2, max(len(h) for h in self.kopf)):
            pfad = [h[i].strip() for h in self.kopf if i < len(h) and h[i].strip()]
            if not gesucht - Counter(pfad):
                treffer.append((len(pfad), i))
        assert treffer, f"{self.name}: no column {teile}"
        kuerzeste = min(n for n, _ in treffer)
        spalten = [i for n, i in treffer if n == kuerzeste]
        assert len(spalten) == 1, f"{self.name}: {teile} is ambiguous"
        return spalten[0]

    def wert(self, code: str, *teile: str) -> float | None:
        zelle = self.daten[code][self.spalte(*teile)].strip()
        if zelle == "-":
            return 0.0
        if zelle in (".", "...", "/", "x"):
            return None
        return float(zelle.replace(",", "."))

    def gemeinden(self) -> list[str]:
        return sorted(c for c in self.daten if len(c) == 8 and c.startswith(KREIS))


@cache
def tabelle(ordner: Path, tabelle_id: str, zeit: str) -> Tabelle:
    """The file of `tabelle_id` in `ordner` that holds the time label `zeit` (31.12.2015, 30.06.2015, 2016)."""
    passend = [t for p in sorted(ordner.glob(f"{tabelle_id}_*.csv")) if zeit in (t := Tabelle(p)).zeiten]
    assert len(passend) == 1, f"{tabelle_id} {zeit}: {[t.name for t in passend]}"
    return passend[0]


ALTERSGRUPPEN = [(0, 3), (3, 6), (6, 10), (10, 15), (15, 18), (18, 20), (20, 25), (25, 30), (30, 35), (35, 40),
                 (40, 45), (45, 50), (50, 55), (55, 60), (60, 65), (65, 75)]


def _gruppe(von: int, bis: int) -> str:
    return f"unter {bis} Jahre" if von == 0 else f"{von} bis unter {bis} Jahre"


def einwohner(ordner: Path, stichtag: str, code: str, von: int, bis: int, geschlecht: str = "Insgesamt") -> float:
    """12411-02-03-5: residents von <= age < bis at `stichtag` (sum of the 17 groups)."""
    t = tabelle(ordner, "12411-02-03-5", stichtag)
    return sum(t.wert(code, geschlecht, _gruppe(a, b)) for a, b in ALTERSGRUPPEN if a >= von and b <= bis)


def saldo(ordner: Path, jahr: int, code: str, altersgruppe: str) -> float:
    t = tabelle(ordner, "12711-01-03-5", str(jahr))
    return (t.wert(code, "Zuzüge über die Gemeindegrenzen", "Insgesamt", altersgruppe)
            - t.wert(code, "Fortzüge über die Gemeindegrenzen", "Insgesamt", altersgruppe))


def _zeile(con: duckdb.DuckDBPyConnection, ebene: str, gebiet: str, jahr: int, indikator: str) -> dict | None:
    cur = con.execute(
        "select wert, zaehler, nenner, einheit, ist_unterdrueckt, quelle, nenner_quelle, ist_demodaten "
        "from mart.sozialraum_indikatoren where gebiet_ebene = ? and gebiet_id = ? and jahr = ? and indikator_id = ?",
        [ebene, gebiet, jahr, indikator])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def _pruefe(con, ebene: str, gebiet: str, jahr: int, indikator: str, zaehler: float, nenner: float,
            faktor: float) -> dict:
    row = _zeile(con, ebene, gebiet, jahr, indikator)
    assert row is not None, (ebene, gebiet, jahr, indikator)
    assert row["zaehler"] == pytest.approx(zaehler, rel=1e-12, abs=1e-9), (ebene, gebiet, jahr, indikator)
    assert row["nenner"] == pytest.approx(nenner, rel=1e-12), (ebene, gebiet, jahr, indikator)
    assert row["wert"] == pytest.approx(zaehler / nenner * faktor, rel=1e-12, abs=1e-12), (ebene, gebiet, jahr, indikator)
    assert row["ist_unterdrueckt"] is False
    return row


# --------------------------------------------------------------------------------------------------
# real extracts alone (backbone)
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(backbone) -> duckdb.DuckDBPyConnection:
    return backbone.con


def test_auslaendische_arbeitslose_2016(real):
    t = tabelle(DADI, "13211-01-03-5", "2016")
    gemeinden = t.gemeinden()
    assert len(gemeinden) == 23
    for code in [*gemeinden, *VERGLEICH.values()]:
        ebene = next((e for e, c in VERGLEICH.items() if c == code), "gemeinde")
        row = _pruefe(real, ebene, code, 2016, "auslaendische_arbeitslose",
                      t.wert(code, "Ausländer"), t.wert(code, "Arbeitslose insgesamt"), 100)
        assert row["einheit"] == "%" and row["quelle"] == "GENESIS 13211-01-03-5 (2016)" and not row["ist_demodaten"]
    # Griesheim: 241 of 657 unemployed are foreigners
    assert _zeile(real, "gemeinde", "06432008", 2016, "auslaendische_arbeitslose")["wert"] == pytest.approx(241 / 657 * 100)
    # the Kreis is Σ Gemeinden / Σ Gemeinden, not the Kreis row (7134 unemployed, Σ Gemeinden 7133)
    _pruefe(real, "kreis", KREIS, 2016, "auslaendische_arbeitslose", sum(t.wert(c, "Ausländer") for c in gemeinden),
            sum(t.wert(c, "Arbeitslose insgesamt") for c in gemeinden), 100)


def test_beschaeftigtenquote_jahresende_2015_from_official_tables_alone(real):
    svb = tabelle(DADI, "13111-02-02-5", "30.06.2015")
    for code in [*svb.gemeinden(), *VERGLEICH.values()]:
        ebene = next((e for e, c in VERGLEICH.items() if c == code), "gemeinde")
        row = _pruefe(real, ebene, code, 2015, "beschaeftigtenquote_jahresende",
                      svb.wert(code, "Insgesamt", "Insgesamt"), einwohner(DADI, "31.12.2015", code, 15, 65), 100)
        assert row["nenner_quelle"] == "GENESIS 12411-02-03-5 (31.12.2015)" and not row["ist_demodaten"]
    kreis = _zeile(real, "kreis", KREIS, 2015, "beschaeftigtenquote_jahresende")
    assert kreis["zaehler"] == sum(svb.wert(c, "Insgesamt", "Insgesamt") for c in svb.gemeinden()) == 111338
    # the rates on the population at 31.12. of the previous year have no value in the real snapshot (no 2014)
    for indikator in ("beschaeftigtenquote", "beschaeftigungsquote_frauen", "familienwanderung",
                      "bildungswanderung", "ruhestandswanderung"):
        assert real.execute("select count(*) from mart.sozialraum_indikatoren where indikator_id = ?",
                            [indikator]).fetchone()[0] == 0, indikator


def test_pendlersaldo_2015(real):
    arbeitsort = tabelle(DADI, "13111-01-03-5", "30.06.2015")
    wohnort = tabelle(DADI, "13111-02-02-5", "30.06.2015")
    pendler = tabelle(DADI, "13111-08-02-5", "30.06.2015")
    ao_spalte, wo_spalte = "Sozialversicherungspfl. Beschäftigte (Arbeitsort)", "Sozialversicherungspfl. Beschäftigte (Wohnort)"
    gemeinden = arbeitsort.gemeinden()
    for code in gemeinden:
        ao, wo = arbeitsort.wert(code, "Insgesamt", "Insgesamt"), wohnort.wert(code, "Insgesamt", "Insgesamt")
        row = _pruefe(real, "gemeinde", code, 2015, "pendlersaldo_je_100", ao - wo, ao, 100)
        assert row["einheit"] == "je 100" and not row["ist_demodaten"]
        # 13111-08-02-5 has the same Beschäftigte on both sides; its own Pendlersaldo column (Einpendler −
        # Auspendler) may differ by a few persons (later corrections of the BA)
        assert (pendler.wert(code, ao_spalte), pendler.wert(code, wo_spalte)) == (ao, wo)
        einpendler = pendler.wert(code, "Einpendler(innen) über Gemeindegrenze (Arbeitsort)")
        auspendler = pendler.wert(code, "Auspendler(innen) über Gemeindegrenzen (Wohnort)")
        assert abs((einpendler - auspendler) - (ao - wo)) <= 5
    # Griesheim: 5913 jobs, 10972 employees living there: −85,6 je 100 SvB am Arbeitsort
    assert _zeile(real, "gemeinde", "06432008", 2015, "pendlersaldo_je_100")["wert"] == pytest.approx(
        (5913 - 10972) / 5913 * 100)
    # Kreis: only commuting across the Kreis border remains (Σ Gemeinden = the official Kreis rows here)
    _pruefe(real, "kreis", KREIS, 2015, "pendlersaldo_je_100", 70002 - 111338, 70002, 100)
    assert sum(arbeitsort.wert(c, "Insgesamt", "Insgesamt") for c in gemeinden) == 70002
    for ebene, code in VERGLEICH.items():
        ao, wo = arbeitsort.wert(code, "Insgesamt", "Insgesamt"), wohnort.wert(code, "Insgesamt", "Insgesamt")
        _pruefe(real, ebene, code, 2015, "pendlersaldo_je_100", ao - wo, ao, 100)


def test_durchschnittsalter_2015(real):
    alter = tabelle(DADI, "12411-07-01-5", "31.12.2015")
    bev = tabelle(DADI, "12411-01-01-5", "31.12.2015")
    gemeinden = alter.gemeinden()
    assert len(gemeinden) == 23
    for code in [*gemeinden, *VERGLEICH.values()]:
        ebene = next((e for e, c in VERGLEICH.items() if c == code), "gemeinde")
        durchschnitt = alter.wert(code, "Durchschnittsalter der Bevölkerung")
        e = bev.wert(code, "31.12.2015", "Insgesamt")
        row = _pruefe(real, ebene, code, 2015, "durchschnittsalter", durchschnitt * e, e, 1)
        assert row["wert"] == pytest.approx(durchschnitt, abs=1e-9)  # the official value itself
        assert row["einheit"] == "Jahre" and row["nenner_quelle"] == "GENESIS 12411-01-01-5 (31.12.2015)"
    assert _zeile(real, "gemeinde", "06432022", 2015, "durchschnittsalter")["wert"] == pytest.approx(47.0)  # Seeheim-Jugenheim
    # the Kreis: Σ Lebensjahre / Σ Einwohner of its Gemeinden, within rounding of the official 43,9
    lebensjahre = sum(alter.wert(c, "Durchschnittsalter der Bevölkerung") * bev.wert(c, "31.12.2015", "Insgesamt")
                      for c in gemeinden)
    e_kreis = sum(bev.wert(c, "31.12.2015", "Insgesamt") for c in gemeinden)
    kreis = _pruefe(real, "kreis", KREIS, 2015, "durchschnittsalter", lebensjahre, e_kreis, 1)
    assert abs(kreis["wert"] - alter.wert(KREIS, "Durchschnittsalter der Bevölkerung")) < 0.1


# --------------------------------------------------------------------------------------------------
# demo build: population of the previous year
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_build):
    con = duckdb.connect(str(demo_build.published), read_only=True)
    yield con, demo_build.landing / "genesis"
    con.close()


@pytest.mark.parametrize("jahr", [2015, 2016])
def test_beschaeftigungsquote_frauen(demo, jahr):
    con, ordner = demo
    svb = tabelle(ordner, "13111-02-02-5", f"30.06.{jahr}")
    vorjahr = f"31.12.{jahr - 1}"
    for code in [*SOME, *VERGLEICH.values()]:
        ebene = next((e for e, c in VERGLEICH.items() if c == code), "gemeinde")
        row = _pruefe(con, ebene, code, jahr, "beschaeftigungsquote_frauen", svb.wert(code, "Insgesamt", "weiblich"),
                      einwohner(ordner, vorjahr, code, 15, 65, "weiblich"), 100)
        assert row["nenner_quelle"] == f"GENESIS 12411-02-03-5 ({vorjahr})" + (", Demodaten" if jahr == 2015 else "")
        assert row["ist_demodaten"]  # one of the two tables is synthetic in either year
    gemeinden = svb.gemeinden()
    _pruefe(con, "kreis", KREIS, jahr, "beschaeftigungsquote_frauen",
            sum(svb.wert(c, "Insgesamt", "weiblich") for c in gemeinden),
            sum(einwohner(ordner, vorjahr, c, 15, 65, "weiblich") for c in gemeinden), 100)


WANDERUNG = {  # indicator: [(age group of 12711-01-03-5, its ages in 12411-02-03-5)], as the catalogue defines it
    "familienwanderung": [("unter 18 Jahre", (0, 18)), ("30 bis unter 50 Jahre", (30, 50))],
    "bildungswanderung": [("18 bis unter 25 Jahre", (18, 25))],
    "ruhestandswanderung": [("50 bis unter 65 Jahre", (50, 65))],
}


@pytest.mark.parametrize("jahr", [2015, 2016])
@pytest.mark.parametrize("indikator", sorted(WANDERUNG))
def test_wanderung_nach_altersgruppen(demo, jahr, indikator):
    con, ordner = demo
    vorjahr = f"31.12.{jahr - 1}"
    teile = WANDERUNG[indikator]

    def erwartet(code: str) -> tuple[float, float]:
        return (sum(saldo(ordner, jahr, code, gruppe) for gruppe, _ in teile),
                sum(einwohner(ordner, vorjahr, code, von, bis) for _, (von, bis) in teile))

    for code in [*SOME, *VERGLEICH.values()]:
        ebene = next((e for e, c in VERGLEICH.items() if c == code), "gemeinde")
        row = _pruefe(con, ebene, code, jahr, indikator, *erwartet(code), 1000)
        assert row["einheit"] == "je 1.000"
        assert row["quelle"] == f"GENESIS 12711-01-03-5 ({jahr})" + (", Demodaten" if jahr > 2015 else "")
    gemeinden = tabelle(ordner, "12711-01-03-5", str(jahr)).gemeinden()
    zaehler = sum(erwartet(c)[0] for c in gemeinden)
    nenner = sum(erwartet(c)[1] for c in gemeinden)
    _pruefe(con, "kreis", KREIS, jahr, indikator, zaehler, nenner, 1000)
    # the total balance is the sum over all age groups (the same table): the age indicators are parts of it
    alle = sum(saldo(ordner, jahr, "06432008", g) for g in ("unter 18 Jahre", "18 bis unter 25 Jahre",
               "25 bis unter 30 Jahre", "30 bis unter 50 Jahre", "50 bis unter 65 Jahre", "65 Jahre und mehr"))
    assert _zeile(con, "gemeinde", "06432008", jahr, "wanderungssaldo_je_1000")["zaehler"] == alle
