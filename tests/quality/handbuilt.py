"""A small, hand-built working database in the shapes of docs/contracts.md and docs/deliveries.md.

Three Gemeinden of Kreis 06432 in two Sozialräume, two years, every source family. Everything is
consistent, so every GX suite passes; tests break one thing at a time with plain SQL.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

import duckdb

from orchestration.ingest import lieferstatus

GEMEINDEN = {"06432001": "Alsbach-Hähnlein", "06432002": "Babenhausen", "06432003": "Bickenbach"}
SOZIALRAUM = {"06432001": "SR1", "06432002": "SR2", "06432003": "SR1"}
POP = {  # Einwohner je Gemeinde und Jahr (31.12.)
    2015: {"06432001": 9000, "06432002": 16000, "06432003": 5500},
    2016: {"06432001": 9100, "06432002": 16100, "06432003": 5600},
}
SHA = {name: hashlib.sha256(name.encode()).hexdigest() for name in (
    "12411-01-01-5_2015.csv", "12411-01-01-5_2016.csv", "13111-02-02-5_2016.csv", "12411-07-01-5_2016.csv",
    "sgb2_gemeinden_201612.xlsx",
    "grundsicherung_alter_2016.csv", "melderegister_20161231.csv", "hilfen_2016.csv",
    "gefaehrdungen_8a_2016.csv", "inobhutnahmen_42_2016.csv", "schluessel.csv", "melderegister_haushalte_20161231.csv",
    "wohngeld_2016.csv", "asylblg_2016.csv", "massnahmen_2016-12-31.csv", "einrichtungen_2016.csv",
)}


def pseudonym(i: int) -> str:
    return hashlib.sha256(f"fall-{i}".encode()).hexdigest()


_TEMPLATE: list[Path] = []  # the database built once per test process; every build() copies it


def build(path: Path) -> Path:
    """The hand-built working database at `path` (a copy of the one built on first use in this process)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="handbuilt-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _TEMPLATE.append(_build(folder / "warehouse.duckdb"))
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[0], path)  # closed and checkpointed: the file is the whole database
    return path


def _build(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        with con.cursor() as tx:  # one transaction: now() is one load time per delivery, as in the ingest
            tx.execute("BEGIN")
            _raw(tx)
            tx.execute("COMMIT")
        _mart(con)
    finally:
        con.close()
    return path


def _raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA raw")
    lieferstatus.ensure_table(con)  # the state log the ingest runner keeps (empty: every delivery valid)
    con.execute("CREATE TABLE raw.region__profil (region_ags VARCHAR, region_name VARCHAR, gebietsstand INTEGER)")
    con.execute("INSERT INTO raw.region__profil VALUES ('06432', 'Landkreis Darmstadt-Dieburg', NULL)")
    # Gebietsstand key (target 2020): every Gemeinde stays itself in every year
    con.execute("""CREATE TABLE raw.gebietsstand__lieferungen (sha256 VARCHAR, datei VARCHAR, ebene VARCHAR,
        ziel_jahr INTEGER, jahr_von INTEGER, jahr_bis INTEGER, zeilen BIGINT, ist_mitgeliefert BOOLEAN,
        geladen_am TIMESTAMP)""")
    con.execute("INSERT INTO raw.gebietsstand__lieferungen VALUES (?, 'schluessel.csv', 'gemeinde', 2020, 2014, 2020, 21, "
                "true, now())", [SHA["schluessel.csv"]])
    con.execute("""CREATE TABLE raw.gebietsstand__schluessel (ebene VARCHAR, jahr INTEGER, ags_alt VARCHAR,
        ags_ziel VARCHAR, ziel_jahr INTEGER, anteil_bevoelkerung DOUBLE, anteil_flaeche DOUBLE,
        anteil_beschaeftigte DOUBLE, zeile INTEGER, sha256 VARCHAR, datei VARCHAR, geladen_am TIMESTAMP)""")
    con.execute("""INSERT INTO raw.gebietsstand__schluessel
        SELECT 'gemeinde', jahr, ags, ags, 2020, 1, 1, 1, 1, ?, 'schluessel.csv', now()
        FROM (SELECT unnest(range(2014, 2021)) AS jahr), (SELECT unnest(?) AS ags)""", [SHA["schluessel.csv"], list(GEMEINDEN)])
    con.execute("""CREATE TABLE raw.region__gemeinden (ags VARCHAR, gemeinde_name VARCHAR, datei VARCHAR,
                   sha256 VARCHAR, geladen_am TIMESTAMP)""")
    con.executemany("INSERT INTO raw.region__gemeinden VALUES (?, ?, 'region.yml', 'x', now())", list(GEMEINDEN.items()))

    # GENESIS 12411-01-01-5: population total per Gemeinde + Kreis row, one file per year.
    con.execute("""CREATE TABLE raw.genesis__werte (tabelle VARCHAR, zeit VARCHAR, jahr INTEGER, stichtag DATE,
        regionalschluessel VARCHAR, ags VARCHAR, gebiet_ebene VARCHAR, gebiet_name VARCHAR, merkmal VARCHAR,
        wert DOUBLE, marker VARCHAR, zeile INTEGER, sha256 VARCHAR, datei VARCHAR, stand TIMESTAMP,
        geladen_am TIMESTAMP)""")
    con.execute("""CREATE TABLE raw.genesis__lieferungen (sha256 VARCHAR, datei VARCHAR, tabelle VARCHAR,
        titel VARCHAR, stand TIMESTAMP, encoding VARCHAR, ist_demodaten BOOLEAN, zeilen INTEGER, geladen_am TIMESTAMP)""")
    for year, pops in POP.items():
        datei = f"12411-01-01-5_{year}.csv"
        rows = []
        line = 8
        for ags, n in pops.items():
            rows.append((ags, "gemeinde", GEMEINDEN[ags], n, line))
            line += 1
        rows.append(("06432", "kreis", "Darmstadt-Dieburg, Landkreis", sum(pops.values()), line))
        for ags, ebene, name, n, zeile in rows:
            con.execute(
                "INSERT INTO raw.genesis__werte VALUES ('12411-01-01-5', ?, ?, ?, ?, ?, ?, ?, 'insgesamt', ?, NULL, ?, ?, ?, TIMESTAMP '2024-05-01 10:00:00', now())",
                [f"31.12.{year}", year, f"{year}-12-31", ags, ags, ebene, name, float(n), zeile, SHA[datei], datei],
            )
        con.execute("INSERT INTO raw.genesis__lieferungen VALUES (?, ?, '12411-01-01-5', 'Bevölkerung', TIMESTAMP '2024-05-01 10:00:00', 'utf-8', ?, 4, now())",
                    [SHA[datei], datei, year == 2016])

    # GENESIS 13111-02-02-5 (SvB am Wohnort 30.06.2016: women and foreigners are parts of the totals, men +
    # women = total) and 12411-07-01-5 (Durchschnittsalter 31.12.2016 between that of men and women), Gemeinden
    svb = {"Insgesamt | Insgesamt": 0.40, "Insgesamt | männlich": 0.21, "Insgesamt | weiblich": 0.19,
           "Ausländer(innen) | Insgesamt": 0.05, "Ausländer(innen) | männlich": 0.03, "Ausländer(innen) | weiblich": 0.02}
    alter = {"Durchschnittsalter der Bevölkerung": 44.0, "Durchschnittsalter der Bevölkerung | männlich": 42.5,
             "Durchschnittsalter der Bevölkerung | weiblich": 45.5}
    for tabelle, datei, zeit, stichtag, werte in (
            ("13111-02-02-5", "13111-02-02-5_2016.csv", "30.06.2016", "2016-06-30",
             {ags: {m: float(round(POP[2016][ags] * q)) for m, q in svb.items()} for ags in GEMEINDEN}),
            ("12411-07-01-5", "12411-07-01-5_2016.csv", "31.12.2016", "2016-12-31",
             {ags: dict(alter) for ags in GEMEINDEN})):
        for zeile, (ags, spalten) in enumerate(werte.items(), start=10):
            for merkmal, wert in spalten.items():
                con.execute(
                    "INSERT INTO raw.genesis__werte VALUES (?, ?, 2016, ?, ?, ?, 'gemeinde', ?, ?, ?, NULL, ?, ?, ?, TIMESTAMP '2024-05-01 10:00:00', now())",
                    [tabelle, zeit, stichtag, ags, ags, GEMEINDEN[ags], merkmal, wert, zeile, SHA[datei], datei],
                )
        con.execute("INSERT INTO raw.genesis__lieferungen VALUES (?, ?, ?, 'Test', TIMESTAMP '2024-05-01 10:00:00', 'utf-8', false, ?, now())",
                    [SHA[datei], datei, tabelle, sum(len(v) for v in werte.values())])

    lineage = "zeile INTEGER, datei VARCHAR, sha256 VARCHAR, geladen_am TIMESTAMP, ist_demodaten BOOLEAN"
    for family in ("sgb2", "grundsicherung", "melderegister", "jugendhilfe", "wohngeld", "asylblg"):
        con.execute(f"""CREATE TABLE raw.{family}__lieferungen (sha256 VARCHAR, datei VARCHAR, berichtszeitraum VARCHAR,
            ist_demodaten BOOLEAN, zeilen INTEGER, abgelehnt INTEGER, geladen_am TIMESTAMP)""")
        con.execute(f"CREATE TABLE raw.{family}__rejects (datei VARCHAR, sha256 VARCHAR, zeile INTEGER, grund VARCHAR, datensatz VARCHAR)")

    con.execute(f"""CREATE TABLE raw.sgb2__gemeinde_monat (berichtsmonat DATE, ags VARCHAR, gemeinde_name VARCHAR,
        merkmal VARCHAR, wert BIGINT, marker VARCHAR, {lineage})""")
    datei = "sgb2_gemeinden_201612.xlsx"
    for ags, name in list(GEMEINDEN.items()) + [("06432", "Landkreis")]:
        values = {"bg_insgesamt": 200, "bg_alleinerziehende": 40, "personen_in_bg": 420, "lb_insgesamt": 430,
                  "rlb": 420, "elb": 300, "nef": 120, "nef_unter_15": 100, "slb": 10}
        for merkmal, wert in values.items():
            con.execute("INSERT INTO raw.sgb2__gemeinde_monat VALUES ('2016-12-01', ?, ?, ?, ?, NULL, 7, ?, ?, now(), true)",
                        [ags, name, merkmal, wert, datei, SHA[datei]])
    con.execute("INSERT INTO raw.sgb2__lieferungen VALUES (?, ?, '2016-12', true, 36, 0, now())", [SHA[datei], datei])
    # the Jobcenter's optional Ortsteil counts (none delivered here; the ingest always creates the table)
    con.execute(f"""CREATE TABLE raw.sgb2__ortsteil_monat (berichtsmonat DATE, ags VARCHAR, ortsteil VARCHAR,
        merkmal VARCHAR, wert BIGINT, {lineage})""")

    con.execute(f"CREATE TABLE raw.grundsicherung__empfaenger (stichtag DATE, ags VARCHAR, anzahl BIGINT, marker VARCHAR, {lineage})")
    datei = "grundsicherung_alter_2016.csv"
    for i, ags in enumerate(GEMEINDEN):
        con.execute("INSERT INTO raw.grundsicherung__empfaenger VALUES ('2016-12-31', ?, ?, NULL, 2, ?, ?, now(), true)",
                    [ags, 30 + i, datei, SHA[datei]])
    con.execute("INSERT INTO raw.grundsicherung__lieferungen VALUES (?, ?, '2016', true, 3, 0, now())", [SHA[datei], datei])
    # the further columns of the same Sozialamt file (Erwerbsminderung, HLU)
    # the Sozialamt's optional Ortsteil counts (none delivered here; the ingest always creates the table)
    con.execute(f"""CREATE TABLE raw.grundsicherung__ortsteile (stichtag DATE, ags VARCHAR, ortsteil VARCHAR,
        merkmal VARCHAR, anzahl BIGINT, {lineage})""")
    con.execute(f"""CREATE TABLE raw.grundsicherung__leistungen (stichtag DATE, ags VARCHAR, gemeinde_name VARCHAR,
        merkmal VARCHAR, anzahl BIGINT, marker VARCHAR, {lineage})""")
    for i, ags in enumerate(GEMEINDEN):
        for merkmal, n in (("empfaenger_erwerbsminderung", 28 + i), ("hlu_ausserhalb_einrichtungen", 9 + i)):
            con.execute("INSERT INTO raw.grundsicherung__leistungen VALUES ('2016-12-31', ?, ?, ?, ?, NULL, 2, ?, ?, now(), true)",
                        [ags, GEMEINDEN[ags], merkmal, n, datei, SHA[datei]])
    for family, table, base in (("wohngeld", "haushalte", 60), ("asylblg", "empfaenger", 40)):
        datei = f"{family}_2016.csv"
        con.execute(f"""CREATE TABLE raw.{family}__{table} (stichtag DATE, ags VARCHAR, gemeinde_name VARCHAR, anzahl BIGINT,
            marker VARCHAR, {lineage})""")
        for i, ags in enumerate(GEMEINDEN):
            con.execute(f"INSERT INTO raw.{family}__{table} VALUES ('2016-12-31', ?, ?, ?, NULL, 2, ?, ?, now(), true)",
                        [ags, GEMEINDEN[ags], base + i, datei, SHA[datei]])
        con.execute(f"INSERT INTO raw.{family}__lieferungen VALUES (?, ?, '2016', true, 3, 0, now())", [SHA[datei], datei])

    con.execute(f"""CREATE TABLE raw.melderegister__einwohner (stichtag DATE, ags VARCHAR, ortsteil VARCHAR, geschlecht VARCHAR,
        "alter" INTEGER, anzahl BIGINT, staatsangehoerigkeit VARCHAR, {lineage})""")
    datei = "melderegister_20161231.csv"
    for ags in GEMEINDEN:
        for g in ("m", "w"):
            for a in (0, 17, 45, 100):
                for code, n in (("000", 10), ("163", 2)):
                    con.execute("INSERT INTO raw.melderegister__einwohner VALUES ('2016-12-31', ?, NULL, ?, ?, ?, ?, 2, ?, ?, "
                                "now(), true)", [ags, g, a, n, code, datei, SHA[datei]])
    con.execute("INSERT INTO raw.melderegister__lieferungen VALUES (?, ?, '2016-12-31', true, 48, 0, now())", [SHA[datei], datei])
    datei = "melderegister_haushalte_20161231.csv"
    con.execute(f"""CREATE TABLE raw.melderegister__haushalte (stichtag DATE, ags VARCHAR, ortsteil VARCHAR,
        haushaltstyp VARCHAR, anzahl BIGINT, {lineage})""")
    for ags in GEMEINDEN:
        for typ, n in (("einpersonen", 40), ("paar_ohne_kinder", 38), ("paar_mit_kindern", 36), ("alleinerziehende", 10),
                       ("sonstige", 3)):
            con.execute("INSERT INTO raw.melderegister__haushalte VALUES ('2016-12-31', ?, NULL, ?, ?, 2, ?, ?, now(), true)",
                        [ags, typ, n, datei, SHA[datei]])
    con.execute("INSERT INTO raw.melderegister__lieferungen VALUES (?, ?, '2016-12-31', true, 15, 0, now())", [SHA[datei], datei])

    con.execute(f"""CREATE TABLE raw.jugendhilfe__hilfen (fall_pseudonym VARCHAR, hilfeart VARCHAR, beginn DATE, ende DATE,
        geburtsdatum DATE, geschlecht VARCHAR, wohnort_ags VARCHAR, alleinerziehend VARCHAR, transferleistung VARCHAR,
        beendigungsgrund VARCHAR, {lineage})""")
    con.execute(f"""CREATE TABLE raw.jugendhilfe__gefaehrdungen (fall_pseudonym VARCHAR, datum DATE, "alter" INTEGER,
        geschlecht VARCHAR, wohnort_ags VARCHAR, ergebnis VARCHAR, {lineage})""")
    con.execute(f"""CREATE TABLE raw.jugendhilfe__inobhutnahmen (fall_pseudonym VARCHAR, paragraph VARCHAR, beginn DATE,
        ende DATE, anlass VARCHAR, unbegleitet BOOLEAN, "alter" INTEGER, geschlecht VARCHAR, wohnort_ags VARCHAR, {lineage})""")
    for i, (art, ags) in enumerate([("29", "06432001"), ("34", "06432002"), ("35a", "06432003"), ("41", "06432002")]):
        con.execute("INSERT INTO raw.jugendhilfe__hilfen VALUES (?, ?, '2016-03-01', NULL, '2008-05-01', 'm', ?, 'n', 'j', NULL, 2, 'hilfen_2016.csv', ?, now(), true)",
                    [pseudonym(i), art, ags, SHA["hilfen_2016.csv"]])
    con.execute("INSERT INTO raw.jugendhilfe__gefaehrdungen VALUES (?, '2016-06-01', 7, 'w', '06432001', 'latent', 2, 'gefaehrdungen_8a_2016.csv', ?, now(), true)",
                [pseudonym(10), SHA["gefaehrdungen_8a_2016.csv"]])
    con.execute("INSERT INTO raw.jugendhilfe__inobhutnahmen VALUES (?, '42', '2016-02-01', '2016-03-01', 'Überforderung', false, 12, 'm', '06432002', 2, 'inobhutnahmen_42_2016.csv', ?, now(), true)",
                [pseudonym(11), SHA["inobhutnahmen_42_2016.csv"]])
    for datei in ("hilfen_2016.csv", "gefaehrdungen_8a_2016.csv", "inobhutnahmen_42_2016.csv"):
        con.execute("INSERT INTO raw.jugendhilfe__lieferungen VALUES (?, ?, '2016', true, 4, 0, now())", [SHA[datei], datei])
    # the measure list (public, one list per Stand)
    datei = "massnahmen_2016-12-31.csv"
    con.execute("""CREATE TABLE raw.massnahmen__lieferungen (sha256 VARCHAR, datei VARCHAR, berichtszeitraum VARCHAR,
        ist_demodaten BOOLEAN, zeilen INTEGER, abgelehnt INTEGER, geladen_am TIMESTAMP)""")
    con.execute(f"""CREATE TABLE raw.massnahmen__massnahmen (stand DATE, massnahme_id VARCHAR, gebiet_id VARCHAR,
        gebiet_ebene VARCHAR, beginn DATE, ende DATE, titel VARCHAR, traeger VARCHAR, art VARCHAR, {lineage})""")
    for zeile, (mid, gebiet, ebene, beginn, ende, art) in enumerate([
            ("M1", "06432001", "gemeinde", "2015-03-01", None, "Familienzentrum"),
            ("M2", "SR2", "sozialraum", "2015-09-01", "2016-08-31", "Quartiersprojekt")], start=3):
        con.execute("INSERT INTO raw.massnahmen__massnahmen VALUES ('2016-12-31', ?, ?, ?, ?, ?, ?, 'Träger', ?, ?, ?, ?, "
                    "now(), true)", [mid, gebiet, ebene, beginn, ende, f"Demodaten: {art}", art, zeile, datei, SHA[datei]])
    con.execute("INSERT INTO raw.massnahmen__lieferungen VALUES (?, ?, '2016-12-31', true, 2, 0, now())", [SHA[datei], datei])
    # the facility register (issue 13 part 5): one Kita and one Familienzentrum
    con.execute(f"""CREATE TABLE raw.einrichtungen__einrichtungen (einrichtung_id VARCHAR, art VARCHAR, name VARCHAR,
        traeger VARCHAR, ags VARCHAR, lon DOUBLE, lat DOUBLE, kapazitaet BIGINT, gueltig_ab DATE, gueltig_bis DATE,
        {lineage})""")
    for row in (("K1", "Kita", "06432001", 8.59, 49.74, 60, None), ("F1", "Familienzentrum", "06432002", 8.94, 49.96, None,
                                                                   "2030-12-31")):
        con.execute("INSERT INTO raw.einrichtungen__einrichtungen VALUES (?, ?, 'Test', NULL, ?, ?, ?, ?, '2010-01-01', ?, "
                    "3, 'einrichtungen_2016.csv', ?, now(), true)", [*row, SHA["einrichtungen_2016.csv"]])
    con.execute("""CREATE TABLE raw.einrichtungen__lieferungen (sha256 VARCHAR, datei VARCHAR, berichtszeitraum VARCHAR,
        ist_demodaten BOOLEAN, zeilen INTEGER, abgelehnt INTEGER, geladen_am TIMESTAMP)""")
    con.execute("INSERT INTO raw.einrichtungen__lieferungen VALUES (?, 'einrichtungen_2016.csv', '2010-01-01', true, 2, 0, "
                "now())", [SHA["einrichtungen_2016.csv"]])
    lieferstatus.create_current_views(con, lieferstatus.AKTUELL)  # as the ingest runner does


def _mart(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA mart")
    con.execute("""CREATE TABLE mart.indikatoren (indikator_id VARCHAR, name VARCHAR, definition VARCHAR, zaehler VARCHAR,
        nenner VARCHAR, einheit VARCHAR, faktor INTEGER, stichtagsregel VARCHAR, polaritaet INTEGER, quelle VARCHAR,
        thema VARCHAR, geheimhaltung BOOLEAN)""")
    con.execute("""INSERT INTO mart.indikatoren VALUES
        ('bevoelkerung', 'Bevölkerung', 'Einwohner', 'Einwohner', NULL, 'Anzahl', 1, '31.12.', 0, 'GENESIS 12411-01-01-5', 'Bevölkerung', false),
        ('anteil_65_plus', 'Anteil 65+', 'E65+ / E', 'E65+', 'E', '%', 100, '31.12.', 0, 'GENESIS 12411-02-03-5', 'Bevölkerung', false),
        ('hze_eckwert', 'HzE-Eckwert', 'Hilfen je 1.000 E<21', 'Hilfen', 'E<21', 'je 1.000', 1000, '31.12.', -1, 'Jugendamt', 'Jugendhilfe', true)""")
    con.execute("""CREATE TABLE mart.sozialraum_indikatoren (gebiet_ebene VARCHAR, gebiet_id VARCHAR, gebiet_name VARCHAR,
        kreis_ags VARCHAR, sozialraum_id VARCHAR, jahr INTEGER, indikator_id VARCHAR, wert DOUBLE, zaehler DOUBLE,
        nenner DOUBLE, einheit VARCHAR, ist_unterdrueckt BOOLEAN, quelle VARCHAR, nenner_quelle VARCHAR, ist_demodaten BOOLEAN)""")
    # Gemeinde rows: population, share 65+ (20 % of E), HzE (10 cases per Gemeinde per 2000 E<21).
    rows = []
    for year, pops in POP.items():
        for ags, e in pops.items():
            e65 = round(e * 0.2)
            e21 = round(e * 0.2)
            hze = 10 + (year - 2015)
            rows += [
                ("gemeinde", ags, GEMEINDEN[ags], "06432", SOZIALRAUM[ags], year, "bevoelkerung", float(e), float(e), None, "Anzahl"),
                ("gemeinde", ags, GEMEINDEN[ags], "06432", SOZIALRAUM[ags], year, "anteil_65_plus", None, float(e65), float(e), "%"),
                ("gemeinde", ags, GEMEINDEN[ags], "06432", SOZIALRAUM[ags], year, "hze_eckwert", None, float(hze), float(e21), "je 1.000"),
            ]
    # Sozialraum and Kreis rows: sums of their Gemeinden.
    agg: dict[tuple, list[float]] = {}
    for _ebene, _gid, _n, kreis, sr, year, ind, _w, z, n, einheit in rows:
        for key in (("sozialraum", sr, f"Sozialraum {sr}", kreis, sr), ("kreis", kreis, "Darmstadt-Dieburg", kreis, None)):
            acc = agg.setdefault(key + (year, ind, einheit), [0.0, 0.0 if n is not None else None])
            acc[0] += z
            if n is not None:
                acc[1] += n
    rows += [(k[0], k[1], k[2], k[3], k[4], k[5], k[6], None, v[0], v[1], k[7]) for k, v in agg.items()]
    faktor = {"Anzahl": 1, "%": 100, "je 1.000": 1000}
    for ebene, gid, name, kreis, sr, year, ind, _w, z, n, einheit in rows:
        wert = z if einheit == "Anzahl" else round(z / n * faktor[einheit], 2)
        con.execute("INSERT INTO mart.sozialraum_indikatoren VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, 'Test', NULL, true)",
                    [ebene, gid, name, kreis, sr, year, ind, wert, z, n, einheit])
    con.execute("""CREATE TABLE mart.dim_gebiet (gebiet_ebene VARCHAR, gebiet_id VARCHAR, gebiet_name VARCHAR,
        kreis_ags VARCHAR, sozialraum_id VARCHAR, sozialraum_name VARCHAR, geojson VARCHAR)""")
    for ags, name in GEMEINDEN.items():
        con.execute("INSERT INTO mart.dim_gebiet VALUES ('gemeinde', ?, ?, '06432', ?, NULL, NULL)", [ags, name, SOZIALRAUM[ags]])
    con.execute("INSERT INTO mart.dim_gebiet VALUES ('sozialraum', 'SR1', 'Sozialraum SR1', '06432', 'SR1', 'SR1', NULL)")
    con.execute("INSERT INTO mart.dim_gebiet VALUES ('sozialraum', 'SR2', 'Sozialraum SR2', '06432', 'SR2', 'SR2', NULL)")
    con.execute("INSERT INTO mart.dim_gebiet VALUES ('kreis', '06432', 'Darmstadt-Dieburg', '06432', NULL, NULL, NULL)")
    con.execute("""CREATE TABLE mart.kreis_abgleich AS SELECT '12411-01-01-5' AS tabelle, 2016 AS jahr,
        30800.0 AS summe_gemeinden, 30800.0 AS kreis_amtlich, 0.0 AS differenz""")
    # something that must never be published
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE VIEW staging.stg_genesis__werte AS SELECT * FROM raw.genesis__werte")
    con.execute("CREATE SCHEMA intermediate")
    con.execute("CREATE TABLE intermediate.int_faelle AS SELECT fall_pseudonym FROM raw.jugendhilfe__hilfen")
    con.execute("""CREATE TABLE intermediate.int_indikatoren__gemeinde AS
        SELECT gebiet_id AS ags, jahr, indikator_id, zaehler, nenner, false AS zaehler_unterdrueckt,
               false AS nenner_unterdrueckt, quelle, nenner_quelle, ist_demodaten
        FROM mart.sozialraum_indikatoren WHERE gebiet_ebene = 'gemeinde'""")


def add_sgb2_monatswerte(path: Path) -> Path:
    """The monthly SGB II mart (mart.sgb2_monatswerte, November and December 2016, sgb2_quote) and the annual
    sgb2_quote 2016 it must agree with in December; consistent with the raw SGB II rows above (LB 430 in
    December). Denominators: E unter 65 = 80 % of the population, at 31.12.2015 for November and at
    31.12.2016 for December. Kept apart from build(): the publication tests expect its table set."""
    con = duckdb.connect(str(path))
    try:
        con.execute("INSERT INTO mart.indikatoren VALUES ('sgb2_quote', 'SGB-II-Quote', 'LB / E<65', 'LB', 'E<65', '%', 100, "
                    "'stichtag_gleich', -1, 'Jobcenter', 'SGB II', false)")
        con.execute("""CREATE TABLE mart.sgb2_monatswerte (gebiet_ebene VARCHAR, gebiet_id VARCHAR, gebiet_name VARCHAR,
            kreis_ags VARCHAR, sozialraum_id VARCHAR, monat DATE, jahr INTEGER, monat_nr INTEGER, indikator_id VARCHAR,
            wert DOUBLE, zaehler DOUBLE, nenner DOUBLE, einheit VARCHAR, ist_unterdrueckt BOOLEAN, nenner_stichtag DATE,
            quelle VARCHAR, nenner_quelle VARCHAR, ist_demodaten BOOLEAN, ist_umgeschluesselt BOOLEAN)""")
        con.execute("""CREATE TABLE intermediate.int_sgb2__monatsindikatoren (ags VARCHAR, jahr INTEGER, monat DATE,
            indikator_id VARCHAR, zaehler DOUBLE, nenner DOUBLE, zaehler_unterdrueckt BOOLEAN, nenner_unterdrueckt BOOLEAN)""")
        lb = {11: 420, 12: 430}
        for monat_nr, zaehler in lb.items():
            jahr_nenner = 2016 if monat_nr == 12 else 2015
            rows = [("gemeinde", ags, GEMEINDEN[ags], SOZIALRAUM[ags], float(zaehler), float(round(POP[jahr_nenner][ags] * 0.8)))
                    for ags in GEMEINDEN]
            for sr in sorted(set(SOZIALRAUM.values())):
                parts = [r for r in rows[:3] if r[3] == sr]
                rows.append(("sozialraum", sr, f"Sozialraum {sr}", sr, sum(r[4] for r in parts), sum(r[5] for r in parts)))
            rows.append(("kreis", "06432", "Darmstadt-Dieburg", None, sum(r[4] for r in rows[:3]), sum(r[5] for r in rows[:3])))
            for ebene, gid, name, sr, z, n in rows:
                values = [ebene, gid, name, "06432", sr, f"2016-{monat_nr:02d}-01", 2016, monat_nr, "sgb2_quote",
                          z / n * 100, z, n, "%", False, f"{jahr_nenner}-12-31", "Test", "Test", True, False]
                con.execute("INSERT INTO mart.sgb2_monatswerte VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            values)
                if ebene == "gemeinde":
                    con.execute("INSERT INTO intermediate.int_sgb2__monatsindikatoren VALUES (?, 2016, ?, 'sgb2_quote', ?, ?, "
                                "false, false)", [gid, f"2016-{monat_nr:02d}-01", z, n])
                if monat_nr == 12:  # the annual value: the December report
                    con.execute("INSERT INTO mart.sozialraum_indikatoren VALUES (?, ?, ?, '06432', ?, 2016, 'sgb2_quote', "
                                "?, ?, ?, '%', false, 'Test', NULL, true)", [ebene, gid, name, sr, z / n * 100, z, n])
    finally:
        con.close()
    return path
