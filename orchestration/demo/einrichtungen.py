"""Demo facility register (`LANDING/einrichtungen/einrichtungen_<year>.csv`): deterministic, synthetic facilities
inside the demo Gemeinden of the bundled region, every name labelled "(Demodaten)".

- points: drawn uniformly inside the Gemeinde's polygons of the region profile (gemeinden.geojson; rejection
  sampling with a ray-casting test on the outer ring, holes excluded), so the ingest's point-in-polygon check
  accepts them;
- Kitas: places calibrated to roughly 70–105 per 100 children under 6 in the Gemeinde's last demo year, split into
  Kitas of 40–120 places; some open during the demo years (gueltig_ab), so earlier years have fewer places;
- Familienzentren: in the largest Gemeinden only (about a fifth), so the distance indicator varies;
- Jugendzentren, Beratungsstellen, Schulen, a few Jobcenter-Standorte.
The scale clones (no geometries) get no facilities.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from orchestration.demo.model import POP_YEARS, Kreis

HEADER = "einrichtung_id;art;name;traeger;strasse;hausnummer;ags;lon;lat;kapazitaet;gueltig_ab;gueltig_bis"
PREAMBLE = "# DEMODATEN – synthetisch erzeugt, keine echten Daten"
KITA_NAMEN = ("Sonnenschein", "Regenbogen", "Pusteblume", "Löwenzahn", "Sternschnuppe", "Arche", "Kunterbunt",
              "Wirbelwind", "Spatzennest", "Zwergenland")
SEED_COMPONENT = 1305  # own random stream (issue 13 part 5), independent of the other families
TRAEGER = ("Gemeinde", "Evangelische Kirchengemeinde", "Katholische Kirchengemeinde", "AWO", "Elterninitiative")


def _rings(geometry: dict) -> list[list[list[tuple[float, float]]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in polygons]


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def read_polygons(region_dir: Path) -> dict[str, list[list[list[tuple[float, float]]]]]:
    """AGS -> polygons (outer ring first, then holes) of the region profile's gemeinden.geojson ({} if absent)."""
    path = Path(region_dir) / "gemeinden.geojson"
    if not path.is_file():
        return {}
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {str(f["properties"]["AGS"]).strip(): _rings(f["geometry"]) for f in features}


def point_in(polygons: list[list[list[tuple[float, float]]]], r: np.random.Generator) -> tuple[float, float]:
    """A random point strictly inside the largest polygon (by bounding box) and outside its holes."""
    polygon = max(polygons, key=lambda p: (max(x for x, _ in p[0]) - min(x for x, _ in p[0]))
                  * (max(y for _, y in p[0]) - min(y for _, y in p[0])))
    outer, holes = polygon[0], polygon[1:]
    xs, ys = [x for x, _ in outer], [y for _, y in outer]
    for _ in range(10_000):
        x, y = round(float(r.uniform(min(xs), max(xs))), 5), round(float(r.uniform(min(ys), max(ys))), 5)
        if _inside(x, y, outer) and not any(_inside(x, y, h) for h in holes):
            return x, y
    raise ValueError("no point found inside the polygon")


def write_einrichtungen(folder: Path, kreis: Kreis, pop: np.ndarray, region_dir: Path, seed: int,
                        last_year: int) -> tuple[int, int]:
    """Write the demo register of `kreis` (the bundled region) valid at 31.12.`last_year`; (files, records)."""
    polygons = read_polygons(region_dir)
    if not polygons:
        return 0, 0
    r = np.random.default_rng(np.random.SeedSequence([seed, kreis.index, SEED_COMPONENT]))
    year_index = POP_YEARS.index(last_year)
    rows: list[list[str]] = []
    totals = pop[:, :, :, year_index].sum(axis=(1, 2))
    familienzentren = set(np.argsort(-totals)[: max(2, len(kreis.gemeinden) // 5)].tolist())

    def add(art: str, name: str, traeger: str, ags: str, kapazitaet: int | None, ab: str, bis: str = "") -> None:
        lon, lat = point_in(polygons[ags], r)
        rows.append([f"E{len(rows) + 1:04d}", art, f"{name} (Demodaten)", traeger, "", "", ags, f"{lon:.5f}",
                     f"{lat:.5f}", "" if kapazitaet is None else str(kapazitaet), ab, bis])

    for gi, g in enumerate(kreis.gemeinden):
        if g.ags not in polygons:
            continue
        ort = g.name.split(",")[0]
        unter_6 = int(pop[gi, :, 0:6, year_index].sum())
        places = int(round(unter_6 * r.uniform(0.70, 1.05)))
        n_kitas = max(1, int(round(places / 80)))
        for k, share in enumerate(r.dirichlet(np.full(n_kitas, 4.0))):
            opened = int(r.integers(2016, last_year + 1)) if r.random() < 0.2 else 2005
            add("Kita", f"Kita {KITA_NAMEN[k % len(KITA_NAMEN)]} {ort}", TRAEGER[int(r.integers(len(TRAEGER)))],
                g.ags, max(1, int(round(places * share))), f"01.08.{opened}")
        if gi in familienzentren:
            add("Familienzentrum", f"Familienzentrum {ort}", "Diakonisches Werk", g.ags, None,
                f"01.01.{int(r.integers(2012, 2019))}")
        if r.random() < 0.5:
            add("Jugendzentrum", f"Jugendzentrum {ort}", "Gemeinde", g.ags, int(r.integers(20, 80)), "01.01.2010")
        if r.random() < 0.3:
            add("Beratungsstelle", f"Erziehungsberatung {ort}", "Caritas", g.ags, None, "01.01.2010")
        for s in range(1 + int(totals[gi] > 15_000) + int(totals[gi] > 30_000)):
            add("Schule", f"Grundschule {ort}{' ' + str(s + 1) if s else ''}", "Landkreis", g.ags,
                int(r.integers(150, 450)), "01.08.2000")
    for gi in sorted(familienzentren)[:3]:
        g = kreis.gemeinden[gi]
        if g.ags in polygons:
            add("Jobcenter-Standort", f"Jobcenter {g.name.split(',')[0]}", "Kommunales Jobcenter", g.ags, None,
                "01.01.2012")
    folder.mkdir(parents=True, exist_ok=True)
    lines = [PREAMBLE, HEADER, *(";".join(row) for row in rows)]
    (folder / f"einrichtungen_{last_year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1, len(rows)
