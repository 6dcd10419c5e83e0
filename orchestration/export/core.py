"""Open-data export of the published (disclosure-controlled) mart.

`export_open_data(published_db, out_dir)` writes, for every table of the `mart` schema of the
published file (except the report tables `rpt_*` of the dashboards and profiles), a folder `<dataset>/` with
- `<dataset>.csv`: separator `;`, UTF-8 (no BOM), header row, decimal point `.` (no thousands
  separator), empty field = no value (NULL; suppressed values carry `ist_unterdrueckt = true`),
  booleans `true`/`false`, dates ISO 8601, text quoted with `"` when needed;
- `<dataset>.parquet`: the same rows and types;
- `metadata.json`: title, description, columns, indicator definitions, temporal and spatial coverage,
  sources with licences and dl-de/by-2.0 attribution texts, publication timestamp.
plus `LIESMICH.md` (the format above, in German) at the top of `out_dir`.

Only the published file is read (read-only) and only its `mart` schema. Before anything is written,
every column name is checked against the patterns of case-level and personal fields; a match stops
the export (`ExportFehler`), so an export can never carry raw or case-level data even if such a
column ever reached the published file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb

from orchestration import privacy

SCHEMA = "mart"
BERICHTSTABELLEN = "rpt_"  # report tables of the dashboards and profiles: not exported
CSV_FORMAT = {
    "trennzeichen": ";",
    "zeichenkodierung": "UTF-8 (ohne BOM)",
    "dezimaltrennzeichen": ".",
    "tausendertrennzeichen": None,
    "kopfzeile": True,
    "textbegrenzer": '"',
    "fehlender_wert": "leeres Feld",
    "wahrheitswerte": "true / false",
    "datum": "ISO 8601 (JJJJ-MM-TT, Zeitstempel JJJJ-MM-TT HH:MM:SS[+HH])",
}


DL_DE_BY_2_0 = {
    "lizenz": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "lizenz_kurz": "dl-de/by-2.0",
    "lizenz_url": "https://www.govdata.de/dl-de/by-2-0",
}

# Known datasets: German title and description. Other tables of the mart get a generic text.
DATENSAETZE: dict[str, tuple[str, str]] = {
    "sozialraum_indikatoren": (
        "Sozialraum-Indikatoren",
        "Indikatoren je Gemeinde, Sozialraum und Kreis und Jahr mit Zähler, Nenner und Wert, dazu Land und Bund "
        "als Vergleich (gebiet_ebene land/bund, aus deren amtlichen Zeilen). Aggregate sind Summe der Zähler "
        "durch Summe der Nenner. Alle Jahre auf einem Gebietsstand (siehe gebietsstand; ist_umgeschluesselt). "
        "Kleine Fallzahlen der Jugendhilfe sind geheim gehalten (Wert leer, ist_unterdrueckt = true).",
    ),
    "dim_gebiet": (
        "Gebiete",
        "Gemeinden, Sozialräume und Kreise mit Zuordnung und Gemeindegrenzen (GeoJSON, WGS84, generalisiert); "
        "dazu Land und Bund als Vergleichsgebiete (ohne Grenzen) und gemeindefreie Gebiete (unbewohnt, ohne Indikatoren).",
    ),
    "gebietsstand": (
        "Gebietsstand",
        "Gebietsstand, auf den alle Jahre umgerechnet sind (BBSR-Umstiegsschlüssel; Stichtag, Schlüsseldatei, "
        "Zahl der umgeschlüsselten Gebiete).",
    ),
    "indikatoren": (
        "Indikatorenkatalog",
        "Definition jedes Indikators: Name, Zähler, Nenner, Einheit, Stichtagsregel, Polarität, Quelle.",
    ),
    "kreis_abgleich": (
        "Abgleich Gemeindesummen mit Kreiswerten",
        "Summe der Gemeinden gegen die amtliche Kreiszeile je Tabelle und Jahr, mit Differenz.",
    ),
    "sgb2_monatswerte": (
        "SGB II je Monat",
        "SGB-II-Quote und Kinderarmut je Gemeinde, Sozialraum und Kreis und Berichtsmonat mit Zähler, Nenner und "
        "Wert: jeder gelieferte Monat (sozialraum_indikatoren führt den Dezember). Nenner ist die Bevölkerung am "
        "31.12. des Vorjahres, im Dezember die am selben 31.12. (wie im Jahreswert; Spalte nenner_stichtag). "
        "In der Quelle gesperrte Werte sind leer (ist_unterdrueckt = true).",
    ),
    "sozialindex": (
        "Sozialindex (Status und Dynamik)",
        "Sozialindex je Gebiet und Jahr nach der Methode des Berliner Monitorings Soziale Stadtentwicklung: "
        "z-Werte der Indexindikatoren, Statussumme, Statusindex und -klasse, Dynamikindex und -klasse, "
        "Gruppe (12 Gruppen).",
    ),
    "sozialindex_zwerte": (
        "Sozialindex: z-Werte der Indikatoren",
        "z-standardisierte Werte (Status) und Veränderungen (Dynamik) jedes Indexindikators je Gebiet und Jahr.",
    ),
    "sozialindex_ausschluesse": (
        "Sozialindex: nicht bewertete Gebiete",
        "Gebiete und Jahre ohne (vollständigen) Sozialindex mit Begründung (Einwohnerzahl, fehlende oder "
        "geheim gehaltene Werte).",
    ),
    "sozialindex_indikatoren": (
        "Sozialindex: Konfiguration der Indikatoren",
        "Welche Indikatoren mit welcher Polarität in den Sozialindex eingehen.",
    ),
    "publikation_status": (
        "Publikationsstatus",
        "Zeitpunkt und Version der Veröffentlichung, verarbeitete Lieferungen (Datei, Prüfsumme, "
        "Berichtszeitraum) und bestandene Prüfungen.",
    ),
}


# Reference dates inside source texts ("GENESIS 12411-01-01-5 (31.12.2016), Demodaten",
# "SGB-II-Gemeindedaten, Dezember 2016", "…, März 2016") and the note of a Kreis value taken from the source's
# own Kreis row: folded so that a source is listed once.
_MONATE = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_STICHTAG = re.compile(
    rf"\s*\((\d{{1,2}}\.\d{{1,2}}\.)?(19|20)\d{{2}}\)|,?\s*(({_MONATE})\s+)?(?<![\d-])(19|20)\d{{2}}(?![\d-])|,\s*Demodaten"
    r"|\s*\(Kreiswert: Kreissumme der Quelle\)"
)


class ExportFehler(RuntimeError):
    """The export was refused (nothing partial is left behind)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_wert(wert: Any) -> Any:
    if isinstance(wert, (dt.datetime, dt.date)):
        return wert.isoformat()
    return wert


def _tabellen(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for tabelle, spalte, typ in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? order by table_name, ordinal_position",
        [SCHEMA],
    ).fetchall():
        out.setdefault(tabelle, []).append((spalte, typ))
    return out


def pruefe_spalten(tabellen: dict[str, list[tuple[str, str]]]) -> None:
    """Refuse any case-level or personal column (the privacy contract, orchestration/privacy.py)."""
    treffer = [f"{t}.{s}" for t, spalten in tabellen.items() for s in privacy.forbidden(s for s, _ in spalten)]
    if treffer:
        raise ExportFehler("refusing to export case-level or personal columns: " + ", ".join(sorted(treffer)))


def _publikationszeit(con: duckdb.DuckDBPyConnection, tabellen: dict, published_db: Path) -> tuple[str, str]:
    """(ISO timestamp, where it came from)."""
    if "publikation_status" in tabellen:
        spalten = {s: t for s, t in tabellen["publikation_status"]}
        zeit = [s for s, t in spalten.items() if t.upper().startswith("TIMESTAMP")]
        bevorzugt = [s for s in zeit if "veroeff" in s or "publi" in s] or zeit
        if bevorzugt:
            wert = con.execute(f"select max({_q(bevorzugt[0])}) from {SCHEMA}.publikation_status").fetchone()[0]
            if wert is not None:
                return _json_wert(wert), f"mart.publikation_status.{bevorzugt[0]}"
    stempel = dt.datetime.fromtimestamp(published_db.stat().st_mtime, dt.UTC)
    return stempel.isoformat(), "Änderungszeit der veröffentlichten Datei"


def _gebietsstand(con: duckdb.DuckDBPyConnection, tabellen: dict) -> str | None:
    """"Gebietsstand 31.12.2020" from mart.gebietsstand (the Gemeinde key), if the mart has it."""
    if "gebietsstand" not in tabellen:
        return None
    row = con.execute(f"select bezeichnung from {SCHEMA}.gebietsstand order by ebene = 'gemeinde' desc limit 1").fetchone()
    return row[0] if row else None


def _region(con: duckdb.DuckDBPyConnection, tabellen: dict) -> str | None:
    if "dim_gebiet" in tabellen:
        namen = [r[0] for r in con.execute(
            f"select distinct gebiet_name from {SCHEMA}.dim_gebiet where gebiet_ebene = 'kreis' and gebiet_name is not null order by 1"
        ).fetchall()]
        if namen:
            return ", ".join(namen)
    return None


def _quelle_lizenz(quelle: str, region: str | None) -> dict[str, Any]:
    """Licence and dl-de/by-2.0 attribution for one source text of the mart."""
    q = quelle.lower()
    jahr = dt.date.today().year
    if "demodaten" in q or "synthetisch" in q:
        return {
            "quelle": quelle,
            "bereitsteller": "Sozialraum-Monitor (synthetische Demodaten)",
            "lizenz": "Synthetische Demodaten, keine amtlichen Daten; frei verwendbar",
            "namensnennung": "Synthetische Demodaten des Sozialraum-Monitors – keine amtlichen Zahlen.",
        }
    if "genesis" in q or "regionalstatistik" in q or "statistische ämter" in q or re.search(r"\b1\d{4}-\d", q):
        bereitsteller = "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland"
        if "bundesagentur" in q or "statistik der ba" in q:
            bereitsteller += " (Statistik der Bundesagentur für Arbeit)"
        return {
            "quelle": quelle,
            "bereitsteller": bereitsteller,
            **DL_DE_BY_2_0,
            "namensnennung": f"Datenquelle: © {bereitsteller}, {jahr}, Datenlizenz Deutschland – Namensnennung – "
            "Version 2.0 (www.govdata.de/dl-de/by-2-0); Daten verändert (eigene Berechnungen).",
        }
    if "bundesagentur" in q or "statistik der ba" in q:
        return {
            "quelle": quelle,
            "bereitsteller": "Statistik der Bundesagentur für Arbeit",
            **DL_DE_BY_2_0,
            "namensnennung": f"Datenquelle: © Statistik der Bundesagentur für Arbeit, {jahr}, Datenlizenz Deutschland – "
            "Namensnennung – Version 2.0 (www.govdata.de/dl-de/by-2-0); Daten verändert (eigene Berechnungen).",
        }
    if "bkg" in q or "geobasis" in q or "vg5000" in q:
        return {
            "quelle": quelle,
            "bereitsteller": "Bundesamt für Kartographie und Geodäsie",
            **DL_DE_BY_2_0,
            "namensnennung": "© GeoBasis-DE / BKG (Daten verändert), Datenlizenz Deutschland – Namensnennung – "
            "Version 2.0 (www.govdata.de/dl-de/by-2-0).",
        }
    traeger = region or "der Landkreis"
    return {
        "quelle": quelle,
        "bereitsteller": f"{traeger} (Verwaltungsdaten, aggregiert und geheimhaltungsgeprüft)",
        **DL_DE_BY_2_0,
        "namensnennung": f"Datenquelle: {traeger}, Sozialraum-Monitor, {jahr}, Datenlizenz Deutschland – "
        "Namensnennung – Version 2.0 (www.govdata.de/dl-de/by-2-0).",
    }


def _quellen(con: duckdb.DuckDBPyConnection, tabelle: str, spalten: list[str], tabellen: dict, region: str | None) -> list[dict]:
    texte: set[str] = set()
    for spalte in ("quelle", "nenner_quelle"):
        if spalte in spalten:
            texte |= {r[0] for r in con.execute(
                f"select distinct {_q(spalte)} from {SCHEMA}.{_q(tabelle)} where {_q(spalte)} is not null"
            ).fetchall()}
    if "indikator_id" in spalten and "indikatoren" in tabellen and tabelle != "indikatoren":
        texte |= {r[0] for r in con.execute(
            f"select distinct k.quelle from {SCHEMA}.indikatoren k "
            f"where k.quelle is not null and k.indikator_id in (select indikator_id from {SCHEMA}.{_q(tabelle)})"
        ).fetchall()}
    if "geojson" in spalten:
        texte.add("© GeoBasis-DE / BKG, VG5000 Gemeindegrenzen")
    if not texte:
        texte.add("Sozialraum-Monitor, abgeleitete Tabelle")
    # One entry per provider and licence, listing the source texts (reference dates folded).
    gruppen: dict[tuple[str, str], dict[str, Any]] = {}
    for text in sorted(texte):
        eintrag = _quelle_lizenz(text, region)
        schluessel = (eintrag["bereitsteller"], eintrag["lizenz"])
        ziel = gruppen.setdefault(schluessel, {k: v for k, v in eintrag.items() if k != "quelle"} | {"quellen": []})
        kurz = re.sub(_STICHTAG, "", text).strip(" ,;")
        if kurz and kurz not in ziel["quellen"]:
            ziel["quellen"].append(kurz)
    return list(gruppen.values())


def _definitionen(con: duckdb.DuckDBPyConnection, tabelle: str, spalten: list[str], tabellen: dict) -> list[dict]:
    if "indikatoren" not in tabellen:
        return []
    kat_spalten = [s for s, _ in tabellen["indikatoren"]]
    if tabelle == "indikatoren":
        filt = ""
    elif "indikator_id" in spalten:
        filt = f" where indikator_id in (select indikator_id from {SCHEMA}.{_q(tabelle)})"
    else:
        return []
    cur = con.execute(f"select * from {SCHEMA}.indikatoren{filt} order by indikator_id")
    return [{k: _json_wert(v) for k, v in zip(kat_spalten, row, strict=False)} for row in cur.fetchall()]


def _abdeckung(con: duckdb.DuckDBPyConnection, tabelle: str, spalten: list[str]) -> tuple[dict, dict]:
    zeitlich: dict[str, Any] = {}
    if "jahr" in spalten:
        von, bis, jahre = con.execute(
            f"select min(jahr), max(jahr), list(distinct jahr order by jahr) from {SCHEMA}.{_q(tabelle)}"
        ).fetchone()
        zeitlich = {"von": von, "bis": bis, "jahre": jahre}
    raeumlich: dict[str, Any] = {"bezugssystem_geometrie": "WGS84 (EPSG:4326)"} if "geojson" in spalten else {}
    if "gebiet_ebene" in spalten and "gebiet_id" in spalten:
        raeumlich["ebenen"] = {
            ebene: n for ebene, n in con.execute(
                f"select gebiet_ebene, count(distinct gebiet_id) from {SCHEMA}.{_q(tabelle)} group by 1 order by 1"
            ).fetchall()
        }
    if "kreis_ags" in spalten:
        raeumlich["kreise"] = [r[0] for r in con.execute(
            f"select distinct kreis_ags from {SCHEMA}.{_q(tabelle)} where kreis_ags is not null order by 1"
        ).fetchall()]
    return zeitlich, raeumlich


def _liesmich(datensaetze: list[dict], zeit: str, gebietsstand: str | None) -> str:
    zeilen = [
        "# Offene Daten des Sozialraum-Monitors",
        "",
        f"Veröffentlicht: {zeit}. Je Datensatz ein Ordner mit CSV, Parquet und `metadata.json`.",
        "",
    ]
    if gebietsstand:
        zeilen += [
            f"Alle Jahre beziehen sich auf den {gebietsstand}: Werte früherer Gebietsstände sind auf die "
            "heutigen Gemeinden und Kreise umgerechnet (`ist_umgeschluesselt = true`). Land (`gebiet_ebene = "
            "land`) und Bund (`bund`) sind die amtlichen Vergleichszeilen der Statistik, keine Summen der Gemeinden.",
            "",
        ]
    zeilen += [
        "## CSV-Format",
        "- Trennzeichen: Semikolon `;`",
        "- Zeichenkodierung: UTF-8 (ohne BOM)",
        "- Dezimaltrennzeichen: Punkt `.` (z. B. `12.5`), keine Tausendertrennzeichen",
        "- erste Zeile: Spaltennamen; Text wird bei Bedarf in `\"` eingeschlossen",
        "- leeres Feld: kein Wert. Geheim gehaltene Werte (Geheimhaltung kleiner Fallzahlen) sind leer und "
        "mit `ist_unterdrueckt = true` gekennzeichnet – sie sind nicht 0.",
        "- Wahrheitswerte `true`/`false`, Datumsangaben ISO 8601",
        "",
        "Die Parquet-Dateien enthalten dieselben Zeilen mit Datentypen.",
        "",
        "## Datensätze",
        "",
        "| Ordner | Titel | Zeilen |",
        "|---|---|---|",
    ]
    zeilen += [f"| `{d['id']}/` | {d['titel']} | {d['zeilen']} |" for d in datensaetze]
    zeilen += [
        "",
        "## Lizenz und Namensnennung",
        "Amtliche Daten und die daraus berechneten Indikatoren stehen unter der Datenlizenz Deutschland – "
        "Namensnennung – Version 2.0 (https://www.govdata.de/dl-de/by-2-0). Die Namensnennung je Quelle "
        "steht in `metadata.json` (`quellen[].namensnennung`). Synthetische Demodaten sind als solche "
        "gekennzeichnet und keine amtlichen Zahlen.",
        "",
    ]
    return "\n".join(zeilen)


def export_open_data(published_db: Path, out_dir: Path) -> list[Path]:
    """Export every table of the published mart as CSV + Parquet + metadata.json into `out_dir`.

    Returns the written files (three per dataset, then `LIESMICH.md`). The export is assembled in a
    temporary folder beside `out_dir` and moved into place only when complete."""
    published_db = Path(published_db)
    out_dir = Path(out_dir)
    if not published_db.exists():
        raise FileNotFoundError(f"published file not found: {published_db}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.export-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        tabellen = _tabellen(con)
        if not tabellen:
            raise ExportFehler(f"{published_db} has no tables in schema {SCHEMA}")
        pruefe_spalten(tabellen)
        # the report tables (dbt models rpt_*) shape the mart for Superset and the profiles; the
        # open data are the mart tables themselves
        tabellen = {t: s for t, s in tabellen.items() if not t.startswith(BERICHTSTABELLEN)}
        zeit, zeit_herkunft = _publikationszeit(con, tabellen, published_db)
        region = _region(con, tabellen)
        gebietsstand = _gebietsstand(con, tabellen)
        uebersicht = []
        for tabelle, spalten_typen in tabellen.items():
            spalten = [s for s, _ in spalten_typen]
            ordner = tmp / tabelle
            ordner.mkdir()
            sortierung = ", ".join(_q(s) for s in spalten if s in ("gebiet_ebene", "gebiet_id", "jahr", "indikator_id", "eintrag"))
            auswahl = f"select * from {SCHEMA}.{_q(tabelle)}" + (f" order by {sortierung}" if sortierung else "")
            con.execute(
                f"copy ({auswahl}) to {_sql_str(str(ordner / (tabelle + '.csv')))} "
                "(format csv, header true, delimiter ';', quote '\"', escape '\"', nullstr '', "
                "dateformat '%Y-%m-%d', timestampformat '%Y-%m-%d %H:%M:%S')"
            )
            con.execute(
                f"copy ({auswahl}) to {_sql_str(str(ordner / (tabelle + '.parquet')))} (format parquet, compression zstd)"
            )
            zeilen = con.execute(f"select count(*) from {SCHEMA}.{_q(tabelle)}").fetchone()[0]
            titel, beschreibung = DATENSAETZE.get(
                tabelle, (tabelle.replace("_", " ").capitalize(), f"Tabelle mart.{tabelle} des veröffentlichten Sozialraum-Monitors.")
            )
            zeitlich, raeumlich = _abdeckung(con, tabelle, spalten)
            if region:
                raeumlich["region"] = region
            if gebietsstand:
                raeumlich["gebietsstand"] = gebietsstand
            metadaten = {
                "id": tabelle,
                "titel": titel,
                "beschreibung": beschreibung,
                "herausgeber": region,
                "veroeffentlicht_am": zeit,
                "veroeffentlicht_am_herkunft": zeit_herkunft,
                "zeilen": zeilen,
                "dateien": {
                    "csv": {"name": f"{tabelle}.csv", **CSV_FORMAT},
                    "parquet": {"name": f"{tabelle}.parquet", "kompression": "zstd"},
                },
                "spalten": [{"name": s, "typ": t} for s, t in spalten_typen],
                "indikatoren": _definitionen(con, tabelle, spalten, tabellen),
                "zeitliche_abdeckung": zeitlich,
                "raeumliche_abdeckung": raeumlich,
                "quellen": _quellen(con, tabelle, spalten, tabellen, region),
                "lizenz": DL_DE_BY_2_0,
                "geheimhaltung": "Veröffentlicht wird nur der geprüfte, geheimhaltungsgeschützte Bestand: keine "
                "Einzelfalldaten, kleine Fallzahlen der Jugendhilfe unterdrückt (leer, ist_unterdrueckt = true).",
                "enthaelt_demodaten": _enthaelt_demodaten(con, tabelle, spalten),
            }
            (ordner / "metadata.json").write_text(
                json.dumps(metadaten, ensure_ascii=False, indent=2, default=_json_wert) + "\n", encoding="utf-8"
            )
            uebersicht.append({"id": tabelle, "titel": titel, "zeilen": zeilen})
        (tmp / "LIESMICH.md").write_text(_liesmich(uebersicht, zeit, gebietsstand), encoding="utf-8")
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    con.close()

    out_dir.mkdir(parents=True, exist_ok=True)
    geschrieben: list[Path] = []
    for eintrag in uebersicht:
        ziel = out_dir / eintrag["id"]
        if ziel.exists():
            shutil.rmtree(ziel)
        (tmp / eintrag["id"]).rename(ziel)
        geschrieben += [ziel / f"{eintrag['id']}.csv", ziel / f"{eintrag['id']}.parquet", ziel / "metadata.json"]
    (tmp / "LIESMICH.md").replace(out_dir / "LIESMICH.md")
    geschrieben.append(out_dir / "LIESMICH.md")
    shutil.rmtree(tmp, ignore_errors=True)
    return geschrieben


def _enthaelt_demodaten(con: duckdb.DuckDBPyConnection, tabelle: str, spalten: list[str]) -> bool:
    if "ist_demodaten" in spalten:
        return bool(con.execute(
            f"select coalesce(bool_or(ist_demodaten), false) from {SCHEMA}.{_q(tabelle)}"
        ).fetchone()[0])
    if "quelle" in spalten:
        return bool(con.execute(
            f"select count(*) > 0 from {SCHEMA}.{_q(tabelle)} where quelle ilike '%demodaten%'"
        ).fetchone()[0])
    return False
