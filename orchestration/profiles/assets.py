"""Dagster asset: the Sozialraum profiles, regenerated after every publication."""

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings

PUBLISHED_KEY = dg.AssetKey(["published", "sozialmonitor"])
PROFILE_KEY = dg.AssetKey(["sozialraum_profile"])
PDF_KEY = dg.AssetKey(["profile_pdf"])
# chromium processes printing at a time (each needs ~1 core while it lays out a page)
PDF_JOBS = 2
# Above this many Sozialräume (a Land, all of Germany) the build does not print every profile.
MAX_PROFILES_PER_BUILD = 500


def profile_dir(out: Path) -> Path:
    """OUT/profile/: one HTML file per Sozialraum (profil_<ID>.html) and per Gemeinde
    (profil_gemeinde_<AGS>.html), each printed to the PDF beside it (profile_pdf)."""
    return out / "profile"


def _publish_step(key: dg.AssetKey, after: dg.AssetKey, kind: str, description: str):
    """An asset of the publish group made from what `after` wrote (the profiles follow the publication)."""
    return dg.asset(key=key, deps=[after], group_name="publish", kinds={kind}, description=description)


def _anzahl_sozialraeume(published: Path) -> int:
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("SELECT count(DISTINCT gebiet_id) FROM mart.dim_gebiet "
                           "WHERE gebiet_ebene = 'sozialraum'").fetchone()[0]


@_publish_step(
    PROFILE_KEY, after=PUBLISHED_KEY, kind="html",
    description=(
        "Druckbare Profile (HTML, A4, je Sozialraum und je Gemeinde eine Datei in OUT/profile/), erzeugt nur "
        "aus der veröffentlichten Datei: Text „Auf einen Blick“ (Kreis, Land, Bund, Fünfjahrestrend, Sozialindex, "
        "Hinweise), Gemeinden, Karte, Schlüsselindikatoren gegen den Kreis mit Zeitreihen, "
        "Sozialindex mit Treibern, Jugendhilfe nach Geheimhaltung, Definitionen, Quellen und Datenstand."
    ),
)
def sozialraum_profile(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    from orchestration.profiles import render_profiles

    paths = settings.paths
    ziel = profile_dir(paths.out)
    raeume = _anzahl_sozialraeume(paths.published)
    if raeume > MAX_PROFILES_PER_BUILD:
        # a Land or all of Germany (10,796 Gemeinden = Sozialräume): printed on demand, not after every build
        context.log.warning(f"{raeume} Sozialräume: mehr als {MAX_PROFILES_PER_BUILD}, Profile werden nicht bei jedem "
                            f"Build erzeugt; auf Abruf: sozialmonitor profile --sozialraum ID oder --all")
        return dg.MaterializeResult(metadata={"profile": 0, "sozialraeume": raeume,
                                              "quelle": dg.MetadataValue.path(str(paths.published))})
    raum_dateien = render_profiles(paths.published, ziel)
    gemeinde_dateien = render_profiles(paths.published, ziel, ebene="gemeinde")
    files = raum_dateien + gemeinde_dateien
    context.log.info(f"{len(raum_dateien)} Sozialraum- und {len(gemeinde_dateien)} Gemeindeprofile nach {ziel} geschrieben")
    return dg.MaterializeResult(
        metadata={
            "profile": len(files),
            "sozialraumprofile": len(raum_dateien),
            "gemeindeprofile": len(gemeinde_dateien),
            "ordner": dg.MetadataValue.path(str(ziel)),
            "dateien": dg.MetadataValue.json([f.name for f in files]),
            "quelle": dg.MetadataValue.path(str(paths.published)),
        }
    )


@_publish_step(
    PDF_KEY, after=PROFILE_KEY, kind="pdf",
    description=(
        "Die Profile als PDF (je HTML-Profil in OUT/profile/ eine PDF-Datei daneben), gedruckt mit headless "
        "chromium (Debian-Paket)."
    ),
)
def profile_pdf(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    import time

    from orchestration.profiles.pdf import drucke_alle, pdf_pfad

    ziel = profile_dir(settings.paths.out)
    if _anzahl_sozialraeume(settings.paths.published) > MAX_PROFILES_PER_BUILD:  # no HTML written: see above
        context.log.warning("Profile werden bei dieser Gebietszahl nicht bei jedem Build gedruckt")
        return dg.MaterializeResult(metadata={"pdf": 0})
    html = sorted(ziel.glob("profil_*.html")) if ziel.exists() else []
    # a PDF left from an earlier build whose profile is gone (area no longer published) is removed
    for alt in ziel.glob("profil_*.pdf") if ziel.exists() else []:
        if alt.with_suffix(".html") not in html:
            alt.unlink()
    start = time.monotonic()
    pdfs = drucke_alle(html, jobs=PDF_JOBS)
    dauer = time.monotonic() - start
    context.log.info(f"{len(pdfs)} PDF-Profile in {dauer:.1f} s gedruckt ({PDF_JOBS} chromium-Prozesse parallel)")
    if [pdf_pfad(h) for h in html] != pdfs:
        raise RuntimeError("not every profile was printed")
    return dg.MaterializeResult(
        metadata={
            "pdf": len(pdfs),
            "sekunden": round(dauer, 1),
            "ordner": dg.MetadataValue.path(str(ziel)),
        }
    )


profile_assets = [sozialraum_profile, profile_pdf]
