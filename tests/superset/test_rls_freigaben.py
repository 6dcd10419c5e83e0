"""Row-level security of the Gemeinde roles against differencing (superset/provision.py `freigaben`): a role
sees the confidential rows of an aggregate only where subtracting what it sees leaves at least two areas.

Without the rule a Gemeinde of a two-Gemeinde Sozialraum reads its neighbour's confidential value as
Sozialraum − own Gemeinde, and in a Kreis of two Sozialräume a member reads the other Sozialraum as Kreis − own
Sozialraum. The published file here is a real DuckDB file with the columns provisioning reads; the attacker
below tries every subtraction for every role and year.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict

import duckdb
import pytest
from superset_support import REPO_ROOT

spec = importlib.util.spec_from_file_location("provision", REPO_ROOT / "superset" / "provision.py")
provision = importlib.util.module_from_spec(spec)
spec.loader.exec_module(provision)

# (ags, sozialraum_id, kreis_ags, jahr): Kreis 06001 has three Sozialräume, S2 of two Gemeinden, S4 of four
# Gemeinden until 2019 and of two after a re-cut in 2020; Kreis 06002 has two Sozialräume of three Gemeinden;
# Kreis 06003 two Gemeinden in one Sozialraum.
MITGLIEDER = (
    [(a, "S2", "06001", j) for a in ("06001001", "06001002") for j in (2019, 2020)]
    + [(a, "S4", "06001", j) for a in ("06001003", "06001004", "06001005", "06001006") for j in (2019,)]
    + [(a, "S4", "06001", 2020) for a in ("06001003", "06001004")]
    + [(a, "S3", "06001", 2020) for a in ("06001005", "06001006")]
    + [(a, "S3", "06001", j) for a in ("06001007", "06001008", "06001009") for j in (2019, 2020)]
    + [(a, "T1", "06002", j) for a in ("06002001", "06002002", "06002003") for j in (2019, 2020)]
    + [(a, "T2", "06002", j) for a in ("06002004", "06002005", "06002006") for j in (2019, 2020)]
    + [(a, "U1", "06003", j) for a in ("06003001", "06003002") for j in (2019, 2020)]
)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    path = tmp_path_factory.mktemp("rls") / "sozialmonitor.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA mart")
        con.execute("CREATE TABLE mart.rpt_indikatorwerte (gebiet_ebene VARCHAR, gebiet_id VARCHAR, "
                    "sozialraum_id VARCHAR, kreis_ags VARCHAR, jahr INTEGER, indikator_id VARCHAR)")
        for indikator in ("hze_eckwert", "sgb2_quote"):
            con.executemany("INSERT INTO mart.rpt_indikatorwerte VALUES ('gemeinde', ?, ?, ?, ?, ?)",
                            [(*m, indikator) for m in MITGLIEDER])
    return path


def test_small_sozialraeume_and_kreise_are_not_granted(published):
    sozialraeume, kreise, alle = provision.freigaben(published)
    assert alle == {"S2", "S3", "S4", "T1", "T2", "U1"}
    assert sozialraeume["06001001"] == set()  # S2: two Gemeinden
    assert sozialraeume["06001003"] == set()  # S4: two Gemeinden after the re-cut
    assert sozialraeume["06001005"] == {"S3"}  # S4 before (too small in 2020), S3 after
    assert sozialraeume["06001007"] == {"S3"}
    assert sozialraeume["06002001"] == set()  # Kreis 06002 has two Sozialräume only
    assert kreise == {"06001", "06002"}  # 06003: two Gemeinden


def _visible(published) -> dict[str, set[tuple[str, str]]]:
    """Role (Gemeinde AGS) -> the (ebene, id) whose confidential rows its RLS clause lets through."""
    sozialraeume, kreise, _ = provision.freigaben(published)
    areas = {("gemeinde", a) for a, *_ in MITGLIEDER} | {("sozialraum", s) for _, s, _, _ in MITGLIEDER} | {
        ("kreis", k) for *_, k, _ in MITGLIEDER}
    out = {}
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (gebiet_ebene VARCHAR, gebiet_id VARCHAR, datenklasse VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?, 'vertraulich')", sorted(areas))
        for ags, _, kreis, _ in MITGLIEDER:
            clause = provision.gemeinde_clause(ags, kreis if kreis in kreise else None, sozialraeume.get(ags, set()))
            assert re.fullmatch(r"[\w ,'().=-]+", clause), clause
            out[ags] = set(con.execute(f"SELECT gebiet_ebene, gebiet_id FROM t WHERE {clause}").fetchall())
    return out


def test_no_role_can_subtract_its_way_to_a_hidden_area(published):
    """For every role and year: no visible aggregate minus visible parts leaves exactly one hidden area."""
    sr_teile, kreis_teile = defaultdict(set), defaultdict(set)
    for ags, sr, kreis, jahr in MITGLIEDER:
        sr_teile[(sr, jahr)].add(("gemeinde", ags))
        kreis_teile[(kreis, jahr)].add(("gemeinde", ags))
    for sr, jahr in list(sr_teile):
        kreis = next(k for _, s, k, j in MITGLIEDER if s == sr and j == jahr)
        kreis_teile[(kreis, jahr, "sozialraeume")].add(("sozialraum", sr))
    visible = _visible(published)
    for ags, sieht in visible.items():
        assert ("gemeinde", ags) in sieht
        zerlegungen = [(("sozialraum", sr), t) for (sr, _), t in sr_teile.items()] + [
            (("kreis", key[0]), t) for key, t in kreis_teile.items()]
        for ganzes, teile in zerlegungen:
            if ganzes in sieht:
                hidden = teile - sieht
                assert len(hidden) != 1, f"Gemeinde {ags} reads {hidden} as {ganzes} minus what it sees"
    # and the rule is not empty: somebody still sees a Sozialraum and a Kreis
    assert ("sozialraum", "S3") in visible["06001007"] and ("kreis", "06001") in visible["06001007"]
