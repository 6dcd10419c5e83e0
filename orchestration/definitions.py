"""The Dagster code location of Sozialraum-Monitor: wiring only (one Definitions object)."""

import dagster as dg

from orchestration.ingest.assets import ingest_assets
from orchestration.profiles.assets import profile_assets
from orchestration.progress import LOGGERS
from orchestration.publish.assets import build_publish_asset
from orchestration.quality import build_asset_checks
from orchestration.sensors import family_jobs, lieferungen_sensor, sgb2_monthly_schedule
from orchestration.settings import Settings
from orchestration.transform.dbt import dbt_resource, sozialmonitor_dbt_assets

BUILD_JOB_NAME = "sozialmonitor_build"

_pipeline_assets = [*ingest_assets, sozialmonitor_dbt_assets]
_asset_keys = [key for assets_def in _pipeline_assets for key in assets_def.keys]
# GX suites as asset checks on the mart (the raw-layer suites are each family's audit inside its ingest step)
quality_checks = build_asset_checks(_asset_keys)
# write-audit-publish: depends on every mart model and on every asset guarded by a blocking check
published_asset = build_publish_asset(
    mart_asset_keys=[key for key in _asset_keys if key.path[0] == "mart"],
    checks=[*quality_checks, *ingest_assets],
)

build_job = dg.define_asset_job(
    name=BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Lieferungen laden, Mart bauen, prüfen und veröffentlichen (wie `sozialmonitor build`).",
)

defs = dg.Definitions(
    assets=[*_pipeline_assets, published_asset, *profile_assets],
    asset_checks=quality_checks,
    jobs=[build_job, *family_jobs.values()],
    sensors=[lieferungen_sensor],
    schedules=[sgb2_monthly_schedule],
    # settings: defaults from the environment; per run from the CLI's run config or the UI launchpad
    resources={"dbt": dbt_resource(), "settings": Settings.from_env()},
    loggers=LOGGERS,
)
