"""Every dbt unit test of the project runs in `make test` and passes. The build's dbt step leaves unit tests
out (orchestration/transform/dbt.py, BUILD_ARGS: their inputs are static rows, so they give the same result
in every build), so this module is what runs them."""

from __future__ import annotations


def test_every_unit_test_of_the_project_runs_and_passes(unit_tests):
    assert unit_tests.proc.returncode == 0, unit_tests.proc.stdout[-8000:]
    assert len(unit_tests.defined) >= 50, sorted(unit_tests.defined)  # 61 on 2026-12-05: none lost from the manifest
    assert set(unit_tests.status) == unit_tests.defined
    failed = {name: status for name, status in unit_tests.status.items() if status != "pass"}
    assert not failed
