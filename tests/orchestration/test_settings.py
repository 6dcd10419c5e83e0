"""Settings as one Dagster resource: environment defaults, per-run config (as the UI launchpad sets it),
the only reader of the environment, and writers serialised per working database, not per machine."""

from __future__ import annotations

import re
import shutil
import stat
import threading
from pathlib import Path

import dagster as dg
import duckdb
import pydantic
import pytest
import yaml

from orchestration.definitions import BUILD_JOB_NAME, defs
from orchestration.settings import ENV_DEFAULTS, REPO_ROOT, Settings
from orchestration.warehouse import writer_lock

REGION_STEP = [dg.AssetKey(["raw", t]) for t in ("ingest__lieferstatus", "region__gemeinden", "region__geometrien",
                                                  "region__ortsteile",
                                                  "region__profil", "region__sozialraeume")]


def test_environment_defaults(monkeypatch, tmp_path):
    for var in ENV_DEFAULTS.values():
        monkeypatch.delenv(var, raising=False)
    assert Settings.from_env().out == str(REPO_ROOT / "var" / "out")
    monkeypatch.setenv("SOZIALMONITOR_OUT", str(tmp_path))
    monkeypatch.setenv("SOZIALMONITOR_MAX_REJECT_SHARE", "0,05")
    monkeypatch.setenv("SOZIALMONITOR_PSEUDONYM_KEY", "geheim" * 8)
    settings = Settings.from_env()
    # text values stay EnvVar (resolved when a run starts; the UI shows the variable, not the secret)
    assert isinstance(settings.out, dg.EnvVar) and isinstance(settings.pseudonym_key, dg.EnvVar)
    assert settings.max_reject_share == 0.05
    assert Settings.from_env(resolve=True).paths.out == tmp_path.resolve()
    monkeypatch.setenv("SOZIALMONITOR_MAX_REJECT_SHARE", "viel")
    with pytest.raises(ValueError, match=r"\$SOZIALMONITOR_MAX_REJECT_SHARE='viel': expected a number"):
        Settings.from_env()
    monkeypatch.setenv("SOZIALMONITOR_MAX_REJECT_SHARE", "2")
    with pytest.raises(pydantic.ValidationError, match="max_reject_share"):
        Settings.from_env()
    monkeypatch.setenv("SOZIALMONITOR_MAX_REJECT_SHARE", "0.01")
    assert Settings.from_env().gx_reuse is True
    for raw, value in (("off", False), ("0", False), ("No", False), ("on", True), ("true", True)):
        monkeypatch.setenv("SOZIALMONITOR_GX_REUSE", raw)
        assert Settings.from_env().gx_reuse is value
    monkeypatch.setenv("SOZIALMONITOR_GX_REUSE", "vielleicht")
    with pytest.raises(ValueError, match=r"\$SOZIALMONITOR_GX_REUSE='vielleicht': expected one of 1, true"):
        Settings.from_env()


def test_the_demo_build_keeps_its_demo_key_where_the_settings_say(demo_build, demo_key_file):
    """The demo deliveries' pseudonymisation key is the file `Settings.demo_key_file` names (here the session's
    temporary file, set in the environment by tests/conftest.py), created 0600 by the demo build: a test build
    never writes the checkout's var/secrets."""
    assert demo_key_file.is_file(), "the demo build did not use Settings.demo_key_file"
    assert stat.S_IMODE(demo_key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(demo_key_file.read_text(encoding="ascii").strip())) == 32


def test_only_the_settings_module_reads_the_environment():
    """No other module of the pipeline names a SOZIALMONITOR_ variable or reads os.environ/os.getenv
    (passing the whole environment on to a child process is not reading a setting), but dbt_env.py, the channel
    to dbt's processes (the working database and the parent's pid, read by the dbt wrapper without Dagster)."""
    offenders = []
    for path in sorted((REPO_ROOT / "orchestration").rglob("*.py")):
        if path.relative_to(REPO_ROOT).as_posix() in ("orchestration/settings.py", "orchestration/dbt_env.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if "SOZIALMONITOR_" in line or re.search(r"os\.getenv|os\.environ(\.get|\[)", line):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_a_run_takes_its_folders_from_run_config(tmp_path):
    """What the UI launchpad does: the settings of one run given as run config, no environment."""
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    run_config = Settings(out=str(tmp_path / "out"), landing=str(tmp_path / "landing")).run_config()
    result = job.execute_in_process(run_config=run_config, asset_selection=REGION_STEP,
                                    instance=dg.DagsterInstance.ephemeral())
    assert result.success
    with duckdb.connect(str(tmp_path / "out" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT region_ags FROM raw.region__profil").fetchone()[0] == "06432"


def test_a_build_run_keeps_the_settings_of_the_environment(monkeypatch, tmp_path):
    """`sozialmonitor build` gives the run its folders as run config; the environment's other settings reach the
    run as well (a run config for the resource replaced its whole config, so they fell back to their defaults: a
    key, a disclosure threshold or GX folders set in the environment were ignored), a secret only as the name of
    its variable, never its value."""
    secret = "geheimer-schluessel-" + "x" * 24
    monkeypatch.setenv(ENV_DEFAULTS["pseudonym_key"], secret)
    monkeypatch.setenv(ENV_DEFAULTS["gx_docs"], str(tmp_path / "docs"))
    monkeypatch.setenv(ENV_DEFAULTS["disclosure_min_cell"], "5")
    monkeypatch.setenv(ENV_DEFAULTS["max_reject_share"], "0,25")
    monkeypatch.setenv(ENV_DEFAULTS["gx_reuse"], "off")
    seen: dict = {}

    @dg.asset
    def probe(settings: Settings) -> None:
        seen.update(key=settings.pseudonym_key, docs=settings.gx_docs, cell=settings.disclosure_min_cell,
                    share=settings.max_reject_share, out=settings.out, reuse=settings.gx_reuse)

    run_config = Settings.from_env(resolve=True, out=str(tmp_path / "out")).run_config()
    assert secret not in repr(run_config)
    job = dg.Definitions(assets=[probe], resources={"settings": Settings.from_env()}).get_implicit_global_asset_job_def()
    assert job.execute_in_process(run_config=run_config, instance=dg.DagsterInstance.ephemeral()).success
    assert seen == {"key": secret, "docs": str(tmp_path / "docs"), "cell": 5, "share": 0.25, "out": str(tmp_path / "out"),
                    "reuse": False}


def _instance_like_the_repos(tmp_path: Path) -> dg.DagsterInstance:
    """A persistent instance with the repo's dagster.yaml (pools and all), its storage under tmp_path."""
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    config["storage"] = {"sqlite": {"base_dir": str(tmp_path / "storage")}}
    config["local_artifact_storage"]["config"]["base_dir"] = str(tmp_path / "local_artifact_storage")
    # Without capturing the process's stdout/stderr per run: the two runs here share one process (threads), and
    # the capture's tail subprocesses of one run then waited out Dagster's 30 s cleanup timeouts inside the
    # full suite (126 s for this test, 6-15 s alone; stack of the waiting run: compute_logs._clean_up_subprocess).
    # Runs of the UI, a sensor or `sozialmonitor build` each have a process of their own.
    config["compute_logs"] = {"module": "dagster._core.storage.noop_compute_log_manager",
                              "class": "NoOpComputeLogManager"}
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


def test_runs_on_different_working_databases_do_not_wait_for_each_other(tmp_path):
    """Run A waits for the writer lock of its database (held here); run B on another output folder, on
    the same instance, completes meanwhile. With an instance-wide pool B would queue behind A."""
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    instance = _instance_like_the_repos(tmp_path)
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    results: dict[str, bool] = {}

    def run(name: str, out: Path) -> None:
        result = job.execute_in_process(run_config=Settings(out=str(out)).run_config(),
                                        asset_selection=REGION_STEP, instance=instance, raise_on_error=False)
        results[name] = result.success

    try:
        with writer_lock(out_a / "warehouse.duckdb"):
            a = threading.Thread(target=run, args=("a", out_a), daemon=True)
            a.start()
            a.join(timeout=5)
            assert a.is_alive(), "run A should wait for the writer lock of its database"
            b = threading.Thread(target=run, args=("b", out_b), daemon=True)
            b.start()
            b.join(timeout=180)
            assert not b.is_alive(), "run B (another working database) waited for run A"
            assert results["b"] and a.is_alive()
        a.join(timeout=180)
        assert results.get("a") is True
    finally:
        instance.dispose()
        shutil.rmtree(tmp_path / "storage", ignore_errors=True)
