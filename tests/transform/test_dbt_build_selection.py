"""What the build's dbt step runs: every model, seed and data test of the project, no unit tests (they run in
`make test`, tests/dbt/test_unit_tests.py)."""

from __future__ import annotations

import json
from collections import Counter


def test_the_build_runs_every_model_and_data_test_but_no_unit_test(demo_build):
    target = demo_build.out / "dbt"
    run = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert run["args"]["which"] == "build"
    ran = Counter(result["unique_id"].split(".")[0] for result in run["results"])
    defined = Counter(node["resource_type"] for node in manifest["nodes"].values())
    assert ran["model"] == defined["model"] > 100
    assert ran["seed"] == defined["seed"]
    assert ran["test"] == defined["test"] > 250
    assert manifest["unit_tests"], "the project defines unit tests"
    assert ran["unit_test"] == 0, "unit tests belong to make test, not to every build"


def test_dbts_log_file_of_the_build_holds_the_results_not_every_statement(demo_build):
    log = demo_build.out / "dbt" / "dbt.log"
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    levels = Counter(record["info"]["level"] for record in records)
    names = Counter(record["info"]["name"] for record in records)
    assert names["LogModelResult"] > 100 and names["LogTestResult"] > 250, names.most_common(10)
    assert levels["debug"] == 0 and names["SQLQuery"] == 0, levels
