"""The narrative rules of the profiles (orchestration/profiles/narrative.py), one group of tests per rule:
boundaries of the tolerance bands, missing values, and suppressed values that must never be quoted."""

from __future__ import annotations

import re

import pytest

from orchestration.profiles import narrative as n

GEHEIM = 123.456  # a value no rule may quote when it is marked suppressed


def _keine_geheime_zahl(text: str | None) -> None:
    assert text is None or not re.search(r"123|456|12,3|23,5|123,5", text), text


# --- aufzaehlung ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("teile", "erwartet"), [
    ([], ""), (["A"], "A"), (["A", "B"], "A und B"), (["A", "B", "C"], "A, B und C"), (["A", "", "C"], "A und C"),
])
def test_aufzaehlung(teile, erwartet):
    assert n.aufzaehlung(teile) == erwartet


# --- lage: tolerance band ------------------------------------------------------------------------------

def test_lage_band_boundaries():
    # ±3 % of 10.0 = ±0.3: the boundary itself is still "gleich"
    assert n.lage(10.3, 10.0) == "gleich"
    assert n.lage(9.7, 10.0) == "gleich"
    assert n.lage(10.31, 10.0) == "ueber"
    assert n.lage(9.69, 10.0) == "unter"
    assert n.lage(10.5, 10.0, toleranz=0.05) == "gleich"
    assert n.lage(10.0, 10.0) == "gleich"


def test_lage_zero_reference_and_missing():
    assert n.lage(0.0, 0.0) == "gleich"
    assert n.lage(0.1, 0.0) == "ueber"
    assert n.lage(None, 1.0) is None
    assert n.lage(1.0, None) is None


# --- wert ----------------------------------------------------------------------------------------------

def test_wert_sentence():
    assert n.wert("Bevölkerung", 2023, 12345, False, "Anzahl") == "Bevölkerung 2023: 12.345."
    assert n.wert("Durchschnittsalter", 2023, 44.25, False, "Jahre") == "Durchschnittsalter 2023: 44,2."
    assert n.wert("Bevölkerung", 2023, None, False, "Anzahl") is None
    assert n.wert("Inobhutnahmen", 2023, GEHEIM, True, "Anzahl") is None


# --- kreisvergleich ------------------------------------------------------------------------------------

def test_kreisvergleich_above_below_equal():
    ueber = n.kreisvergleich("Dieburg", "Arbeitslosenanteil", 2023, 5.2, False, 4.1, False, "%")
    assert ueber == "Arbeitslosenanteil 2023: Mit 5,2\u00a0% liegt Dieburg über dem Kreiswert (4,1\u00a0%)."
    unter = n.kreisvergleich("Dieburg", "Kinderarmut", 2022, 8.0, False, 12.0, False, "%")
    assert "unter dem Kreiswert (12,0\u00a0%)" in unter
    gleich = n.kreisvergleich("Dieburg", "Jugendquotient", 2022, 30.4, False, 30.0, False, "je 100")
    assert "etwa auf dem Kreiswert (30,0)" in gleich and "Mit 30,4 liegt" in gleich
    # 67,1 % against 64,6 % is 3,9 % above: outside the band
    assert "über dem Kreiswert (64,6 %)" in n.kreisvergleich("X", "Y", 2024, 67.1, False, 64.6, False, "%")


def test_kreisvergleich_big_numbers_in_german_format():
    text = n.kreisvergleich("X", "Y", 2020, 1234.5, False, 1000.0, False, "je 1.000")
    assert "Mit 1.234,5 liegt X über dem Kreiswert (1.000,0)" in text


def test_kreisvergleich_nothing_for_missing_count_or_suppressed():
    assert n.kreisvergleich("X", "Y", 2020, None, False, 4.0, False, "%") is None
    assert n.kreisvergleich("X", "Y", 2020, 4.0, False, None, False, "%") is None
    assert n.kreisvergleich("X", "Bevölkerung", 2020, 5000, False, 300000, False, "Anzahl") is None
    assert n.kreisvergleich("X", "Y", 2020, GEHEIM, True, 4.0, False, "%") is None
    assert n.kreisvergleich("X", "Y", 2020, 4.0, False, GEHEIM, True, "%") is None


# --- land_bund_vergleich -------------------------------------------------------------------------------

def test_land_bund_vergleich():
    text = n.land_bund_vergleich(5.2, False, "%", [("Hessen", 4.0), ("Deutschland", 5.1)])
    assert text == ("Der Wert liegt über dem Wert für Hessen (4,0\u00a0%) und etwa auf dem Wert für "
                    "Deutschland (5,1\u00a0%).")
    nur_bund = n.land_bund_vergleich(5.2, False, "%", [("Hessen", None), ("Deutschland", 6.0)])
    assert nur_bund == "Der Wert liegt unter dem Wert für Deutschland (6,0\u00a0%)."


def test_land_bund_vergleich_nothing_to_say():
    assert n.land_bund_vergleich(5.0, False, "%", []) is None
    assert n.land_bund_vergleich(5.0, False, "%", [("Hessen", None)]) is None
    assert n.land_bund_vergleich(None, False, "%", [("Hessen", 4.0)]) is None
    assert n.land_bund_vergleich(5000, False, "Anzahl", [("Hessen", 6_000_000)]) is None
    assert n.land_bund_vergleich(GEHEIM, True, "%", [("Hessen", 4.0)]) is None


# --- trend ---------------------------------------------------------------------------------------------

def test_trend_rising_falling_stable():
    assert n.trend(2023, 6.0, False, 2018, 5.0, False, "%") == \
        "Seit 2018 ist der Wert gestiegen (+1,0\u00a0Prozentpunkte)."
    assert n.trend(2023, 4.0, False, 2018, 5.0, False, "%") == \
        "Seit 2018 ist der Wert gesunken (−1,0\u00a0Prozentpunkte)."
    assert n.trend(2023, 5.1, False, 2018, 5.0, False, "%") == \
        "Seit 2018 ist der Wert weitgehend stabil geblieben (+0,1\u00a0Prozentpunkte)."
    assert n.trend(2023, 5.0, False, 2018, 5.0, False, "%") == \
        "Seit 2018 ist der Wert weitgehend stabil geblieben (±0,0\u00a0Prozentpunkte)."


def test_trend_band_boundary_and_counts():
    # ±3 % of 1,000 residents: 1,030 is still stable, 1,031 is rising; counts without decimals
    assert "stabil" in n.trend(2023, 1030, False, 2018, 1000, False, "Anzahl")
    assert "stabil" in n.trend(2023, 970, False, 2018, 1000, False, "Anzahl")
    assert n.trend(2023, 1031, False, 2018, 1000, False, "Anzahl") == "Seit 2018 ist der Wert gestiegen (+31)."
    assert n.trend(2023, 969, False, 2018, 1000, False, "Anzahl") == "Seit 2018 ist der Wert gesunken (−31)."
    assert n.trend(2023, 1300, False, 2018, 1000, False, "je 1.000") == "Seit 2018 ist der Wert gestiegen (+300,0)."


def test_trend_needs_both_ends_five_years_apart_and_unsuppressed():
    assert n.trend(2023, 6.0, False, 2018, None, False, "%") is None
    assert n.trend(2023, None, False, 2018, 5.0, False, "%") is None
    assert n.trend(2023, 6.0, False, None, None, False, "%") is None
    assert n.trend(2023, 6.0, False, 2019, 5.0, False, "%") is None
    # a change next to a suppressed end would reveal it
    for text in (n.trend(2023, GEHEIM, True, 2018, 5.0, False, "%"), n.trend(2023, 5.0, False, 2018, GEHEIM, True, "%")):
        assert text is None


# --- sozialindex ---------------------------------------------------------------------------------------

def test_sozialindex_class_sentence():
    assert n.sozialindex("Dieburg", 2023, "niedrig", 1.234) == \
        "Im Sozialindex 2023 gehört Dieburg zur Statusklasse „niedrig“ (Statusindex +1,23)."
    assert n.sozialindex("Dieburg", 2023, "hoch", None) == "Im Sozialindex 2023 gehört Dieburg zur Statusklasse „hoch“."
    assert n.sozialindex("Dieburg", None, "hoch", 1.0) is None
    assert n.sozialindex("Dieburg", 2023, None, 1.0) is None


def test_sozialindex_gemeinden_grouped_by_class():
    text = n.sozialindex_gemeinden(2024, [("Messel", "mittel"), ("Griesheim", "niedrig"), ("Erzhausen", "mittel"),
                                          ("Weiterstadt", "hoch")])
    assert text == ("Im Sozialindex 2024 (berechnet für die Gemeinden) gehören Weiterstadt zur Statusklasse „hoch“, "
                    "Erzhausen und Messel zur Statusklasse „mittel“, Griesheim zur Statusklasse „niedrig“.")
    assert n.sozialindex_gemeinden(2024, [("Messel", "sehr niedrig")]) == \
        "Im Sozialindex 2024 (berechnet für die Gemeinden) gehört Messel zur Statusklasse „sehr niedrig“."


def test_sozialindex_gemeinden_nothing_to_say():
    assert n.sozialindex_gemeinden(None, [("Messel", "mittel")]) is None
    assert n.sozialindex_gemeinden(2024, []) is None
    assert n.sozialindex_gemeinden(2024, [("Messel", None)]) is None


def test_sozialindex_treiber_takes_the_first_three_in_the_direction_of_the_index():
    treiber = [("Kinderarmut", 1.8), ("SGB-II-Quote", 1.2), ("Altersarmut", 0.4), ("Arbeitslosenanteil", 0.1),
               ("Mindestsicherung", -0.5)]
    text = n.sozialindex_treiber(1.5, treiber)
    assert text == ("Am stärksten prägen den Wert Kinderarmut (z\u00a0=\u00a0+1,80), SGB-II-Quote (z\u00a0=\u00a0+1,20) "
                    "und Altersarmut (z\u00a0=\u00a0+0,40): hier ist die Lage ungünstiger als im Durchschnitt.")
    assert "Arbeitslosenanteil" not in text and "Mindestsicherung" not in text


def test_sozialindex_treiber_negative_index_names_favourable_indicators():
    treiber = [("A", -1.5), ("B", -0.2), ("C", 0.7)]  # rank order for a negative index
    text = n.sozialindex_treiber(-1.2, treiber)
    assert "A (z\u00a0=\u00a0−1,50) und B (z\u00a0=\u00a0−0,20)" in text and "günstiger" in text and "C" not in text


def test_sozialindex_treiber_nothing_to_say():
    assert n.sozialindex_treiber(None, [("A", 1.0)]) is None
    assert n.sozialindex_treiber(1.0, []) is None
    assert n.sozialindex_treiber(1.0, [("A", -1.0), ("B", None)]) is None
    assert n.sozialindex_treiber(0.5, [("A", 1.0), ("B", 0.9)], anzahl=1).count("z\u00a0=") == 1


# --- fallzahl_hinweis ----------------------------------------------------------------------------------

def test_fallzahl_hinweis_names_indicators_never_values():
    text = n.fallzahl_hinweis(["Kinderarmut"], ["Inobhutnahmen", "Hilfen zur Erziehung"])
    assert text == ("Hinweis: Kinderarmut beruht auf kleinen Fallzahlen (weniger als 20 Fälle) und schwankt daher "
                    "stark von Jahr zu Jahr. Hilfen zur Erziehung und Inobhutnahmen sind zum Schutz der "
                    "Vertraulichkeit geheim gehalten und werden nicht genannt.")
    assert not re.search(r"\d", text.replace("20 Fälle", ""))


def test_fallzahl_hinweis_singular_plural_and_empty():
    assert n.fallzahl_hinweis([], []) is None
    assert "A und B beruhen auf kleinen Fallzahlen (weniger als 10 Fälle) und schwanken" in n.fallzahl_hinweis(["B", "A", "A"], [], 10)
    assert n.fallzahl_hinweis([], ["X"]) == ("Hinweis: X ist zum Schutz der Vertraulichkeit geheim gehalten und "
                                             "wird nicht genannt.")


# --- stand ---------------------------------------------------------------------------------------------

def test_stand_sentence():
    assert n.stand("Gebietsstand 31.12.2020", "04.12.2026, 15:50 Uhr", 2023) == (
        "Alle Werte beziehen sich auf den Gebietsstand 31.12.2020. "
        "Datenstand: veröffentlicht am 04.12.2026, 15:50 Uhr, neuestes Datenjahr 2023.")


def test_stand_with_missing_parts():
    assert n.stand(None, None, None) == ("Der Gebietsstand ist im veröffentlichten Bestand nicht angegeben. "
                                         "Datenstand: nicht angegeben.")
    assert n.stand("Gebietsstand 31.12.2020", None, 2022).endswith("Datenstand: neuestes Datenjahr 2022.")


def test_no_rule_quotes_a_suppressed_value():
    texte = [
        n.kreisvergleich("X", "Y", 2020, GEHEIM, True, 1.0, False, "%"),
        n.land_bund_vergleich(GEHEIM, True, "%", [("Hessen", 1.0)]),
        n.trend(2023, GEHEIM, True, 2018, 1.0, False, "%"),
        n.trend(2023, 1.0, False, 2018, GEHEIM, True, "%"),
        n.fallzahl_hinweis([], ["Y"]),
        n.wert("Y", 2020, GEHEIM, True, "Anzahl"),
    ]
    for text in texte:
        _keine_geheime_zahl(text)
