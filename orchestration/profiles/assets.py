"""Dagster asset: the Sozialraum profiles, regenerated after every publication."""

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings

PUBLISHED_KEY = dg.AssetKey(["published", "sozialmonitor"])
PROFILE_KEY = dg.AssetKey(["sozialraum_profile"])
# Above this many Sozialräume (a Land, all of Germany) the build does not print every profile.
MAX_PROFILES_PER_BUILD = 500


def profile_dir(out: Path) -> Path:
    """OUT/profile/: one HTML file per Sozialraum."""
    return out / "profile"


@dg.asset(
    key=PROFILE_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    kinds={"html"},
    description=(
        "Druckbare Sozialraum-Profile (HTML, A4, je Sozialraum eine Datei in OUT/profile/), erzeugt nur aus "
        "der veröffentlichten Datei: Gemeinden, Karte, Schlüsselindikatoren gegen den Kreis mit Zeitreihen, "
        "Sozialindex mit Treibern, Jugendhilfe nach Geheimhaltung, Definitionen, Quellen und Datenstand."
    ),
)
def sozialraum_profile(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    import duckdb

    from orchestration.profiles import render_profiles

    paths = settings.paths
    ziel = profile_dir(paths.out)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        raeume = con.execute("SELECT count(DISTINCT gebiet_id) FROM mart.dim_gebiet "
                             "WHERE gebiet_ebene = 'sozialraum'").fetchone()[0]
    if raeume > MAX_PROFILES_PER_BUILD:
        # a Land or all of Germany (10,796 Gemeinden = Sozialräume): printed on demand, not after every build
        context.log.warning(f"{raeume} Sozialräume: mehr als {MAX_PROFILES_PER_BUILD}, Profile werden nicht bei jedem "
                            f"Build erzeugt; auf Abruf: sozialmonitor profile --sozialraum ID oder --all")
        return dg.MaterializeResult(metadata={"profile": 0, "sozialraeume": raeume,
                                              "quelle": dg.MetadataValue.path(str(paths.published))})
    files = render_profiles(paths.published, ziel)
    context.log.info(f"{len(files)} Profile nach {ziel} geschrieben")
    return dg.MaterializeResult(
        metadata={
            "profile": len(files),
            "ordner": dg.MetadataValue.path(str(ziel)),
            "dateien": dg.MetadataValue.json([f.name for f in files]),
            "quelle": dg.MetadataValue.path(str(paths.published)),
        }
    )


profile_assets = [sozialraum_profile]
