"""How `make test` splits the tests between its two worker processes (pytest-xdist; tests/conftest.py:
worker_group, pytest_xdist_make_scheduler, pytest_collection_modifyitems): a fixture shared by a folder is made
once, a module's fixtures once, and the groups with full builds start first."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, TESTS, worker_group


def _modules(folder):
    return sorted(folder.glob("test_*.py"))


def test_a_folder_with_fixtures_of_its_own_is_one_group_every_other_module_its_own():
    shared = [folder for folder in TESTS.iterdir() if (folder / "conftest.py").exists()]
    assert {f.name for f in shared} >= {"dbt", "superset", "demo", "profiles", "ingest"}
    for folder in shared:
        groups = {worker_group(f"{m.relative_to(REPO_ROOT)}::test_x[a::b]") for m in _modules(folder)}
        assert groups == {f"tests/{folder.name}"}, groups
    alone = [m for folder in TESTS.iterdir() if folder.is_dir() and folder not in shared for m in _modules(folder)]
    alone += _modules(TESTS)  # the root conftest's fixtures are every worker's own
    assert len(alone) > 20
    groups = [worker_group(f"{m.relative_to(REPO_ROOT)}::test_x") for m in alone]
    assert groups == [str(m.relative_to(REPO_ROOT)) for m in alone]


def test_groups_with_a_full_build_come_first_then_folders_each_in_one_piece(request):
    items = request.session.items
    if len(items) < 500:
        pytest.skip("judges the whole collection (make test), not a selection")
    groups = [worker_group(item.nodeid) for item in items]
    slow = {worker_group(item.nodeid) for item in items if item.get_closest_marker("slow")}
    assert {"tests/publish/test_build_process.py", "tests/orchestration/test_gebietsstand_germany.py",
            "tests/orchestration/test_hostile_deliveries.py", "tests/dbt"} <= slow
    order = [(group not in slow, group.endswith(".py")) for group in groups]
    assert order == sorted(order), "slow groups, then folders, then single modules"
    assert order[0] == (False, False) and order[-1] == (True, True)
    runs = [group for i, group in enumerate(groups) if i == 0 or groups[i - 1] != group]
    assert len(runs) == len(set(runs)), "a group's tests are not one after the other"
