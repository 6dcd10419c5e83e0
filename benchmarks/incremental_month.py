"""Side (e) of build_benchmark.py: one new SGB II month, handled as the landing sensor handles it.

The demo landing folder without its newest SGB II month is built completely (a setup run, not counted); then
that month's files are delivered and the sensor's job for the family, `lieferung_sgb2` (the SGB II ingest and
everything downstream of it: the dbt models and tests that depend on the SGB II sources, the GX mart checks,
publication, profiles), runs with `dagster job execute` (Dagster's multiprocess executor, as a run the
sensor starts) against the same Dagster instance (its own DAGSTER_HOME). Its result is compared with the full
build of the complete landing folder of the same repetition: every table of the published file, as multisets
(doubles rounded to 6 decimals: sums in another order differ in the last bits; load and status timestamps left
out), except `mart.publikation_status`, whose check list is that of the run.

The same month is also delivered to a copy of the setup (landing folder, output folder, Dagster instance) and
built there with `sozialmonitor build`, which runs only the SGB II family and what depends on it
(orchestration/stand.py); measured and compared the same way (side `incremental_build`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"
DEMO_REGION = REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg"
JOB = "lieferung_sgb2"
ISOLATED_SETTINGS = ("gx_home", "gx_docs", "demo_key_file")  # the settings `isolated` gives through the environment
NOT_COMPARED = {("mart", "publikation_status")}  # the checks of the run that published (a family run has fewer)


def configure_home(home: Path) -> Path:
    """`home` as a Dagster instance configured like the repository's (its dagster.yaml), with every folder of it
    inside `home` instead of the checkout's var/dagster."""
    config = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    if config.count("base_dir: var/dagster/") != 3:
        raise SystemExit("dagster.yaml: its storage folders moved; adapt benchmarks/incremental_month.py")
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(config.replace("base_dir: var/dagster/", f"base_dir: {home}/"), encoding="utf-8")
    return home


def isolated(folder: Path, home: Path) -> list[str]:
    """The `env` prefix of a build or job command of the benchmark: the Dagster instance `home` (configure_home), and
    the GX results, Data Docs and demo pseudonymisation key of the work folder `folder`, so that no run reaches the
    checkout's var/ (the user's Dagster UI, GX results and key). One key for every build of `folder`: the published
    tables of two builds are compared."""
    from orchestration.settings import ENV_DEFAULTS  # here: the measuring wrapper process imports this module too

    configure_home(home)
    values = dict(zip(ISOLATED_SETTINGS, (folder / "gx", folder / "gx_docs", folder / "pseudonym.key"), strict=True))
    return ["env", f"DAGSTER_HOME={home}", *(f"{ENV_DEFAULTS[field]}={value}" for field, value in values.items())]


def newest_month(sgb2: Path) -> str:
    months = {m.group(1) for p in sgb2.iterdir() if (m := re.search(r"_(\d{6})\.[a-z]+$", p.name))}
    if not months:
        raise SystemExit(f"{sgb2}: no monthly SGB II delivery")
    return max(months)


def published_differences(a: Path, b: Path) -> tuple[int, list[str]]:
    """Tables compared and the names of those that differ between two published files."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
    tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'a' "
                         "order by all").fetchall()
    differ = []
    for schema, table in tables:
        if (schema, table) in NOT_COMPARED:
            continue
        columns = con.execute("select column_name, data_type from duckdb_columns() where database_name = 'a' "
                              "and schema_name = ? and table_name = ? order by column_index", [schema, table]).fetchall()
        select = ", ".join(f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"::varchar'
                           for c, t in columns if not t.startswith("TIMESTAMP")) or "1"
        a_rel, b_rel = f'a."{schema}"."{table}"', f'b."{schema}"."{table}"'
        try:
            only = con.execute(f"select (select count(*) from (select {select} from {a_rel} except all "
                               f"select {select} from {b_rel})) + (select count(*) from (select {select} from {b_rel} "
                               f"except all select {select} from {a_rel}))").fetchone()[0]
        except duckdb.Error:  # missing in b or other columns
            only = -1
        if only:
            differ.append(f"{schema}.{table}")
    con.close()
    return len(tables) - len(NOT_COMPARED & set(tables)), differ


def run(source: Path, folder: Path, number: int, full_out: Path,
        run_measured: Callable[[str, list[str], Path], dict]) -> dict:
    """Setup build without the newest month, deliver it, measure the family job; its measurements and checks."""
    landing, out, home, held = (folder / f"incremental_{name}" for name in ("landing", "out", "dagster_home", "held"))
    for path in (landing, out, home, held):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(source, landing)
    held.mkdir()
    month = newest_month(landing / "sgb2")
    for path in sorted((landing / "sgb2").iterdir()):
        if f"_{month}." in path.name:
            path.rename(held / path.name)
    env = isolated(folder, home)
    setup = run_measured(f"incremental_setup_{number}", [*env, str(REPO_ROOT / ".venv" / "bin" / "sozialmonitor"),
                                                          "build", "--demo", "--landing", str(landing), "--out",
                                                          str(out)], folder)
    if setup["returncode"] != 0:
        raise SystemExit(f"build without the SGB II month {month} failed, see {setup['log']}")
    delivered = sorted(p.name for p in held.iterdir())
    twin = {name: folder / f"incremental_build_{name}" for name in ("landing", "out", "dagster_home")}
    for name, path in twin.items():  # the same state for the build path (not measured)
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree({"landing": landing, "out": out, "dagster_home": home}[name], path, symlinks=True)
    for name in delivered:
        shutil.copy2(held / name, twin["landing"] / "sgb2" / name)
        (held / name).rename(landing / "sgb2" / name)
    published = out / "published" / "sozialmonitor.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest() if published.is_file() else None
    config = folder / "incremental_run_config.json"
    from orchestration.settings import ENV_DEFAULTS

    # a run config replaces the resource's whole config: the isolated folders as references to the job's environment
    config.write_text(json.dumps({"resources": {"settings": {"config": {
        "region": str(DEMO_REGION), "landing": str(landing), "out": str(out), "demo": True,
        **{field: {"env": ENV_DEFAULTS[field]} for field in ISOLATED_SETTINGS}}}}}))
    job = run_measured(f"incremental_{number}", [*env, str(DAGSTER), "job", "execute", "-m", "orchestration.definitions",
                                                 "-j", JOB, "-c", str(config)], folder)
    job.pop("samples", None)
    republished = published.is_file() and hashlib.sha256(published.read_bytes()).hexdigest() != before
    full = full_out / "published" / "sozialmonitor.duckdb"
    compared, differ = published_differences(full, published) if republished and full.is_file() else (0, [])
    job.update({"month": month, "delivered": delivered, "setup_wall_s": setup["wall_s"],
                "published": republished, "tables_compared": compared, "tables_differing": differ,
                "success": job["returncode"] == 0 and republished and compared > 0 and not differ})

    twin_published = twin["out"] / "published" / "sozialmonitor.duckdb"
    build = run_measured(f"incremental_build_{number}", [
        *isolated(folder, twin["dagster_home"]), str(REPO_ROOT / ".venv" / "bin" / "sozialmonitor"), "build",
        "--landing", str(twin["landing"]), "--out", str(twin["out"])], folder)
    build.pop("samples", None)
    republished = twin_published.is_file() and hashlib.sha256(twin_published.read_bytes()).hexdigest() != before
    compared, differ = published_differences(full, twin_published) if republished and full.is_file() else (0, [])
    scope = re.search(r"Umfang: (.*)", Path(build["log"]).read_text(encoding="utf-8", errors="replace"))
    build.update({"month": month, "delivered": delivered, "published": republished, "tables_compared": compared,
                  "tables_differing": differ, "scope": scope.group(1) if scope else "?",
                  "success": build["returncode"] == 0 and republished and compared > 0 and not differ})
    return job, build


if __name__ == "__main__":
    sys.exit("run through build_benchmark.py (side incremental)")
