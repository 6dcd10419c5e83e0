"""The builds and jobs of benchmarks/build_benchmark.py run in an instance and folders of their own: nothing of
them reaches the checkout's var/ (the user's Dagster UI, GX results, demo key)."""

from __future__ import annotations

import sys

import dagster as dg

from orchestration.settings import ENV_DEFAULTS
from tests.conftest import REPO_ROOT


def test_a_benchmark_run_gets_the_repos_instance_configuration_in_its_own_folders(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "benchmarks"))
    sys.modules.pop("incremental_month", None)
    import incremental_month

    home = tmp_path / "dagster_home"
    env = incremental_month.isolated(tmp_path, home)
    assert env[0] == "env"
    values = dict(item.split("=", 1) for item in env[1:])
    assert values == {"DAGSTER_HOME": str(home), ENV_DEFAULTS["gx_home"]: str(tmp_path / "gx"),
                      ENV_DEFAULTS["gx_docs"]: str(tmp_path / "gx_docs"),
                      ENV_DEFAULTS["demo_key_file"]: str(tmp_path / "pseudonym.key")}
    config = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert "base_dir: var/" not in config and config.count(f"base_dir: {home}/") == 3
    assert "enabled: false" in config.split("telemetry:", 1)[1]  # the repo's settings, not Dagster's defaults
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key="probe"))
    assert list((home / "storage").iterdir())
