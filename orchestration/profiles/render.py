"""Printable Sozialraum profiles (German, A4) from the published file.

Only the published file is read, read-only and without access to any other file. Every figure shown
is taken as published (disclosure control already applied): a suppressed value is shown as
"geheim", never recomputed. Charts are inline SVG; the HTML loads nothing from anywhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from markupsafe import Markup

from orchestration.profiles import massnahmen, narrative, svg
from orchestration.profiles.bestand import Bestand, ProfilFehler, abfrage, lies_bestand
from orchestration.profiles.format import datum, vorzeichen, zahl

TEMPLATES = Path(__file__).parent / "templates"

# Indicators shown first (in this order) and with a trend chart; every other published indicator of
# the area follows in catalogue order.
SCHLUESSELINDIKATOREN = (
    "bevoelkerung",
    "arbeitslosenanteil",
    "sgb2_quote",
    "kinderarmut",
    "altersarmut",
    "mindestsicherungsquote",
    "anteil_unter_18",
    "anteil_65_plus",
    "beschaeftigtenquote",
)
_JUGENDHILFE = re.compile(r"hze|eckwert|inobhut|gefaehrdung|erziehungsberatung|volljaehrig|35a|jugendhilfe")


def ist_jugendhilfe(indikator_id: str, meta: dict[str, Any]) -> bool:
    """Youth-welfare figures (shown after disclosure control in their own section): the catalogue's
    `geheimhaltung` flag when it has one, else the topic / id."""
    if meta.get("geheimhaltung") is not None:
        return bool(meta["geheimhaltung"]) or bool(_JUGENDHILFE.search(indikator_id))
    thema = meta.get("thema")
    if thema and "jugend" in str(thema).lower():
        return True
    return bool(_JUGENDHILFE.search(indikator_id))


def _dateiname(sozialraum_id: str) -> str:
    return "profil_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", sozialraum_id) + ".html"


def _reihen_nach_indikator(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[int, dict[str, Any]]]:
    out: dict[tuple[str, str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        out[(r["indikator_id"], r["gebiet_ebene"], r["gebiet_id"])][r["jahr"]] = r
    return out


def _sozialindex(con: duckdb.DuckDBPyConnection, bestand: Bestand, sr_id: str, gemeinde_ids: list[str]) -> dict[str, Any]:
    if not bestand.hat("sozialindex"):
        return {"verfuegbar": False}
    ids = [sr_id, *gemeinde_ids]
    marker = ",".join("?" * len(ids))
    jahr = con.execute(f"select max(jahr) from mart.sozialindex where gebiet_id in ({marker})", ids).fetchone()[0]
    ausschluesse: list[dict[str, Any]] = []
    if bestand.hat("sozialindex_ausschluesse"):
        jahr_a = jahr or con.execute(
            f"select max(jahr) from mart.sozialindex_ausschluesse where gebiet_id in ({marker})", ids
        ).fetchone()[0]
        ausschluesse = abfrage(
            con,
            f"select * from mart.sozialindex_ausschluesse where gebiet_id in ({marker}) and jahr = ? "
            "order by gebiet_name, bereich, indikator_id",
            [*ids, jahr_a],
        )
    if jahr is None:
        return {"verfuegbar": True, "jahr": None, "ebene": None, "gebiete": [], "ausschluesse": ausschluesse}
    gebiete = abfrage(
        con,
        f"select * from mart.sozialindex where gebiet_id in ({marker}) and jahr = ? "
        "order by case when gebiet_ebene = 'sozialraum' then 0 else 1 end, statusindex desc",
        [*ids, jahr],
    )
    treiber: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if bestand.hat("sozialindex_zwerte"):
        for r in abfrage(
            con,
            f"select * from mart.sozialindex_zwerte where gebiet_id in ({marker}) and jahr = ? "
            "order by z_status desc",
            [*ids, jahr],
        ):
            treiber[r["gebiet_id"]].append(r)
    ebene = gebiete[0]["gebiet_ebene"] if gebiete else None
    for g in gebiete:
        z = treiber.get(g["gebiet_id"], [])
        g["treiber"] = [
            {
                "indikator_id": t["indikator_id"],
                "name": bestand.katalog.get(t["indikator_id"], {}).get("name") or t["indikator_id"],
                "z_status": t["z_status"],
                "z_dynamik": t.get("z_dynamik"),
                "wert": t.get("wert"),
                "einheit": bestand.katalog.get(t["indikator_id"], {}).get("einheit"),
            }
            for t in z
        ]
        g["balken"] = Markup(
            svg.balken(
                [(t["name"], t["z_status"]) for t in sorted(g["treiber"], key=lambda t: t["indikator_id"]) if t["z_status"] is not None]
            )
        )
        staerkster = [t for t in g["treiber"] if t["z_status"] is not None and t["z_status"] > 0.5]
        g["treiber_text"] = (
            ", ".join(f'{t["name"]} ({vorzeichen(t["z_status"])})' for t in staerkster[:2])
            if staerkster
            else "kein Indikator deutlich über dem Durchschnitt"
        )
    return {"verfuegbar": True, "jahr": jahr, "ebene": ebene, "gebiete": gebiete, "ausschluesse": ausschluesse}


def _profil(con: duckdb.DuckDBPyConnection, bestand: Bestand, sr: dict[str, Any]) -> dict[str, Any]:
    """The profile of one area: a Sozialraum (with its Gemeinden) or a Gemeinde (`sr` is its dim_gebiet row)."""
    sr_id = sr["gebiet_id"]
    ebene = sr["gebiet_ebene"]
    gemeinden = sorted(
        (g for g in bestand.gebiete if g["gebiet_ebene"] == "gemeinde"
         and (g.get("sozialraum_id") == sr_id if ebene == "sozialraum" else g["gebiet_id"] == sr_id)),
        key=lambda g: g["gebiet_name"] or g["gebiet_id"],
    )
    # The same Gemeinde may appear in several rows (polygons exploded): one entry per AGS.
    gemeinde_ids = list(dict.fromkeys(g["gebiet_id"] for g in gemeinden))
    kreis_ags = sr.get("kreis_ags") or (gemeinden[0].get("kreis_ags") if gemeinden else None)
    kreis = next((g for g in bestand.gebiete if g["gebiet_ebene"] == "kreis" and g["gebiet_id"] == kreis_ags), None)
    kreis_name = (kreis or {}).get("gebiet_name") or f"Kreis {kreis_ags}"

    # comparison areas: the Land of the Kreis and Germany (official rows of the mart, where it has them)
    land_id = (kreis_ags or "")[:2]
    vergleich = {g["gebiet_ebene"]: g for g in bestand.gebiete
                 if (g["gebiet_ebene"] == "land" and g["gebiet_id"] == land_id) or g["gebiet_ebene"] == "bund"}
    ids = [sr_id, *gemeinde_ids, kreis_ags or "", *(g["gebiet_id"] for g in vergleich.values())]
    marker = ",".join("?" * len(ids))
    # the report table of the values (dbt model rpt_indikatorwerte): each row carries the Kreis value
    # of the same indicator and year and the deviation from it (computed in dbt, as on the dashboards)
    rows = abfrage(
        con,
        f"select * from mart.rpt_indikatorwerte where gebiet_id in ({marker}) "
        "and gebiet_ebene in ('sozialraum', 'gemeinde', 'kreis', 'land', 'bund') order by indikator_id, jahr",
        ids,
    )
    # Gemeinde rows only for this Sozialraum's Gemeinden, Kreis rows only for its Kreis.
    rows = [
        r for r in rows
        if (r["gebiet_ebene"] == ebene and r["gebiet_id"] == sr_id)
        or (r["gebiet_ebene"] == "gemeinde" and r["gebiet_id"] in gemeinde_ids)
        or (r["gebiet_ebene"] == "kreis" and r["gebiet_id"] == kreis_ags)
        or (r["gebiet_ebene"] in vergleich and r["gebiet_id"] == vergleich[r["gebiet_ebene"]]["gebiet_id"])
    ]
    reihen = _reihen_nach_indikator(rows)
    ist_demo = any(r.get("ist_demodaten") for r in rows)

    indikatoren_sr = {i for (i, e, gid) in reihen if e == ebene and gid == sr_id}
    katalog_reihenfolge = list(bestand.katalog)
    reihenfolge = [i for i in SCHLUESSELINDIKATOREN if i in indikatoren_sr] + [
        i for i in katalog_reihenfolge if i in indikatoren_sr and i not in SCHLUESSELINDIKATOREN
    ] + sorted(i for i in indikatoren_sr if i not in bestand.katalog)

    kennzahlen, jugendhilfe = [], []
    for ind in reihenfolge:
        meta = bestand.katalog.get(ind, {})
        einheit = meta.get("einheit") or next(iter(reihen[(ind, ebene, sr_id)].values())).get("einheit")
        sr_reihe = reihen[(ind, ebene, sr_id)]
        kr_reihe = reihen.get((ind, "kreis", kreis_ags), {})
        jahre = sorted(set(sr_reihe) | set(kr_reihe))
        letztes = max(sr_reihe)
        sr_akt = sr_reihe[letztes]
        kr_akt = kr_reihe.get(letztes)
        eintrag = {
            "id": ind,
            "name": meta.get("name") or ind,
            "einheit": einheit,
            "jahr": letztes,
            "wert": sr_akt["wert"],
            "unterdrueckt": bool(sr_akt.get("ist_unterdrueckt")),
            "kreis_wert": sr_akt["kreis_wert"],
            "kreis_unterdrueckt": bool((kr_akt or {}).get("ist_unterdrueckt")),
            # Land and Bund of the same year (official rows; rates only: a count is not comparable)
            "vergleich": [
                {"name": g["gebiet_name"], "wert": reihen.get((ind, v_ebene, g["gebiet_id"]), {}).get(letztes, {}).get("wert")}
                for v_ebene, g in sorted(vergleich.items(), key=lambda e: e[0] != "land")
                if letztes in reihen.get((ind, v_ebene, g["gebiet_id"]), {})
            ] if einheit != "Anzahl" else [],
            "quelle": sr_akt.get("quelle"),
            "nenner_quelle": sr_akt.get("nenner_quelle"),
            "von": min(sr_reihe),
            "demo_jahre": _spannen(sorted(j for j, r in sr_reihe.items() if r.get("ist_demodaten"))),
            "thema": meta.get("thema") or "Weitere",
            "meta": meta,
        }
        if ist_jugendhilfe(ind, meta):
            eintrag["gemeinden"] = [
                {
                    "name": g["gebiet_name"],
                    "wert": reihen.get((ind, "gemeinde", g["gebiet_id"]), {}).get(letztes, {}).get("wert"),
                    "unterdrueckt": bool(
                        reihen.get((ind, "gemeinde", g["gebiet_id"]), {}).get(letztes, {}).get("ist_unterdrueckt")
                    ),
                    "vorhanden": letztes in reihen.get((ind, "gemeinde", g["gebiet_id"]), {}),
                }
                for g in _eindeutig(gemeinden)
            ] if ebene == "sozialraum" else []  # a Gemeinde profile shows the Gemeinde's own value only
            jugendhilfe.append(eintrag)
        else:
            # a count is not comparable with the Kreis total: no deviation for Anzahl indicators
            eintrag["differenz"] = sr_akt["abweichung_kreis"] if einheit != "Anzahl" else None
            eintrag["schluessel"] = ind in SCHLUESSELINDIKATOREN
            eintrag["chart"] = Markup(
                (svg.trend if eintrag["schluessel"] else svg.sparkline)(
                    jahre,
                    [
                        (sr["gebiet_name"] or sr_id, "sr", [sr_reihe.get(j, {}).get("wert") for j in jahre]),
                        # A count is not comparable with the Kreis total: only rates get the Kreis line.
                        *([] if einheit == "Anzahl" else [(kreis_name, "kreis", [kr_reihe.get(j, {}).get("wert") for j in jahre])]),
                    ],
                    einheit,
                )
            )
            kennzahlen.append(eintrag)

    karte = Markup(
        svg.karte(
            [
                (g["gebiet_id"], g["gebiet_name"] or g["gebiet_id"], svg.polygone(g.get("geojson")),
                 (g.get("sozialraum_id") if ebene == "sozialraum" else g["gebiet_id"]) == sr_id)
                for g in bestand.gebiete
                if g["gebiet_ebene"] == "gemeinde" and g.get("kreis_ags") == kreis_ags and g.get("geojson")
            ]
        )
    )
    bev = {
        g["gebiet_id"]: (max(reihen[("bevoelkerung", "gemeinde", g["gebiet_id"])].items()) if reihen.get(("bevoelkerung", "gemeinde", g["gebiet_id"])) else None)
        for g in gemeinden
    }
    return {
        "sr": sr,
        "art": "Sozialraum" if ebene == "sozialraum" else "Gemeinde",
        "erzaehlung": _erzaehlung(con, bestand, sr, vergleich),
        "kreis_name": kreis_name,
        "kreis_ags": kreis_ags,
        "gemeinden": [
            {"ags": g["gebiet_id"], "name": g["gebiet_name"], "bev": bev[g["gebiet_id"]][1]["wert"] if bev.get(g["gebiet_id"]) else None,
             "bev_jahr": bev[g["gebiet_id"]][0] if bev.get(g["gebiet_id"]) else None}
            for g in _eindeutig(gemeinden)
        ],
        "karte": karte,
        "kennzahlen": [k for k in kennzahlen if k["schluessel"]],
        "weitere": _nach_thema([k for k in kennzahlen if not k["schluessel"]]),
        "jugendhilfe": jugendhilfe,
        "sozialindex": _sozialindex(con, bestand, sr_id, gemeinde_ids if ebene == "sozialraum" else []),
        "ist_demo": ist_demo,
        "massnahmen": massnahmen.massnahmen(con, bestand.tabellen, sr, kreis_ags),
        "definitionen": [k for k in kennzahlen + jugendhilfe],
    }


def _erzaehlung(con: duckdb.DuckDBPyConnection, bestand: Bestand, gebiet: dict[str, Any],
                vergleich: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The sentences of "Auf einen Blick", each from a rule of narrative.py; the figures from the report
    models rpt_profil_kennzahlen and rpt_profil_sozialindex (an older published file without them: no text)."""
    ebene, gid = gebiet["gebiet_ebene"], gebiet["gebiet_id"]
    name = gebiet["gebiet_name"] or gid
    absaetze: list[str] = []
    hinweis = None
    if bestand.hat("rpt_profil_kennzahlen"):
        kennzahlen = {r["indikator_id"]: r for r in abfrage(
            con, "select * from mart.rpt_profil_kennzahlen where gebiet_ebene = ? and gebiet_id = ?", [ebene, gid])}
        namen = [(v["gebiet_name"], e) for e, v in sorted(vergleich.items(), key=lambda e: e[0] != "land")]
        for ind in SCHLUESSELINDIKATOREN:
            k = kennzahlen.get(ind)
            if k is None:
                continue
            indikator = bestand.katalog.get(ind, {}).get("name") or k["indikator"] or ind
            unterdrueckt = bool(k["ist_unterdrueckt"])
            erster = narrative.kreisvergleich(name, indikator, k["jahr"], k["wert"], unterdrueckt, k["kreis_wert"],
                                              k["kreis_wert"] is None, k["einheit"]) \
                or narrative.wert(indikator, k["jahr"], k["wert"], unterdrueckt, k["einheit"])
            if erster is None:
                continue
            saetze = [
                erster,
                narrative.land_bund_vergleich(
                    k["wert"], unterdrueckt, k["einheit"],
                    [(n, k["land_wert"] if e == "land" else k["bund_wert"]) for n, e in namen]),
                narrative.trend(k["jahr"], k["wert"], unterdrueckt, k["trend_basisjahr"], k["trend_basiswert"],
                                bool(k["trend_basis_unterdrueckt"]), k["einheit"]),
            ]
            absaetze.append(" ".join(t for t in saetze if t))
        katalogname = {i: bestand.katalog.get(i, {}).get("name") or k["indikator"] or i for i, k in kennzahlen.items()}
        hinweis = narrative.fallzahl_hinweis(
            [katalogname[i] for i, k in kennzahlen.items() if k["ist_kleine_fallzahl"]],
            [katalogname[i] for i, k in kennzahlen.items() if k["ist_unterdrueckt"]],
        )
    sozialindex: list[str] = []
    if bestand.hat("rpt_profil_sozialindex"):
        zeilen = abfrage(con, "select * from mart.rpt_profil_sozialindex where gebiet_ebene = ? and gebiet_id = ? "
                            "order by treiber_rang", [ebene, gid])
        if zeilen:
            kopf = zeilen[0]
            sozialindex = [t for t in (
                narrative.sozialindex(name, kopf["jahr"], kopf["statusklasse"], kopf["statusindex"]),
                narrative.sozialindex_treiber(kopf["statusindex"], [(z["indikator"], z["z_status"]) for z in zeilen]),
            ) if t]
        elif ebene == "sozialraum":  # the index is computed for the Gemeinden: their classes
            gemeinden = abfrage(
                con,
                "select r.gebiet_name, r.jahr, r.statusklasse from mart.rpt_profil_sozialindex as r "
                "where r.gebiet_ebene = 'gemeinde' and r.treiber_rang = 1 and r.gebiet_id in "
                "(select gebiet_id from mart.dim_gebiet where gebiet_ebene = 'gemeinde' and sozialraum_id = ?) "
                "order by r.gebiet_name",
                [gid],
            )
            jahr = max((g["jahr"] for g in gemeinden), default=None)
            satz = narrative.sozialindex_gemeinden(
                jahr, [(g["gebiet_name"], g["statusklasse"]) for g in gemeinden if g["jahr"] == jahr])
            sozialindex = [satz] if satz else []
    stand = dict(bestand.datenstand)
    gebietsstand = stand.get("")
    datenjahr = stand.get("Neuestes Datenjahr")
    return {
        "absaetze": absaetze,
        "sozialindex": " ".join(sozialindex),
        "hinweis": hinweis,
        "stand": narrative.stand(gebietsstand, stand.get("Veröffentlicht"), int(datenjahr) if datenjahr else None),
    }


def _nach_thema(eintraege: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The further indicators grouped by the catalogue's `thema` (Bevölkerung, Arbeitsmarkt, Wanderung, …):
    the themes in order of their first indicator, within a theme the order given (catalogue order)."""
    themen = list(dict.fromkeys(e["thema"] for e in eintraege))
    return sorted(eintraege, key=lambda e: themen.index(e["thema"]))


def _spannen(jahre: list[int]) -> str:
    """[2016, 2017, 2018, 2020] -> '2016–2018, 2020'."""
    teile: list[str] = []
    for j in jahre:
        if teile and isinstance(teile[-1], list) and teile[-1][1] == j - 1:
            teile[-1][1] = j
        else:
            teile.append([j, j])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in teile)


def _eindeutig(gemeinden: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for g in gemeinden:
        seen.setdefault(g["gebiet_id"], g)
    return list(seen.values())


def _umgebung() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["zahl"] = zahl
    env.filters["vorzeichen"] = vorzeichen
    env.filters["datum"] = datum
    return env


def dateiname(ebene: str, gebiet_id: str) -> str:
    """profil_<Sozialraum>.html, profil_gemeinde_<AGS>.html."""
    return _dateiname(gebiet_id if ebene == "sozialraum" else f"gemeinde_{gebiet_id}")


def render_profiles(published_db: Path, out_dir: Path, sozialraum: str | None = None,
                    ebene: str = "sozialraum") -> list[Path]:
    """Write one printable HTML profile per Sozialraum (or only `sozialraum`) into `out_dir`; with
    ebene="gemeinde" one per Gemeinde (or only the Gemeinde whose AGS is `sozialraum`).

    Reads only `published_db` (read-only). Returns the written files in ID order."""
    if ebene not in ("sozialraum", "gemeinde"):
        raise ValueError(f"profiles exist for Sozialräume and Gemeinden, not for {ebene!r}")
    published_db = Path(published_db)
    if not published_db.exists():
        raise FileNotFoundError(f"published file not found: {published_db}")
    out_dir = Path(out_dir)
    con = duckdb.connect(str(published_db), read_only=True, config={"enable_external_access": False})
    try:
        bestand = lies_bestand(con)
        raeume = sorted(
            {g["gebiet_id"]: g for g in bestand.gebiete if g["gebiet_ebene"] == ebene}.values(),
            key=lambda g: g["gebiet_id"],
        )
        if sozialraum is not None:
            raeume = [g for g in raeume if g["gebiet_id"] == sozialraum]
            if not raeume:
                raise ProfilFehler(f"{'Sozialraum' if ebene == 'sozialraum' else 'Gemeinde'} {sozialraum!r} "
                                   "is not in the published file")
        profile = [_profil(con, bestand, sr) for sr in raeume]
    finally:
        con.close()

    vorlage = _umgebung().get_template("profil.html.j2")
    out_dir.mkdir(parents=True, exist_ok=True)
    geschrieben = []
    for p in profile:
        html = vorlage.render(p=p, datenstand=bestand.datenstand, quelle_datei=published_db.name)
        ziel = out_dir / dateiname(ebene, p["sr"]["gebiet_id"])
        tmp = ziel.with_suffix(".html.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(ziel)
        geschrieben.append(ziel)
    return geschrieben
