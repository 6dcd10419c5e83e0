"""German narrative of the profiles: one small pure function per rule.

Every sentence of the "Auf einen Blick" section comes from one of these rules; the numbers come from
the dbt report models (rpt_profil_kennzahlen, rpt_profil_sozialindex), never computed here. A rule
returns None when it has nothing to say (value missing or suppressed): a suppressed value is never
quoted, and no comparison or trend is made with it (it could be recomputed from the difference).
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.profiles.format import vorzeichen, zahl

# Relative tolerance band around a comparison value: within ±3 % of it a value is "etwa gleich"
# (Kreiswert 20,0 %: 19,4 to 20,6 % is "etwa auf dem Kreiswert").
TOLERANZ_RELATIV = 0.03
# Below this many cases (Zähler) a rate is marked as resting on a small number of cases.
KLEINE_FALLZAHL = 20
# Change of a trend within this relative band (of the base value) counts as stable.
TREND_TOLERANZ_RELATIV = 0.03


def aufzaehlung(teile: Sequence[str]) -> str:
    """['A'] -> 'A'; ['A', 'B'] -> 'A und B'; ['A', 'B', 'C'] -> 'A, B und C'."""
    teile = [t for t in teile if t]
    if not teile:
        return ""
    if len(teile) == 1:
        return teile[0]
    return ", ".join(teile[:-1]) + " und " + teile[-1]


def lage(wert: float | None, referenz: float | None, toleranz: float = TOLERANZ_RELATIV) -> str | None:
    """'ueber' | 'unter' | 'gleich' (within ±toleranz of the reference, relative, boundary included) | None
    (missing)."""
    if wert is None or referenz is None:
        return None
    band = abs(referenz) * toleranz
    if abs(wert - referenz) <= band + 1e-9 * max(1.0, abs(referenz)):  # the boundary counts, despite float error
        return "gleich"
    return "ueber" if wert > referenz else "unter"


def _einheit_differenz(einheit: str | None) -> str:
    return "\u00a0Prozentpunkte" if einheit == "%" else ""


def wert(indikator: str, jahr: int, wert: float | None, unterdrueckt: bool, einheit: str | None) -> str | None:
    """'Bevölkerung 2023: 12.345.' — the value alone (when there is no Kreis comparison to make); None
    for a missing or suppressed value."""
    if unterdrueckt or wert is None:
        return None
    return f"{indikator} {jahr}: {zahl(wert, einheit)}."


def kreisvergleich(gebiet: str, indikator: str, jahr: int, wert: float | None, unterdrueckt: bool,
                   kreis_wert: float | None, kreis_unterdrueckt: bool, einheit: str | None) -> str | None:
    """'Arbeitslosenanteil 2023: Mit 5,2 % liegt Dieburg über dem Kreiswert (4,1 %).'

    None for a suppressed or missing value (own or Kreis) and for counts (a count is not comparable
    with the Kreis total)."""
    if unterdrueckt or kreis_unterdrueckt or einheit == "Anzahl":
        return None
    richtung = lage(wert, kreis_wert)
    if richtung is None:
        return None
    text = {"ueber": "über dem", "unter": "unter dem", "gleich": "etwa auf dem"}[richtung]
    return (f"{indikator} {jahr}: Mit {zahl(wert, einheit)} liegt {gebiet} {text} Kreiswert "
            f"({zahl(kreis_wert, einheit)}).")


def land_bund_vergleich(wert: float | None, unterdrueckt: bool, einheit: str | None,
                        vergleiche: Sequence[tuple[str, float | None]]) -> str | None:
    """'Der Wert liegt über dem Wert für Hessen (4,0 %) und etwa auf dem Wert für Deutschland (5,0 %).'

    `vergleiche`: (name, value) of the Land and of Germany, same indicator and year. None when the
    own value is suppressed or missing, for counts, or when no comparison value exists."""
    if unterdrueckt or wert is None or einheit == "Anzahl":
        return None
    teile = []
    for name, ref in vergleiche:
        richtung = lage(wert, ref)
        if richtung is None:
            continue
        text = {"ueber": "über dem", "unter": "unter dem", "gleich": "etwa auf dem"}[richtung]
        teile.append(f"{text} Wert für {name} ({zahl(ref, einheit)})")
    if not teile:
        return None
    return f"Der Wert liegt {aufzaehlung(teile)}."


def trend(jahr: int, wert: float | None, unterdrueckt: bool, basisjahr: int | None, basiswert: float | None,
          basis_unterdrueckt: bool, einheit: str | None, toleranz: float = TREND_TOLERANZ_RELATIV) -> str | None:
    """Five-year trend: 'Seit 2018 ist der Wert gestiegen (+1,2 Prozentpunkte).' / gesunken / stabil.

    None when either end is missing or suppressed (a change would reveal the suppressed value) or the
    base year is not five years before."""
    if unterdrueckt or basis_unterdrueckt or wert is None or basiswert is None or basisjahr is None:
        return None
    if jahr - basisjahr != 5:
        return None
    richtung = lage(wert, basiswert, toleranz)
    differenz = wert - basiswert
    stellen = 0 if einheit == "Anzahl" else 1
    betrag = f"{vorzeichen(differenz, stellen)}{_einheit_differenz(einheit)}"
    if richtung == "gleich":
        return f"Seit {basisjahr} ist der Wert weitgehend stabil geblieben ({betrag})."
    verb = "gestiegen" if richtung == "ueber" else "gesunken"
    return f"Seit {basisjahr} ist der Wert {verb} ({betrag})."


def sozialindex(gebiet: str, jahr: int | None, statusklasse: str | None, statusindex: float | None) -> str | None:
    """'Im Sozialindex 2023 gehört Dieburg zur Statusklasse „niedrig“ (Statusindex +1,23).'"""
    if jahr is None or not statusklasse:
        return None
    index = f" (Statusindex {vorzeichen(statusindex)})" if statusindex is not None else ""
    return f"Im Sozialindex {jahr} gehört {gebiet} zur Statusklasse „{statusklasse}“{index}."


def sozialindex_gemeinden(jahr: int | None, klassen: Sequence[tuple[str, str | None]]) -> str | None:
    """For a Sozialraum when the index is computed for its Gemeinden: the Gemeinden grouped by class,
    classes in the order hoch, mittel, niedrig, sehr niedrig.

    'Im Sozialindex 2024 (berechnet für die Gemeinden) gehören Erzhausen und Messel zur Statusklasse
    „mittel“, Griesheim zur Statusklasse „niedrig“.'"""
    if jahr is None:
        return None
    reihenfolge = ["hoch", "mittel", "niedrig", "sehr niedrig"]
    gruppen: dict[str, list[str]] = {}
    for name, klasse in klassen:
        if klasse:
            gruppen.setdefault(klasse, []).append(name)
    if not gruppen:
        return None
    teile = []
    for klasse in sorted(gruppen, key=lambda k: (reihenfolge.index(k) if k in reihenfolge else len(reihenfolge), k)):
        namen = sorted(gruppen[klasse])
        teile.append(f"{aufzaehlung(namen)} zur Statusklasse „{klasse}“")
    verb = "gehört" if len(klassen) == 1 else "gehören"
    return f"Im Sozialindex {jahr} (berechnet für die Gemeinden) {verb} {', '.join(teile)}."


def sozialindex_treiber(statusindex: float | None, treiber: Sequence[tuple[str, float | None]],
                        anzahl: int = 3) -> str | None:
    """The indicators that drive the class: the first `anzahl` of `treiber` ((name, z) in the rank
    order of rpt_profil_sozialindex: largest z-value in the direction of the Statusindex first) whose
    z-value points the same way as the index (positive = less favourable than the average).

    'Am stärksten prägen den Wert Kinderarmut (z = +1,80), SGB-II-Quote (z = +1,20) und … .'"""
    if statusindex is None:
        return None
    vorzeichen_index = 1 if statusindex >= 0 else -1
    kandidaten = [(name, z) for name, z in treiber if z is not None and z * vorzeichen_index > 0][:anzahl]
    if not kandidaten:
        return None
    richtung = "ungünstiger" if vorzeichen_index > 0 else "günstiger"
    liste = aufzaehlung([f"{name} (z\u00a0=\u00a0{vorzeichen(z)})" for name, z in kandidaten])
    return f"Am stärksten prägen den Wert {liste}: hier ist die Lage {richtung} als im Durchschnitt."


def fallzahl_hinweis(kleine_fallzahl: Sequence[str], unterdrueckt: Sequence[str],
                     grenze: int = KLEINE_FALLZAHL) -> str | None:
    """Caveat for small numbers and suppressed cells; names indicators only, never a value."""
    saetze = []
    klein = sorted(dict.fromkeys(kleine_fallzahl))
    geheim = sorted(dict.fromkeys(unterdrueckt))
    if klein:
        beruht, schwankt = ("beruht", "schwankt") if len(klein) == 1 else ("beruhen", "schwanken")
        saetze.append(f"{aufzaehlung(klein)} {beruht} auf kleinen Fallzahlen (weniger als {grenze} Fälle) "
                      f"und {schwankt} daher stark von Jahr zu Jahr.")
    if geheim:
        ist, wird = ("ist", "wird") if len(geheim) == 1 else ("sind", "werden")
        saetze.append(f"{aufzaehlung(geheim)} {ist} zum Schutz der Vertraulichkeit geheim gehalten "
                      f"und {wird} nicht genannt.")
    if not saetze:
        return None
    return "Hinweis: " + " ".join(saetze)


def stand(gebietsstand: str | None, veroeffentlicht: str | None, datenjahr: int | None) -> str:
    """'Alle Werte beziehen sich auf den Gebietsstand 31.12.2020. Datenstand: veröffentlicht am …,
    neuestes Datenjahr 2023.' Always a sentence (missing parts are said to be missing)."""
    if gebietsstand:
        text = gebietsstand.removeprefix("Gebietsstand").strip()
        gebiet = f"Alle Werte beziehen sich auf den Gebietsstand {text}."
    else:
        gebiet = "Der Gebietsstand ist im veröffentlichten Bestand nicht angegeben."
    teile = []
    if veroeffentlicht:
        teile.append(f"veröffentlicht am {veroeffentlicht}")
    if datenjahr is not None:
        teile.append(f"neuestes Datenjahr {datenjahr}")
    daten = f"Datenstand: {', '.join(teile)}." if teile else "Datenstand: nicht angegeben."
    return f"{gebiet} {daten}"
