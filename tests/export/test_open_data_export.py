"""Open-data export of the published mart of the demo build: CSV (`;`, UTF-8, decimal point) and
Parquet per dataset with metadata.json; only published, disclosure-controlled data, never a raw or
case-level field."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration import privacy
from orchestration.export import ExportFehler, export_open_data

# Column names of the Jugendamt's raw export and of the raw layer that must never be exported.
ROHSPALTEN = {"fall_id", "fall_pseudonym", "pseudonym", "nachname", "vorname", "strasse", "hausnummer",
              "geburtsdatum", "geburtsmonat", "geburtsjahr", "name", "adresse", "anschrift"}
# Only the indicator catalogue has a (non-personal) column called `name`: the indicator's name.
NAME_ERLAUBT = {"indikatoren"}


@pytest.fixture(scope="module")
def export(demo_build, tmp_path_factory) -> dict:
    published = demo_build.published
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    out = tmp_path_factory.mktemp("opendata")
    files = export_open_data(published, out)
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before, "the export changed the published file"
    con = duckdb.connect(str(published), read_only=True)
    try:
        alle = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'mart' order by 1").fetchall()]
        # the report tables (dbt models rpt_*) of the dashboards and profiles are not open data
        berichtstabellen = [t for t in alle if t.startswith("rpt_")]
        tabellen = [t for t in alle if t not in berichtstabellen]
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
        zeilen = {t: con.execute(f'select count(*) from mart."{t}"').fetchone()[0] for t in tabellen}
        status = con.execute(
            "select max(veroeffentlicht_am) from mart.publikation_status").fetchone()[0] \
            if "publikation_status" in tabellen else None
    finally:
        con.close()
    return {"out": out, "files": files, "tabellen": tabellen, "berichtstabellen": berichtstabellen,
            "schemas": schemas, "zeilen": zeilen,
            "status": status, "demo_build": demo_build}


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: UTF-8 without BOM expected"
    text = raw.decode("utf-8")  # fails on anything that is not UTF-8
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'))
    return rows[0], rows[1:]


def test_every_published_mart_table_is_exported(export):
    assert export["tabellen"], "the published file has no mart tables"
    ordner = sorted(p.name for p in export["out"].iterdir() if p.is_dir())
    assert ordner == export["tabellen"]
    # the demo file has report tables, and none of them is exported
    assert export["berichtstabellen"] and not set(export["berichtstabellen"]) & set(ordner)
    for t in export["tabellen"]:
        for datei in (f"{t}.csv", f"{t}.parquet", "metadata.json"):
            assert (export["out"] / t / datei) in export["files"]
            assert (export["out"] / t / datei).exists()
    assert (export["out"] / "LIESMICH.md").exists()


def test_csv_format(export):
    for t in export["tabellen"]:
        header, rows = _csv(export["out"] / t / f"{t}.csv")
        assert len(rows) == export["zeilen"][t], t
        assert all(len(r) == len(header) for r in rows), t
        schema = pq.read_schema(export["out"] / t / f"{t}.parquet")
        assert header == schema.names
        # numeric columns: decimal point, no thousands separator, no decimal comma
        for i, feld in enumerate(schema):
            if str(feld.type) in ("double", "float") or str(feld.type).startswith("decimal"):
                for r in rows:
                    assert r[i] == "" or re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|-?inf|nan", r[i]), (t, header[i], r[i])
    header, rows = _csv(export["out"] / "sozialraum_indikatoren" / "sozialraum_indikatoren.csv")
    werte = [r[header.index("wert")] for r in rows if r[header.index("wert")]]
    assert any("." in w for w in werte)
    # suppressed values are empty, never 0
    unterdrueckt = [r for r in rows if r[header.index("ist_unterdrueckt")] == "true"]
    assert all(r[header.index("wert")] == "" for r in unterdrueckt)
    # the AGS keeps its leading zero (text)
    assert all(r[header.index("gebiet_id")].startswith("0") for r in rows if r[header.index("gebiet_ebene")] == "gemeinde")
    liesmich = (export["out"] / "LIESMICH.md").read_text(encoding="utf-8")
    assert "Semikolon" in liesmich and "UTF-8" in liesmich and "Dezimaltrennzeichen: Punkt" in liesmich


def test_parquet_equals_published(export):
    con = duckdb.connect(str(export["demo_build"].published), read_only=True)
    try:
        for t in export["tabellen"]:
            tabelle = pq.read_table(export["out"] / t / f"{t}.parquet")
            assert tabelle.num_rows == export["zeilen"][t]
            spalten = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema='mart' and table_name=? "
                "order by ordinal_position", [t]).fetchall()]
            assert tabelle.column_names == spalten
        si = pq.read_table(export["out"] / "sozialraum_indikatoren" / "sozialraum_indikatoren.parquet")
        summe = sum(v for v in si.column("wert").to_pylist() if v is not None)
        original = con.execute("select sum(wert) from mart.sozialraum_indikatoren").fetchone()[0]
        assert summe == pytest.approx(original, rel=1e-9)
    finally:
        con.close()


def test_metadata(export):
    for t in export["tabellen"]:
        meta = json.loads((export["out"] / t / "metadata.json").read_text(encoding="utf-8"))
        for key in ("titel", "beschreibung", "veroeffentlicht_am", "spalten", "indikatoren",
                    "zeitliche_abdeckung", "raeumliche_abdeckung", "quellen", "lizenz", "dateien"):
            assert key in meta, (t, key)
        assert meta["titel"] and meta["beschreibung"]
        assert meta["dateien"]["csv"]["trennzeichen"] == ";"
        assert meta["dateien"]["csv"]["dezimaltrennzeichen"] == "."
        assert meta["dateien"]["csv"]["zeichenkodierung"].startswith("UTF-8")
        assert meta["zeilen"] == export["zeilen"][t]
        assert meta["quellen"], t
        for q in meta["quellen"]:
            assert q["namensnennung"] and q["lizenz"]
        if export["status"] is not None:
            assert meta["veroeffentlicht_am"] == export["status"].isoformat()
    si = json.loads((export["out"] / "sozialraum_indikatoren" / "metadata.json").read_text(encoding="utf-8"))
    assert si["zeitliche_abdeckung"]["von"] <= si["zeitliche_abdeckung"]["bis"]
    # the region's areas and the comparison rows of its Land and Germany, all on one Gebietsstand
    assert si["raeumliche_abdeckung"]["ebenen"] == {"ortsteil": 57, "gemeinde": 23, "sozialraum": 5, "kreis": 1,
                                                    "land": 1, "bund": 1}
    assert si["raeumliche_abdeckung"]["gebietsstand"] == "Gebietsstand 31.12.2020"
    with open(export["out"] / "sozialraum_indikatoren" / "sozialraum_indikatoren.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    hessen = [r for r in rows if r["gebiet_ebene"] == "land" and r["indikator_id"] == "bevoelkerung" and r["jahr"] == "2015"]
    assert [(r["gebiet_id"], r["gebiet_name"], float(r["zaehler"])) for r in hessen] == [("06", "Hessen", 6176172.0)]
    assert {r["gebiet_id"] for r in rows if r["gebiet_ebene"] == "bund"} == {"DG"}
    # comparison rows only for the indicators of the official tables, never for the confidential families
    vergleich = {r["indikator_id"] for r in rows if r["gebiet_ebene"] in ("land", "bund")}
    assert "arbeitslosenanteil" in vergleich
    assert not vergleich & {"sgb2_quote", "kinderarmut", "altersarmut", "hze_eckwert"}, vergleich
    # the readme names the Gebietsstand too
    assert "Gebietsstand 31.12.2020" in (export["out"] / "LIESMICH.md").read_text(encoding="utf-8")
    definitionen = {d["indikator_id"]: d for d in si["indikatoren"]}
    assert {"arbeitslosenanteil", "bevoelkerung"} <= set(definitionen)
    assert all(d.get("definition") for d in definitionen.values())
    amtlich = [q for q in si["quellen"] if q.get("lizenz_kurz") == "dl-de/by-2.0"]
    assert amtlich, si["quellen"]
    assert all("Datenlizenz Deutschland – Namensnennung – Version 2.0" in q["namensnennung"] for q in amtlich)
    assert any("Statistische Ämter des Bundes und der Länder" in q["namensnennung"] for q in amtlich)
    # every SGB II month: one source, whatever the month its rows name
    monate = json.loads((export["out"] / "sgb2_monatswerte" / "metadata.json").read_text(encoding="utf-8"))
    assert monate["titel"] == "SGB II je Monat"
    texte = [q for g in monate["quellen"] for q in g.get("quellen", [])]
    sgb2 = [t for t in texte if t.startswith("SGB-II-Gemeindedaten")]  # the rows' sources (the catalogue's apart)
    assert sgb2 == ["SGB-II-Gemeindedaten (Statistik der BA / Jobcenter)"], texte


def test_no_raw_or_case_level_field(export):
    # only the mart schema of the published file, which holds no other schema
    assert export["schemas"] == {"mart"}
    for t in export["tabellen"]:
        header, _ = _csv(export["out"] / t / f"{t}.csv")
        for spalte in header:
            assert privacy.match(spalte) is None, (t, spalte)
            assert not spalte.startswith("fall_"), (t, spalte)
            assert "pseudonym" not in spalte, (t, spalte)
            assert spalte not in ROHSPALTEN or (spalte == "name" and t in NAME_ERLAUBT), (t, spalte)
    assert not any("raw" == p.name or p.name.startswith(("raw.", "raw__")) for p in export["out"].rglob("*"))


def test_no_case_id_name_or_street_of_the_demo_export_appears(export):
    """Values of the Jugendamt's demo export (case ids, names, streets) appear in no exported file."""
    landing = export["demo_build"].landing / "jugendhilfe"
    dateien = sorted(landing.glob("*.csv"))
    assert dateien, f"no Jugendamt demo export in {landing}"
    geheim: set[str] = set()
    for datei in dateien:
        zeilen = [z for z in datei.read_text(encoding="utf-8").splitlines() if z and not z.startswith("#")]
        for r in csv.DictReader(zeilen, delimiter=";"):
            for spalte in ("fall_id", "nachname", "vorname", "strasse"):
                wert = (r.get(spalte) or "").strip()
                if len(wert) >= 4:
                    geheim.add(wert)
            if r.get("strasse") and r.get("hausnummer"):
                geheim.add(f"{r['strasse']} {r['hausnummer']}")
    assert len(geheim) > 100
    # official area names are public facts, also where a demo surname equals one (e.g. Ortsteil Hahn, Pfungstadt)
    con = duckdb.connect(str(export["demo_build"].published), read_only=True)
    try:
        gebiete = {r[0] for r in con.execute("SELECT DISTINCT gebiet_name FROM mart.dim_gebiet").fetchall()}
    finally:
        con.close()
    geheim -= gebiete
    for t in export["tabellen"]:
        _, rows = _csv(export["out"] / t / f"{t}.csv")
        treffer = {f for r in rows for f in r if f in geheim}
        assert not treffer, (t, sorted(treffer)[:10])
        meta_text = (export["out"] / t / "metadata.json").read_text(encoding="utf-8")
        assert not [g for g in geheim if g.startswith("06432-") and g in meta_text]


def test_export_refuses_case_level_columns(tmp_path):
    """A published file with a case-level column is not exported, and nothing is left behind."""
    db = tmp_path / "kaputt.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema mart")
    con.execute("create table mart.sozialraum_indikatoren as select '06432001' as gebiet_id, 1.5 as wert")
    con.execute("create table mart.hilfen as select 'abc' as fall_pseudonym, '33' as hilfeart")
    con.close()
    out = tmp_path / "export"
    with pytest.raises(ExportFehler, match="fall_pseudonym"):
        export_open_data(db, out)
    assert not out.exists() or not any(out.iterdir())
    assert not list(tmp_path.glob(".export*")) and not list(tmp_path.glob(".*.export-*"))
