"""The Dagster code location of Sozialraum-Monitor: wiring only (one Definitions object)."""

from __future__ import annotations

import dagster as dg

from orchestration.ingest.assets import ingest_assets
from orchestration.sensors import family_jobs, lieferungen_sensor, sgb2_monthly_schedule
from orchestration.transform.dbt import dbt_resource, sozialmonitor_dbt_assets

BUILD_JOB_NAME = "sozialmonitor_build"

build_job = dg.define_asset_job(
    name=BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Lieferungen laden, Mart bauen, prüfen und veröffentlichen (wie `sozialmonitor build`).",
)

defs = dg.Definitions(
    assets=[*ingest_assets, sozialmonitor_dbt_assets],
    jobs=[build_job, *family_jobs.values()],
    sensors=[lieferungen_sensor],
    schedules=[sgb2_monthly_schedule],
    resources={"dbt": dbt_resource()},
)
