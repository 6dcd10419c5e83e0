"""The landing-folder sensor and the monthly SGB II schedule, evaluated by Dagster itself."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.sensors import lieferungen_sensor, sgb2_monthly_schedule
from orchestration.settings import Settings


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "landing"
    (folder / "genesis").mkdir(parents=True)
    (folder / "sgb2").mkdir()
    return folder


def evaluate(cursor: str | None, landing: Path):
    """One tick of the sensor, with the landing folder given as the Settings resource (as the UI would)."""
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                          resources={"settings": Settings(landing=str(landing))})
        data = lieferungen_sensor.evaluate_tick(context)
        return data.run_requests, data.cursor


def test_new_file_starts_one_run_for_its_family_and_the_same_file_never_again(landing):
    (landing / "genesis" / "12411-01-01-5.csv").write_text("GENESIS-Tabelle: 12411-01-01-5\n", encoding="utf-8")
    requests, cursor = evaluate(None, landing)
    assert [r.job_name for r in requests] == ["lieferung_genesis"]
    assert requests[0].run_key.startswith("genesis:12411-01-01-5.csv:")

    again, cursor2 = evaluate(cursor, landing)
    assert again == []

    # a changed file (new checksum) is a new delivery: a new run with a new run key
    path = landing / "genesis" / "12411-01-01-5.csv"
    path.write_text("GENESIS-Tabelle: 12411-01-01-5\nneu\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    changed, _ = evaluate(cursor2, landing)
    assert [r.job_name for r in changed] == ["lieferung_genesis"]
    assert changed[0].run_key != requests[0].run_key


def test_files_of_two_families_start_one_run_each(landing):
    (landing / "genesis" / "a.csv").write_text("x\n", encoding="utf-8")
    (landing / "sgb2" / "sgb2_gemeinden_202412.xlsx").write_bytes(b"PK\x03\x04")
    (landing / "sgb2" / "notiz.txt").write_text("not a delivery", encoding="utf-8")
    requests, _ = evaluate(None, landing)
    assert sorted(r.job_name for r in requests) == ["lieferung_genesis", "lieferung_sgb2"]


def test_links_and_pipes_start_a_run_without_being_opened(landing, tmp_path):
    """A link to a FIFO outside the landing folder would block a sensor that opened it; a link to /etc/passwd
    would be read. Neither is opened: each starts a run so that the run quarantines and names it."""
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "pipe", landing / "genesis" / "pipe.csv")
    os.symlink("/etc/passwd", landing / "sgb2" / "sgb2_gemeinden_202412.xlsx")
    os.mkfifo(landing / "genesis" / "fifo.csv")
    (landing / "genesis" / "UPPER.CSV").write_text("x\n", encoding="utf-8")
    requests, cursor = evaluate(None, landing)
    assert sorted(r.job_name for r in requests) == ["lieferung_genesis", "lieferung_sgb2"]
    genesis = next(r for r in requests if r.job_name == "lieferung_genesis")
    assert "pipe.csv:abgelehnt" in genesis.run_key and "fifo.csv:abgelehnt" in genesis.run_key
    assert "UPPER.CSV:" in genesis.run_key
    assert evaluate(cursor, landing)[0] == []


def test_family_jobs_rebuild_and_publish_downstream_of_their_delivery():
    job = defs.resolve_job_def("lieferung_sgb2")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert "raw/sgb2__gemeinde_monat" in keys
    assert "mart/sozialraum_indikatoren" in keys
    assert "published/sozialmonitor" in keys
    assert not any(k.startswith("raw/jugendhilfe") for k in keys)
    # one process per run: no step process importing the definitions again (benchmarks/README.md, side (e))
    assert job.executor_def.name == "in_process"


def test_monthly_schedule_targets_the_sgb2_job():
    assert sgb2_monthly_schedule.job_name == "lieferung_sgb2"
    assert sgb2_monthly_schedule.cron_schedule == "0 6 10 * *"
    assert {s.name for s in defs.schedules} == {"sgb2_monatlich"}
    assert {s.name for s in defs.sensors} == {"lieferungen_sensor"}


def test_a_new_gebietsstand_key_rebuilds_everything_it_converts():
    """A key file dropped into LANDING/gebietsstand/ starts its own job: the key, the GENESIS ingest (which
    keeps the former Kreise the key names), the conversion in dbt and the publication."""
    job = defs.resolve_job_def("lieferung_gebietsstand")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"raw/gebietsstand__schluessel", "raw/genesis__werte", "intermediate/int_genesis__bevoelkerung",
            "mart/gebietsstand", "mart/sozialraum_indikatoren", "published/sozialmonitor"} <= keys
