"""What `sozialmonitor build` prints: one line per step, the warnings and the summary; everything else
(Dagster's DEBUG events, dbt's output) only in OUT/logs/."""

from __future__ import annotations

import re

from orchestration.definitions import BUILD_JOB_NAME, defs


def test_one_line_per_step_and_the_full_log_in_out_logs(demo_build):
    printed = (demo_build.out.parent / "build.stdout").read_text(encoding="utf-8").splitlines()
    steps = len(defs.resolve_job_def(BUILD_JOB_NAME).nodes)
    progress = [line for line in printed if re.match(r"^\[\s*\d+/\d+\] \S+ +\d+,\d s", line)]
    assert [int(re.match(r"^\[\s*(\d+)/", line).group(1)) for line in progress] == list(range(1, steps + 1))
    assert all(f"/{steps}]" in line for line in progress)
    assert "Sozialraum-Monitor – Build erfolgreich" in printed
    assert not [line for line in printed if " - DEBUG - " in line or "Running with dbt" in line or "PASS=" in line]
    assert len(printed) < 80, "\n".join(printed)

    logs = sorted((demo_build.out / "logs").glob("build-*.log"))
    assert len(logs) == 1 and logs[0].name in printed[0]
    text = logs[0].read_text(encoding="utf-8")
    assert " DEBUG " in text and "STEP_SUCCESS" in text  # every Dagster event
    assert "Running with dbt" in text and "Completed successfully" in text  # dbt's own output


def test_the_checked_assets_materialised_by_the_build_record_which_data_they_are_of(demo_build):
    """The publication gate judges only checks of the data the working database holds (orchestration/publish/
    assets.py): the ingest step and the dbt step record with each materialisation the working database's data state;
    after the build it is the current one."""
    import dagster as dg

    from orchestration.stand import DATA_STATE, data_state
    from orchestration.warehouse import read_connection

    with read_connection(demo_build.warehouse) as con:
        state = data_state(con, demo_build.warehouse)
    assert "datei" not in state and {"genesis", "sgb2", "melderegister"} <= set(state["lieferstatus"])
    with dg.DagsterInstance.get() as instance:  # the session's instance (tests/conftest.py), where the build ran
        for key in (["raw", "genesis__werte"], ["raw", "sgb2__gemeinde_monat"], ["mart", "sozialraum_indikatoren"],
                    ["mart", "sgb2_monatswerte"]):
            records = instance.fetch_materializations(dg.AssetKey(key), limit=1000).records
            recorded = [r.asset_materialization.metadata.get(DATA_STATE) for r in records]
            assert recorded and None not in recorded, key
            assert state in [value.value for value in recorded], key
