"""Small inline-SVG graphics for the printable profiles (no JavaScript, no external resources)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from html import escape

from orchestration.profiles.format import zahl

Ring = list[tuple[float, float]]
# the series of a chart over the years: (label, css class, value per year; None = a gap)
Reihen = Sequence[tuple[str, str, Sequence[float | None]]]


def polygone(geojson: str | None) -> list[list[Ring]]:
    """Polygons (each a list of rings of (lon, lat)) from a GeoJSON Feature, FeatureCollection or geometry."""
    if not geojson:
        return []
    obj = json.loads(geojson) if isinstance(geojson, str) else geojson
    return list(_polygone(obj))


def _polygone(obj: dict) -> Iterable[list[Ring]]:
    typ = obj.get("type")
    if typ == "FeatureCollection":
        for feature in obj.get("features", []):
            yield from _polygone(feature)
    elif typ == "Feature":
        if obj.get("geometry"):
            yield from _polygone(obj["geometry"])
    elif typ == "GeometryCollection":
        for geom in obj.get("geometries", []):
            yield from _polygone(geom)
    elif typ == "Polygon":
        yield [[(float(x), float(y)) for x, y, *_ in ring] for ring in obj["coordinates"]]
    elif typ == "MultiPolygon":
        for poly in obj["coordinates"]:
            yield [[(float(x), float(y)) for x, y, *_ in ring] for ring in poly]


def _svg(klasse: str, breite: float, hoehe: float, label: str, teile: Iterable[str]) -> str:
    """The inline SVG element of every graphic here (pixel size = viewBox, labelled for screen readers)
    around its parts."""
    return (f'<svg class="{klasse}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {breite} {hoehe}" '
            f'width="{breite}" height="{hoehe}" role="img" aria-label="{label}">' + "".join(teile) + "</svg>")


def karte(flaechen: Sequence[tuple[str, str, list[list[Ring]], bool]], breite: int = 300, hoehe: int = 240) -> str:
    """Map of areas: (id, title, polygons, highlighted). Equirectangular projection around the centre
    latitude, scaled to fit. Highlighted areas are drawn dark, the others light."""
    punkte = [pt for _, _, polys, _ in flaechen for poly in polys for ring in poly for pt in ring]
    if not punkte:
        return '<p class="hinweis">Keine Gemeindegrenzen im Datenbestand.</p>'
    lon_min = min(p[0] for p in punkte)
    lon_max = max(p[0] for p in punkte)
    lat_min = min(p[1] for p in punkte)
    lat_max = max(p[1] for p in punkte)
    kx = math.cos(math.radians((lat_min + lat_max) / 2))
    spanne_x = max((lon_max - lon_min) * kx, 1e-9)
    spanne_y = max(lat_max - lat_min, 1e-9)
    rand = 6
    skala = min((breite - 2 * rand) / spanne_x, (hoehe - 2 * rand) / spanne_y)
    off_x = (breite - spanne_x * skala) / 2
    off_y = (hoehe - spanne_y * skala) / 2

    def xy(p: tuple[float, float]) -> str:
        x = off_x + (p[0] - lon_min) * kx * skala
        y = off_y + (lat_max - p[1]) * skala
        return f"{x:.1f},{y:.1f}"

    teile: list[str] = []
    # Highlighted areas last, so their borders are on top.
    for gid, titel, polys, hervor in sorted(flaechen, key=lambda f: f[3]):
        pfad = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for poly in polys for ring in poly)
        klasse = "flaeche hervor" if hervor else "flaeche"
        teile.append(
            f'<path class="{klasse}" data-gebiet="{escape(gid)}" d="{pfad}" fill-rule="evenodd">'
            f"<title>{escape(titel)}</title></path>"
        )
    return _svg("karte", breite, hoehe, "Karte", teile)


def trend(
    jahre: Sequence[int],
    reihen: Reihen,
    einheit: str,
    breite: int = 260,
    hoehe: int = 110,
) -> str:
    """Line chart of one indicator over the years: reihen = (label, css class, values per year).
    NULL (suppressed or missing) values leave a gap. Axis labels: first/last year, min/max value."""
    werte = [v for _, _, reihe in reihen for v in reihe if v is not None]
    if not jahre or not werte:
        return '<p class="hinweis">Keine Zeitreihe.</p>'
    links, rechts, oben, unten = 44, 6, 8, 18
    w, h = breite - links - rechts, hoehe - oben - unten
    y_min, y_max = min(werte), max(werte)
    if y_max == y_min:
        y_min, y_max = y_min - 1, y_max + 1
    pad = (y_max - y_min) * 0.08
    y_min, y_max = y_min - pad, y_max + pad
    j0, j1 = min(jahre), max(jahre)

    def px(jahr: int) -> float:
        return links + (0.5 if j1 == j0 else (jahr - j0) / (j1 - j0)) * w

    def py(wert: float) -> float:
        return oben + (y_max - wert) / (y_max - y_min) * h

    teile = [
        f'<line class="achse" x1="{links}" y1="{oben + h}" x2="{links + w}" y2="{oben + h}"/>',
        f'<line class="achse" x1="{links}" y1="{oben}" x2="{links}" y2="{oben + h}"/>',
        f'<text class="beschriftung" x="{links - 3}" y="{oben + 4}" text-anchor="end">{escape(zahl(y_max, einheit))}</text>',
        f'<text class="beschriftung" x="{links - 3}" y="{oben + h}" text-anchor="end">{escape(zahl(y_min, einheit))}</text>',
        f'<text class="beschriftung" x="{links}" y="{hoehe - 4}" text-anchor="start">{j0}</text>',
    ]
    if j1 != j0:
        teile.append(f'<text class="beschriftung" x="{links + w}" y="{hoehe - 4}" text-anchor="end">{j1}</text>')
    for label, klasse, reihe in reihen:
        segment: list[str] = []
        segmente: list[list[str]] = []
        for jahr, wert in zip(jahre, reihe, strict=False):
            if wert is None:
                if segment:
                    segmente.append(segment)
                segment = []
                continue
            segment.append(f"{px(jahr):.1f},{py(wert):.1f}")
            teile.append(
                f'<circle class="punkt {klasse}" cx="{px(jahr):.1f}" cy="{py(wert):.1f}" r="1.8">'
                f"<title>{escape(label)} {jahr}: {escape(zahl(wert, einheit))}</title></circle>"
            )
        if segment:
            segmente.append(segment)
        for seg in segmente:
            if len(seg) > 1:
                teile.append(f'<polyline class="linie {klasse}" points="{" ".join(seg)}"/>')
    return _svg("trend", breite, hoehe, "Zeitreihe", teile)


def balken(eintraege: Sequence[tuple[str, float]], breite: int = 180, zeile: int = 12) -> str:
    """Labelled horizontal bars around zero (oriented z-values of the Sozialindex indicators):
    positive = more disadvantage than the average area."""
    if not eintraege:
        return ""
    grenze = max(2.0, max(abs(v) for _, v in eintraege))
    label_b = 78
    mitte = label_b + (breite - label_b) / 2
    halb = (breite - label_b) / 2 - 3
    hoehe = zeile * len(eintraege) + 2
    teile = [f'<line class="achse" x1="{mitte}" y1="0" x2="{mitte}" y2="{hoehe}"/>']
    for i, (label, wert) in enumerate(eintraege):
        laenge = abs(wert) / grenze * halb
        x = mitte if wert >= 0 else mitte - laenge
        klasse = "plus" if wert > 0 else "minus"
        y = 1 + i * zeile
        kurz = label if len(label) <= 18 else label[:17] + "…"
        teile.append(
            f'<text class="beschriftung" x="{label_b - 3}" y="{y + zeile - 4}" text-anchor="end">{escape(kurz)}</text>'
            f'<rect class="{klasse}" x="{x:.1f}" y="{y + 1}" width="{laenge:.1f}" height="{zeile - 4}">'
            f"<title>{escape(label)}: z = {wert:+.2f}</title></rect>"
        )
    return _svg("balken", breite, hoehe, "z-Werte", teile)


def sparkline(
    jahre: Sequence[int],
    reihen: Reihen,
    einheit: str,
    breite: int = 120,
    hoehe: int = 26,
) -> str:
    """Small trend chart without axes for table rows (same series and gaps as `trend`)."""
    werte = [v for _, _, reihe in reihen for v in reihe if v is not None]
    if not jahre or not werte:
        return ""
    y_min, y_max = min(werte), max(werte)
    if y_max == y_min:
        y_min, y_max = y_min - 1, y_max + 1
    j0, j1 = min(jahre), max(jahre)

    def px(jahr: int) -> float:
        return 2 + (0.5 if j1 == j0 else (jahr - j0) / (j1 - j0)) * (breite - 4)

    def py(wert: float) -> float:
        return 2 + (y_max - wert) / (y_max - y_min) * (hoehe - 4)

    teile: list[str] = []
    for label, klasse, reihe in reihen:
        segmente: list[list[str]] = [[]]
        for jahr, wert in zip(jahre, reihe, strict=False):
            if wert is None:
                segmente.append([])
            else:
                segmente[-1].append(f"{px(jahr):.1f},{py(wert):.1f}")
        for seg in segmente:
            if len(seg) > 1:
                teile.append(f'<polyline class="linie {klasse}" points="{" ".join(seg)}"><title>{escape(label)}</title></polyline>')
            elif len(seg) == 1:
                x, y = seg[0].split(",")
                teile.append(f'<circle class="punkt {klasse}" cx="{x}" cy="{y}" r="1.5"/>')
    return _svg("trend mini", breite, hoehe, f"Zeitreihe {j0}–{j1}", teile)
