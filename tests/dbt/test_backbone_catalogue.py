"""Fast checks of the indicator catalogue and of the rule that indicator metadata lives only there."""

from __future__ import annotations

import csv
import re

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

CATALOGUE = REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv"
# docs/contracts.md, plus the appendable extra columns `geheimhaltung`, `niedrigste_ebene`, `geheim_ab_ebene`
CONTRACT_COLUMNS = ["indikator_id", "name", "definition", "zaehler", "nenner", "einheit", "faktor",
                    "stichtagsregel", "polaritaet", "quelle", "thema", "geheimhaltung", "niedrigste_ebene",
                    "geheim_ab_ebene"]
BACKBONE_INDICATORS = {
    "bevoelkerung", "anteil_unter_18", "anteil_65_plus", "jugendquotient", "altenquotient",
    "arbeitslosenanteil", "juengere_arbeitslose", "aeltere_arbeitslose", "langzeitarbeitslosenanteil",
    "beschaeftigtenquote", "wanderungssaldo_je_1000",
}
# indicators from the delivered GENESIS tables (issue 12, part 3) and their reference-date rules
GENESIS_INDICATORS = {
    "auslaendische_arbeitslose": "gleiche_tabelle", "beschaeftigungsquote_frauen": "vorjahr_31_12",
    "beschaeftigtenquote_jahresende": "jahresende_gleich", "pendlersaldo_je_100": "gleicher_stichtag",
    "durchschnittsalter": "stichtag_gleich", "familienwanderung": "vorjahr_31_12",
    "bildungswanderung": "vorjahr_31_12", "ruhestandswanderung": "vorjahr_31_12",
}
FAKTOR = {"%": "100", "je 100": "100", "je 1.000": "1000", "je 10.000": "10000", "Jahre": "1", "km": "1",
          "Anzahl": "1"}


def _catalogue() -> tuple[list[str], list[dict[str, str]]]:
    with open(CATALOGUE, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_catalogue_columns_are_the_contract():
    columns, rows = _catalogue()
    assert columns == CONTRACT_COLUMNS
    assert all(len(row) == len(CONTRACT_COLUMNS) and None not in row for row in rows)


def test_catalogue_has_every_backbone_indicator_once_with_consistent_unit():
    _, rows = _catalogue()
    ids = [row["indikator_id"] for row in rows]
    assert len(ids) == len(set(ids))
    by_id = {row["indikator_id"]: row for row in rows}
    assert BACKBONE_INDICATORS <= set(by_id)
    for row in rows:
        assert FAKTOR[row["einheit"]] == row["faktor"], row["indikator_id"]
        assert (row["stichtagsregel"] == "keine") == (row["einheit"] == "Anzahl"), row["indikator_id"]
        assert row["polaritaet"] in {"-1", "0", "1"}
        assert row["geheimhaltung"] in {"true", "false"}
    assert all(by_id[i]["geheimhaltung"] == "false" for i in BACKBONE_INDICATORS)
    # reference-date rules of the brief
    assert by_id["arbeitslosenanteil"]["stichtagsregel"] == "vorjahr_31_12"
    assert by_id["beschaeftigtenquote"]["stichtagsregel"] == "vorjahr_31_12"
    assert by_id["wanderungssaldo_je_1000"]["stichtagsregel"] == "vorjahr_31_12"
    assert by_id["anteil_unter_18"]["stichtagsregel"] == "stichtag_gleich"


def test_genesis_indicators_are_public_with_their_rules_and_definitions():
    _, rows = _catalogue()
    by_id = {row["indikator_id"]: row for row in rows}
    assert set(GENESIS_INDICATORS) <= set(by_id)
    for indikator, regel in GENESIS_INDICATORS.items():
        row = by_id[indikator]
        assert row["stichtagsregel"] == regel, indikator
        assert row["geheimhaltung"] == "false", indikator
        assert row["quelle"].startswith("GENESIS "), indikator
        assert row["definition"] and row["zaehler"] and row["nenner"], indikator
    # balances are numerators defined as a difference (the GX suite mart__indikatoren lets them be negative)
    for indikator in ("pendlersaldo_je_100", "familienwanderung", "bildungswanderung", "ruhestandswanderung",
                      "wanderungssaldo_je_1000"):
        assert " minus " in by_id[indikator]["zaehler"], indikator
    # the age groups of the migration indicators are stated in the definition
    assert "unter 18" in by_id["familienwanderung"]["definition"] and "30 bis unter 50" in by_id["familienwanderung"]["definition"]
    assert "18 bis unter 25" in by_id["bildungswanderung"]["definition"]
    assert "50 bis unter 65" in by_id["ruhestandswanderung"]["definition"]
    assert by_id["durchschnittsalter"]["einheit"] == "Jahre"


def test_no_indicator_factor_hard_coded_in_backbone_sql():
    """Values are zaehler / nenner × catalogue faktor: no model multiplies or divides by 100 / 1000 itself."""
    models = [p for folder in ("intermediate", "marts") for p in (DBT_PROJECT_DIR / "models" / folder).glob("*.sql")]
    assert models
    literal = re.compile(r"[*/]\s*(100|1000|100\.0|1000\.0)\b")
    offenders = [p.name for p in models if literal.search(p.read_text(encoding="utf-8"))]
    assert offenders == []

