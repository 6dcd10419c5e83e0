"""Ortsteil level of the published demo mart: the Ortsteil figures add up to the Gemeinde figures (every public
indicator, every year, zaehler and nenner; the confidential ones: test_jugendhilfe_ortsteil_mart.py), Ortsteile appear only for the indicators the catalogue allows at that level, and
dim_gebiet lists them without polygons (the maps stay on Gemeinden)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mart(demo_build):
    with duckdb.connect(str(demo_build.published), read_only=True) as con:
        yield con


def test_ortsteil_sums_equal_gemeinde_totals(mart):
    rows = mart.execute("""
        SELECT left(o.gebiet_id, 8), o.jahr, o.indikator_id, sum(o.zaehler), any_value(g.zaehler),
               sum(o.nenner), any_value(g.nenner), count(*), count(g.gebiet_id)
        FROM mart.sozialraum_indikatoren AS o
        LEFT JOIN mart.sozialraum_indikatoren AS g
            ON g.gebiet_ebene = 'gemeinde' AND g.gebiet_id = left(o.gebiet_id, 8) AND g.jahr = o.jahr
            AND g.indikator_id = o.indikator_id
        WHERE o.gebiet_ebene = 'ortsteil'
            AND o.indikator_id IN (SELECT indikator_id FROM mart.indikatoren WHERE NOT geheimhaltung)
            -- and not the confidential Ortsteil cells of a public indicator (the Jobcenter's SGB II counts)
            AND o.indikator_id NOT IN (SELECT indikator_id FROM mart.rpt_indikatorwerte
                                       WHERE gebiet_ebene = 'ortsteil' AND datenklasse = 'vertraulich')
        GROUP BY ALL""").fetchall()  # the confidential ones (NULL when suppressed): test_jugendhilfe_ortsteil_mart.py,
    # test_sgb2_ortsteil_mart.py
    assert len(rows) >= 13 * 11 * 7  # 13 Gemeinden with Ortsteile × 2014–2024 × 7 indicators
    for ags, jahr, ind, oz, gz, on, gn, _n, matched in rows:
        assert matched, (ags, jahr, ind, "no Gemeinde row")
        assert oz == pytest.approx(gz, abs=1e-6), (ags, jahr, ind)
        assert (on or 0) == pytest.approx(gn or 0, abs=1e-6), (ags, jahr, ind)


def test_ortsteile_only_for_indicators_allowed_at_that_level(mart):
    with open(ROOT / "seeds" / "catalogue" / "indikatoren.csv", encoding="utf-8", newline="") as handle:
        allowed = {r["indikator_id"] for r in csv.DictReader(handle) if r["niedrigste_ebene"] == "ortsteil"}
    published = {i for i, in mart.execute("SELECT DISTINCT indikator_id FROM mart.sozialraum_indikatoren "
                                          "WHERE gebiet_ebene = 'ortsteil'").fetchall()}
    assert published == allowed == {"bevoelkerung", "anteil_unter_18", "anteil_65_plus", "jugendquotient",
                                     "altenquotient", "auslaenderanteil", "anteil_minderjaehrige_auslaendisch",
                                     # youth-welfare rates (confidential; disclosure control at Ortsteil level)
                                     "hze_eckwert", "hze_ambulant_eckwert", "hze_stationaer_eckwert",
                                     "erziehungsberatung_eckwert", "eingliederungshilfe_35a_eckwert",
                                     "junge_volljaehrige_eckwert", "inobhutnahmen_je_1000_u18",
                                     "gefaehrdungseinschaetzungen_je_1000_u18",
                                     # the Jobcenter's SGB II counts per Ortsteil (confidential cells)
                                     "sgb2_quote", "kinderarmut",
                                     # the Sozialamt's Grundsicherung im Alter per Ortsteil (confidential cells)
                                     "altersarmut"}
    n, ids, demo = mart.execute("SELECT count(DISTINCT gebiet_id), count(DISTINCT length(gebiet_id)), bool_and(ist_demodaten) "
                                "FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'ortsteil'").fetchone()
    assert (n, ids, demo) == (57, 1, True)
    assert mart.execute("SELECT count(*), count(geojson) FROM mart.dim_gebiet WHERE gebiet_ebene = 'ortsteil'"
                        ).fetchone() == (57, 0)
    assert mart.execute("SELECT gebiet_name FROM mart.dim_gebiet WHERE gebiet_id = '06432018002'").fetchone() == (
        "Eschollbrücken",)
