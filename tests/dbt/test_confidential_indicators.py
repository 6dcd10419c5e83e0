"""SGB II, Grundsicherung and youth-welfare indicators (issue 3): catalogue entries and the values of a
full demo build, recomputed independently (pandas, from the raw tables of the working database).

The formulas themselves are covered by dbt unit_tests next to each model (run by `dbt build`):
int_indikatoren__sgb2, int_indikatoren__grundsicherung, int_jugendhilfe__fallzahlen,
int_indikatoren__jugendhilfe, int_geheimhaltung__primaer, int_geheimhaltung__indikatoren.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "seeds" / "catalogue" / "indikatoren.csv"

SGB2 = {"sgb2_quote", "kinderarmut", "alleinerziehende_bg_anteil"}
GRUNDSICHERUNG = {"altersarmut"}
JUGENDHILFE = {
    "hze_eckwert", "hze_ambulant_eckwert", "hze_stationaer_eckwert", "erziehungsberatung_eckwert",
    "eingliederungshilfe_35a_eckwert", "junge_volljaehrige_eckwert", "inobhutnahmen_je_1000_u18",
    "gefaehrdungseinschaetzungen_je_1000_u18", "anteil_akute_latente_gefaehrdung",
}
ALL = SGB2 | GRUNDSICHERUNG | JUGENDHILFE
HILFEARTEN = {
    "hze_eckwert": {"27_2", "29", "30", "31", "32", "33", "34", "35"},
    "hze_ambulant_eckwert": {"27_2", "29", "30", "31", "32", "35"},
    "hze_stationaer_eckwert": {"33", "34"},
    "erziehungsberatung_eckwert": {"28"},
    "eingliederungshilfe_35a_eckwert": {"35a"},
    "junge_volljaehrige_eckwert": {"41"},
}


def catalogue() -> dict[str, dict[str, str]]:
    with open(CATALOGUE, encoding="utf-8") as handle:
        return {row["indikator_id"]: row for row in csv.DictReader(handle)}


def test_catalogue_rows():
    cat = catalogue()
    assert ALL <= set(cat)
    for ind in ALL:
        assert cat[ind]["geheimhaltung"] == ("true" if ind in JUGENDHILFE else "false"), ind
        assert cat[ind]["definition"] and cat[ind]["zaehler"] and cat[ind]["nenner"]
    assert cat["hze_eckwert"]["faktor"] == "1000" and cat["hze_eckwert"]["einheit"] == "je 1.000"
    assert cat["anteil_akute_latente_gefaehrdung"]["einheit"] == "%"
    quote = cat["sgb2_quote"]["definition"]
    assert "65" in quote and "67" in quote and "§ 7a" in quote, "the definition names the BA's age limit and the difference"


@pytest.fixture(scope="module")
def demo(demo_build):
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        mart = con.execute("select * from mart.sozialraum_indikatoren").df()
        faktor = dict(con.execute("select indikator_id, faktor from mart.indikatoren").fetchall())
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        raw = {t: con.execute(f"select * from raw.{t}").df() for t in (
            "sgb2__gemeinde_monat", "grundsicherung__empfaenger", "jugendhilfe__hilfen",
            "jugendhilfe__gefaehrdungen", "jugendhilfe__inobhutnahmen", "jugendhilfe__lieferungen")}
    return mart, faktor, raw


def _current(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows of the latest delivery (geladen_am, then sha256) per period."""
    latest = frame.sort_values(["geladen_am", "sha256"]).groupby(period)["sha256"].last()
    return frame[frame["sha256"] == frame[period].map(latest)]


@pytest.mark.slow
def test_every_indicator_has_a_series_at_every_level(demo):
    mart, _, _ = demo
    rows = mart[mart["indikator_id"].isin(ALL)]
    for ind in sorted(ALL):
        mine = rows[rows["indikator_id"] == ind]
        lowest = {"ortsteil"} if catalogue()[ind]["niedrigste_ebene"] == "ortsteil" else set()  # issue 12
        assert set(mine["gebiet_ebene"]) == {"gemeinde", "sozialraum", "kreis"} | lowest, ind
        assert set(range(2015, 2025)) <= set(mine["jahr"]), f"{ind}: {sorted(set(mine['jahr']))}"


@pytest.mark.slow
def test_demo_rows_say_demodaten(demo):
    mart, _, _ = demo
    rows = mart[mart["indikator_id"].isin(ALL)]
    assert rows["ist_demodaten"].all(), "the demo build has only synthetic SGB II / Jugendhilfe / Grundsicherung data"
    assert rows["quelle"].str.contains("Demodaten").all()


@pytest.mark.slow
def test_published_rates_are_zaehler_over_nenner(demo):
    mart, faktor, _ = demo
    rows = mart[mart["indikator_id"].isin(ALL) & mart["wert"].notna()]
    expected = rows["zaehler"] / rows["nenner"] * rows["indikator_id"].map(faktor)
    assert np.allclose(rows["wert"], expected)
    kreis = mart[mart["gebiet_ebene"].eq("kreis") & mart["indikator_id"].isin(HILFEARTEN)].pivot_table(
        index="jahr", columns="indikator_id", values="zaehler")
    assert (kreis["hze_eckwert"] == kreis["hze_ambulant_eckwert"] + kreis["hze_stationaer_eckwert"]).all()


@pytest.mark.slow
def test_sgb2_values_are_the_december_report(demo):
    mart, _, raw = demo
    sgb2 = raw["sgb2__gemeinde_monat"].copy()
    sgb2["monat"] = pd.to_datetime(sgb2["berichtsmonat"])
    sgb2 = _current(sgb2, "monat")
    dec = sgb2[(sgb2["monat"].dt.month == 12) & (sgb2["ags"].str.len() == 8)]
    checked = 0
    for ind, merkmal in (("sgb2_quote", "lb_insgesamt"), ("kinderarmut", "nef_unter_15"), ("alleinerziehende_bg_anteil", "bg_alleinerziehende")):
        src = dec[dec["merkmal"] == merkmal].assign(jahr=lambda d: d["monat"].dt.year)
        src = src.set_index(["ags", "jahr"])
        pub = mart[(mart["indikator_id"] == ind) & (mart["gebiet_ebene"] == "gemeinde")].set_index(["gebiet_id", "jahr"])
        for key, row in pub.iterrows():
            value = src.loc[key]
            if value["marker"] == "*":
                assert pd.isna(row["zaehler"]) and row["ist_unterdrueckt"], (ind, key)
            else:
                expected = 0 if value["marker"] == "-" else value["wert"]
                assert row["zaehler"] == expected, (ind, key, row["zaehler"], expected)
            checked += 1
        # Kreis = Σ Gemeinden; when one Gemeinde is suppressed by the source, the BA's own Kreis row
        kreiszeilen = sgb2[(sgb2["monat"].dt.month == 12) & (sgb2["ags"].str.len() == 5) & (sgb2["merkmal"] == merkmal)]
        kreiszeilen = kreiszeilen.set_index(kreiszeilen["monat"].dt.year)
        for jahr, group in src.reset_index().groupby("jahr"):
            kreis = mart[(mart["indikator_id"] == ind) & (mart["gebiet_ebene"] == "kreis") & (mart["jahr"] == jahr)]
            if kreis.empty:
                continue
            if (group["marker"] == "*").any():
                assert kreis["zaehler"].iloc[0] == kreiszeilen.loc[jahr, "wert"], (ind, jahr)
                assert kreis["quelle"].iloc[0].endswith("(Kreiswert: Kreissumme der Quelle)")
            else:
                assert kreis["zaehler"].iloc[0] == group["wert"].fillna(0).sum()
    assert checked > 0


def _export_year(frame: pd.DataFrame, lieferungen: pd.DataFrame) -> pd.DataFrame:
    year = lieferungen.set_index("sha256")["berichtszeitraum"].astype(str).str[:4].astype(int)
    frame = frame.assign(exportjahr=frame["sha256"].map(year))
    latest = frame.sort_values(["geladen_am", "sha256"]).groupby("exportjahr")["sha256"].last()
    frame = frame[frame["sha256"] == frame["exportjahr"].map(latest)]
    # a case in several exports: its newest record
    return frame.sort_values(["exportjahr", "geladen_am"]).groupby("fall_pseudonym").tail(1)


@pytest.mark.slow
def test_youth_welfare_kreis_counts_recomputed_from_case_records(demo):
    """Kreis totals (never suppressed) against an independent pandas count of the case records."""
    mart, _, raw = demo
    lief = raw["jugendhilfe__lieferungen"]
    hilfen = _export_year(raw["jugendhilfe__hilfen"], lief)
    years = sorted(_export_year(raw["jugendhilfe__hilfen"], lief)["exportjahr"].unique())
    kreis = mart[mart["gebiet_ebene"] == "kreis"].set_index(["indikator_id", "jahr"])["zaehler"]
    beginn = pd.to_datetime(hilfen["beginn"])
    ende = pd.to_datetime(hilfen["ende"])
    checked = 0
    for jahr in years:
        active = (hilfen["exportjahr"] >= jahr) & (beginn <= pd.Timestamp(jahr, 12, 31)) & (ende.isna() | (ende >= pd.Timestamp(jahr, 1, 1)))
        for ind, arten in HILFEARTEN.items():
            if (ind, jahr) in kreis.index:
                assert kreis[(ind, jahr)] == (active & hilfen["hilfeart"].isin(arten)).sum(), (ind, jahr)
                checked += 1
    gef = _export_year(raw["jugendhilfe__gefaehrdungen"], lief)
    gef_jahr = pd.to_datetime(gef["datum"]).dt.year
    inob = _export_year(raw["jugendhilfe__inobhutnahmen"], lief)
    inob = inob[inob["paragraph"] == "42"]
    inob_jahr = pd.to_datetime(inob["beginn"]).dt.year
    for jahr in sorted(gef["exportjahr"].unique()):
        if ("gefaehrdungseinschaetzungen_je_1000_u18", jahr) in kreis.index:
            assert kreis[("gefaehrdungseinschaetzungen_je_1000_u18", jahr)] == (gef_jahr == jahr).sum()
            assert kreis[("anteil_akute_latente_gefaehrdung", jahr)] == ((gef_jahr == jahr) & gef["ergebnis"].isin(["akut", "latent"])).sum()
            checked += 2
    for jahr in sorted(inob["exportjahr"].unique()):
        if ("inobhutnahmen_je_1000_u18", jahr) in kreis.index:
            assert kreis[("inobhutnahmen_je_1000_u18", jahr)] == (inob_jahr == jahr).sum()
            checked += 1
    assert checked >= 6 * 10, "youth-welfare Kreis values for 2015–2024 expected"


@pytest.mark.slow
def test_case_level_data_is_not_published(demo_build):
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()}
        columns = {c for (c,) in con.execute("select distinct column_name from information_schema.columns").fetchall()}
    assert not any(t.startswith(("raw.", "staging.", "intermediate.")) for t in tables), tables
    assert "fall_pseudonym" not in columns and "unterdrueckungsgrund" not in columns
