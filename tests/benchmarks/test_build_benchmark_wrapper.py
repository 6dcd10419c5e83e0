"""The measuring wrapper of benchmarks/build_benchmark.py counts the CPU time of every process the command
starts, also of one whose parent ended without waiting for it (chromium's zygote, which prints the profile PDFs,
is one)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import REPO_ROOT

# The command forks a child that forks a grandchild and ends at once, without waiting: the grandchild, an
# orphan, burns about 0.6 s of CPU after the command ended.
ORPHAN_BURNS_CPU = textwrap.dedent("""
    import os, time
    if os.fork() == 0:
        if os.fork() == 0:
            end = time.process_time() + 0.6
            while time.process_time() < end:
                pass
        os._exit(0)
    os.wait()
""")


def test_the_wrapper_counts_the_cpu_of_an_orphan_of_the_command(tmp_path):
    result, log = tmp_path / "result.json", tmp_path / "log"
    subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "build_benchmark.py"), "--measure", str(result),
                    "--log", str(log), "--", sys.executable, "-c", ORPHAN_BURNS_CPU], check=True, timeout=120)
    measured = json.loads(result.read_text())
    assert measured["cpu_s"] >= 0.5, measured["cpu_s"]
    assert measured["returncode"] == 0 and measured["left_running"] == []
