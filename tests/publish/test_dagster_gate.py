"""Dagster wiring of the gate: the GX checks are blocking asset checks, and `published/sozialmonitor`
runs only when every blocking check of the run passed (real Dagster runs on a real DuckDB file)."""

from __future__ import annotations

import hashlib

import dagster as dg
import duckdb
import pytest

from orchestration.publish import read_status
from orchestration.publish.assets import PUBLISHED_KEY, build_publish_asset
from orchestration.quality import build_asset_checks
from orchestration.quality.checks import family_checks
from orchestration.quality.runner import data_docs_written
from orchestration.settings import REPO_ROOT, Paths, Settings
from orchestration.stand import DATA_STATE, data_state
from orchestration.warehouse import read_connection
from quality import handbuilt  # tests/ is on sys.path (rootdir conftest)

RAW = dg.AssetKey(["raw", "genesis__werte"])
MART = dg.AssetKey(["mart", "sozialraum_indikatoren"])


@pytest.fixture
def paths(tmp_path, monkeypatch) -> Paths:
    p = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "landing", out=tmp_path / "out")
    # the environment the multiprocess test's subprocess reads its settings from
    for name, value in (("SOZIALMONITOR_REGION", p.region), ("SOZIALMONITOR_LANDING", p.landing),
                        ("SOZIALMONITOR_OUT", p.out), ("SOZIALMONITOR_WAREHOUSE", p.warehouse)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("SOZIALMONITOR_GX_DOCS", "off")
    handbuilt.build(p.warehouse)
    return p


def settings_of(p: Paths) -> Settings:
    return Settings(region=str(p.region), landing=str(p.landing), out=str(p.out), gx_docs="off")


def materialize(p: Paths, assets, **kwargs):
    """`dg.materialize` with the run's `settings` resource (thresholds, folders) as the Definitions give it."""
    return dg.materialize(assets, resources={"settings": settings_of(p)}, raise_on_error=False, **kwargs)


def state_of(p: Paths) -> dict[str, dg.MetadataValue]:
    """The metadata the ingest and dbt steps record with a materialisation: which data it is of."""
    with read_connection(p.warehouse) as con:
        return {DATA_STATE: dg.MetadataValue.json(data_state(con, p.warehouse))}


def definitions(p: Paths, raw_sql: list[str] | None = None, mart_sql: list[str] | None = None, extra_checks=()):
    """Stand-ins for the ingest and dbt assets that change the working database as a real run would."""

    def run(statements):
        con = duckdb.connect(str(p.warehouse))
        try:
            for sql in statements or []:
                con.execute(sql)
        finally:
            con.close()

    # the raw family's suites are evaluated in its ingest step, as orchestration/ingest/assets.py does
    family = family_checks("genesis", [RAW])

    @dg.multi_asset(specs=[dg.AssetSpec(RAW)], check_specs=family.specs, name="raw_genesis")
    def raw_genesis():
        from orchestration.quality.runner import run_suites

        run(raw_sql)
        yield dg.MaterializeResult(asset_key=RAW, metadata=state_of(p))
        yield from family.results(run_suites(settings_of(p), suites=family.suite_names), refused=[])

    @dg.asset(key=MART, deps=[RAW])
    def mart():
        run(mart_sql)
        return dg.MaterializeResult(metadata=state_of(p))

    checks = build_asset_checks(asset_keys=[RAW, MART])
    publish_asset = build_publish_asset(mart_asset_keys=[MART], checks=[*checks, raw_genesis])
    return [raw_genesis, mart, *checks, *extra_checks, publish_asset]


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def materialized(result) -> set[dg.AssetKey]:
    return {e.event_specific_data.materialization.asset_key for e in result.all_events
            if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}


def evaluations(result) -> dict[str, object]:
    return {e.event_specific_data.check_name: e.event_specific_data for e in result.all_events
            if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}


def test_checks_are_blocking_on_errors_and_not_on_warnings():
    from orchestration.definitions import ingest_assets, published_asset

    carriers = [*build_asset_checks(), *ingest_assets]
    specs = {s.key.to_user_string(): s for c in carriers for s in c.check_specs}
    assert specs["raw/genesis__werte:gx_genesis__werte"].blocking
    assert specs["mart/sozialraum_indikatoren:gx_sozialraum_indikatoren"].blocking
    assert not specs["mart/sozialraum_indikatoren:gx_sozialraum_indikatoren_hinweise"].blocking
    for table in ("genesis__werte", "sgb2__gemeinde_monat", "grundsicherung__empfaenger", "melderegister__einwohner",
                  "jugendhilfe__hilfen", "jugendhilfe__gefaehrdungen", "jugendhilfe__inobhutnahmen"):
        assert specs[f"raw/{table}:gx_{table}"].blocking
    # a refused delivery is a warning: its family stays at the last good state, the rest publishes
    assert not specs["raw/sgb2__gemeinde_monat:lieferungen_angenommen"].blocking
    deps = {d.asset_key for d in published_asset.specs_by_key[PUBLISHED_KEY].deps}
    # a blocking check gates only direct dependants, so the publication depends on every guarded asset
    assert {RAW, MART, dg.AssetKey(["raw", "sgb2__gemeinde_monat"]), dg.AssetKey(["raw", "jugendhilfe__hilfen"])} <= deps


def test_the_definitions_give_the_checks_their_settings_resource():
    from orchestration.definitions import defs, quality_checks

    assert isinstance(defs.resources["settings"], Settings)
    assert all("settings" in c.required_resource_keys for c in quality_checks)


def test_checks_attach_to_family_keys_when_raw_assets_are_keyed_per_family():
    checks = family_checks("jugendhilfe", [dg.AssetKey(["raw", "jugendhilfe"])])
    specs = {s.key.to_user_string(): s for s in checks.specs}
    assert set(specs) == {"raw/jugendhilfe:gx_jugendhilfe", "raw/jugendhilfe:lieferungen_angenommen"}
    assert "jugendhilfe__hilfen" in specs["raw/jugendhilfe:gx_jugendhilfe"].description
    assert "jugendhilfe__inobhutnahmen" in specs["raw/jugendhilfe:gx_jugendhilfe"].description
    mart_only = build_asset_checks([dg.AssetKey(["raw", "jugendhilfe"]), MART])
    assert {s.asset_key for c in mart_only for s in c.check_specs} == {MART}


def test_clean_run_publishes_with_the_checks_in_the_status_table(paths):
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(paths, definitions(paths), instance=instance)
    assert result.success
    assert PUBLISHED_KEY in materialized(result)
    rows = read_status(paths.published)
    checks = {r["pruefung"]: r["ergebnis"] for r in rows if r["eintrag"] == "pruefung"}
    assert checks["gx_genesis__werte"] == "bestanden"
    assert checks["gx_sozialraum_indikatoren"] == "bestanden"
    assert {r["run_id"] for r in rows} == {result.run_id}
    meta = [e for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
            and e.event_specific_data.materialization.asset_key == PUBLISHED_KEY][0].event_specific_data.materialization.metadata
    assert meta["row_counts"].value["mart.sozialraum_indikatoren"] > 0
    assert str(meta["version"].value).endswith(".duckdb")


@pytest.mark.parametrize("layer, statements, check, expected", [
    ("raw", ["DELETE FROM raw.genesis__werte WHERE ags = '06432003' AND jahr = 2016"],
     "gx_genesis__werte", ["expect_column_values_to_be_between(zeilen)", "ags=06432003"]),
    ("mart", ["UPDATE mart.sozialraum_indikatoren SET wert = 130 WHERE indikator_id = 'anteil_65_plus' "
              "AND gebiet_id = '06432001' AND jahr = 2016"],
     "gx_sozialraum_indikatoren", ["expect_column_values_to_be_between(wert)", "gebiet_id=06432001", "wert=130.0"]),
])
def test_failed_blocking_check_stops_publication(paths, layer, statements, check, expected):
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    before = sha(paths.published)

    kwargs = {"raw_sql": statements} if layer == "raw" else {"mart_sql": statements}
    result = materialize(paths, definitions(paths, **kwargs), instance=instance)
    assert not result.success
    assert PUBLISHED_KEY not in materialized(result)
    if layer == "raw":
        assert MART not in materialized(result)  # the downstream model was not rebuilt either
    assert sha(paths.published) == before
    # Dagster itself skipped the step (blocking check), the in-step gate was not even needed
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START
                and e.step_key and e.step_key.startswith("published")]
    ev = evaluations(result)[check]
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    text = ev.metadata["fehler"].value
    for fragment in expected:
        assert fragment in text, text
    assert "failures" in ev.metadata and "failures_json" in ev.metadata

    # Publishing alone afterwards is refused too: the latest check of the data failed.
    again = materialize(paths, definitions(paths), instance=instance, selection=[PUBLISHED_KEY])
    assert not again.success
    failure = [e for e in again.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE][0]
    assert "Publication refused" in str(failure.event_specific_data.user_failure_data.description)
    assert sha(paths.published) == before


def test_warnings_do_not_block(paths):
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(paths, definitions(paths, mart_sql=[
        "UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 3, wert = zaehler * 3 / nenner * 1000 "
        "WHERE indikator_id = 'hze_eckwert' AND jahr = 2016"]), instance=instance)
    assert result.success
    ev = evaluations(result)["gx_sozialraum_indikatoren_hinweise"]
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN
    assert PUBLISHED_KEY in materialized(result)
    checks = {r["pruefung"]: r["ergebnis"] for r in read_status(paths.published) if r["eintrag"] == "pruefung"}
    assert checks["gx_sozialraum_indikatoren_hinweise"] == "warnung"


def test_blocking_holds_with_the_multiprocess_executor(paths, tmp_path):
    """The same gate with Dagster's default multiprocess executor: every step in its own process."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    tests_dir = Path(__file__).resolve().parent.parent
    module = tmp_path / "gate_defs.py"
    module.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tests_dir)!r})
        import dagster as dg
        from orchestration.settings import Settings
        from publish.test_dagster_gate import definitions, settings_of
        raw_sql = ["DELETE FROM raw.genesis__werte WHERE ags = '06432003' AND jahr = 2016"]
        paths = Settings.from_env(resolve=True).paths
        defs = dg.Definitions(assets=definitions(paths, raw_sql=raw_sql),
                              jobs=[dg.define_asset_job("gate", selection=dg.AssetSelection.all())],
                              resources={{"settings": settings_of(paths)}})
    """))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = str(Path(sys.executable).with_name("dagster"))
    proc = subprocess.run([dagster, "job", "execute", "-f", str(module), "-j", "gate"], capture_output=True,
                          text=True, env=env, timeout=900, cwd=tmp_path)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert "multiprocess" in log.lower() or "Launching subprocess" in log, log[-3000:]
    assert "gx_genesis__werte" in log
    assert 'Dependencies for step published__sozialmonitor' in log, log[-3000:]
    assert not paths.published.exists()


def refusal(result) -> str:
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return " ".join(str(f.event_specific_data.user_failure_data.description) for f in failures
                    if f.event_specific_data.user_failure_data)


def test_the_step_gate_refuses_a_failed_error_check_of_the_run_that_dagster_does_not_block(paths):
    """A non-blocking check failing with ERROR severity does not stop Dagster; the gate finds it in the run's
    asset-check records and refuses the publication."""

    @dg.asset_check(asset=MART, name="handgeprueft", blocking=False)
    def handgeprueft():
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, description="von Hand verworfen")

    instance = dg.DagsterInstance.ephemeral()
    result = materialize(paths, definitions(paths, extra_checks=[handgeprueft]), instance=instance)
    assert not result.success
    assert PUBLISHED_KEY not in materialized(result)
    assert not paths.published.exists()
    assert "Publication refused: mart/sozialraum_indikatoren: check handgeprueft failed" in refusal(result)


def test_the_step_gate_refuses_data_materialised_in_the_run_without_its_blocking_check(paths):
    """The mart is rebuilt in this run but its blocking GX check is left out of the run's selection: Dagster
    has nothing to block on, the gate (latest materialisation of this run, no check record of it) refuses."""
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    before = sha(paths.published)
    selection = dg.AssetSelection.assets(MART, PUBLISHED_KEY).without_checks()
    result = materialize(paths, definitions(paths), instance=instance, selection=selection)
    assert MART in materialized(result) and PUBLISHED_KEY not in materialized(result)
    assert ("mart/sozialraum_indikatoren was materialised in this run but check gx_sozialraum_indikatoren "
            "did not run") in refusal(result)
    assert sha(paths.published) == before


def test_checks_read_thresholds_and_folders_from_the_settings_resource(paths, monkeypatch, tmp_path):
    """The mart checks take `Settings` as resource: its bound (not the environment) decides, and its Data
    Docs folder receives the docs."""
    statements = ["UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 1.3, wert = zaehler * 1.3 "
                  "WHERE indikator_id = 'bevoelkerung' AND jahr = 2016"]
    monkeypatch.setenv("SOZIALMONITOR_MAX_SPRUNG_REL", "0.01")  # ignored: the resource decides
    assets = definitions(paths, mart_sql=statements)
    result = materialize(paths, assets, instance=dg.DagsterInstance.ephemeral())
    assert evaluations(result)["gx_sozialraum_indikatoren_hinweise"].passed

    strict = Settings(region=str(paths.region), landing=str(paths.landing), out=str(paths.out), max_sprung_rel=0.2,
                      gx_docs=str(tmp_path / "docs"), gx_home=str(tmp_path / "gx"))
    result = dg.materialize(assets, resources={"settings": strict}, instance=dg.DagsterInstance.ephemeral(),
                            raise_on_error=False)
    ev = evaluations(result)["gx_sozialraum_indikatoren_hinweise"]
    assert not ev.passed and "veraenderung_rel" in ev.metadata["fehler"].value
    data_docs_written()  # written by this process's GX process after it answered
    assert (tmp_path / "docs" / "index.html").exists()
    assert ev.metadata["gx_data_docs"].value == str(tmp_path / "docs" / "index.html")


def test_a_run_without_the_raw_family_publishes_on_its_last_checked_ingest(paths):
    """The run of another family (the landing sensor's job for one family, e.g. a new SGB II month) does not
    load this family: the gate accepts its raw data when its last check evaluated its latest materialisation.
    That check ran in the ingest step, so Dagster created its execution record (planned) before the step
    materialised the data; what links the two is the evaluation's target materialisation."""
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    before = sha(paths.published)
    result = materialize(paths, definitions(paths), instance=instance,
                         selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert RAW not in materialized(result) and MART in materialized(result)
    assert result.success, refusal(result)
    assert PUBLISHED_KEY in materialized(result)
    assert sha(paths.published) != before
    assert {r["run_id"] for r in read_status(paths.published)} == {result.run_id}


def test_raw_data_materialised_after_its_last_check_is_refused(paths):
    """A materialisation of the raw table newer than the one its last (passed) check evaluated — here reported
    to the instance by hand, as a tool outside the ingest could — keeps a later run from publishing."""
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    before = sha(paths.published)
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=RAW))
    result = materialize(paths, definitions(paths), instance=instance,
                         selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert not result.success and PUBLISHED_KEY not in materialized(result)
    assert ("raw/genesis__werte: latest data not checked by gx_genesis__werte (its last check evaluated an "
            "earlier materialisation, or none ran)") in refusal(result)
    assert sha(paths.published) == before


BAD_RAW = ["DELETE FROM raw.genesis__werte WHERE ags = '06432003' AND jahr = 2016"]  # fails gx_genesis__werte


def other_folder(tmp_path) -> Paths:
    """A second output folder (another Kreis, or a trial copy) whose runs go to the same Dagster instance."""
    other = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "b" / "landing",
                  out=tmp_path / "b" / "out")
    handbuilt.build(other.warehouse)
    return other


def test_a_failed_check_of_another_output_folder_does_not_refuse_this_one(paths, tmp_path):
    """Two output folders on one Dagster instance: the raw data of the other folder failed their check after this
    folder's passed. A run of this folder without its raw family (a new month of another family) publishes on its
    own checked data."""
    instance = dg.DagsterInstance.ephemeral()
    other = other_folder(tmp_path)
    assert materialize(paths, definitions(paths), instance=instance).success
    refused = materialize(other, definitions(other, raw_sql=BAD_RAW), instance=instance)
    assert not refused.success and not other.published.exists()
    before = sha(paths.published)
    result = materialize(paths, definitions(paths), instance=instance, selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert result.success, refusal(result)
    assert RAW not in materialized(result) and PUBLISHED_KEY in materialized(result)
    assert sha(paths.published) != before


def test_a_check_passed_in_another_output_folder_does_not_let_this_folders_failed_data_through(paths, tmp_path):
    """The other way round: this folder's raw data failed their check, then another folder's raw data (the newest
    materialisation in the instance) passed theirs. A run of this folder without its raw family is still refused,
    and its published file stays as it was (none here)."""
    instance = dg.DagsterInstance.ephemeral()
    other = other_folder(tmp_path)
    assert not materialize(paths, definitions(paths, raw_sql=BAD_RAW), instance=instance).success
    assert materialize(other, definitions(other), instance=instance).success
    result = materialize(paths, definitions(paths), instance=instance, selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert not result.success and PUBLISHED_KEY not in materialized(result)
    assert "raw/genesis__werte: latest data not checked by gx_genesis__werte (last check: FAILED)" in refusal(result)
    assert not paths.published.exists()


def test_data_checked_only_in_another_output_folder_are_not_trusted(paths, tmp_path):
    """A folder whose raw family the instance knows only from other folders (e.g. the working database was
    copied into a new folder) does not publish on the other folders' checks."""
    instance = dg.DagsterInstance.ephemeral()
    other = other_folder(tmp_path)
    assert materialize(other, definitions(other), instance=instance).success
    result = materialize(paths, definitions(paths), instance=instance, selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert not result.success and not paths.published.exists()
    assert f"raw/genesis__werte: the data of this working database ({paths.warehouse}) were never materialised" \
        in refusal(result)


def test_the_gate_finds_this_folders_data_behind_many_materialisations_of_other_data(paths, tmp_path):
    """The newest materialisation of this folder's data may lie behind many of other folders' (read page by page)."""
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    other = other_folder(tmp_path)
    for _ in range(15):  # e.g. another Kreis's runs of the family since
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=RAW, metadata=state_of(other)))
    result = materialize(paths, definitions(paths), instance=instance, selection=dg.AssetSelection.assets(MART, PUBLISHED_KEY))
    assert result.success, refusal(result)


def test_a_delivery_of_a_family_the_model_is_not_built_from_does_not_refuse_it(paths):
    """Which data a materialisation is of compares the families its asset is built from: after a delivery of a
    family the mart is not built from (e.g. Maßnahmen, whose job builds neither guarded mart model), a run that
    builds neither the raw family nor the mart publishes on their checks; after a delivery of the raw family
    itself, not yet loaded by a run of its own, it does not."""
    from orchestration.ingest import lieferstatus

    def deliver(family: str, sha: str) -> None:
        with duckdb.connect(str(paths.warehouse)) as con:
            lieferstatus.record(con, family, sha * 64, f"{family}.csv", lieferstatus.ANGENOMMEN)

    deliver("genesis", "a")  # the working database has an identity: states per family
    instance = dg.DagsterInstance.ephemeral()
    assert materialize(paths, definitions(paths), instance=instance).success
    deliver("massnahmen", "b")
    result = materialize(paths, definitions(paths), instance=instance, selection=[PUBLISHED_KEY])
    assert result.success, refusal(result)
    deliver("genesis", "c")
    result = materialize(paths, definitions(paths), instance=instance, selection=[PUBLISHED_KEY])
    assert not result.success
    assert "raw/genesis__werte: the data of this working database" in refusal(result)
    assert "mart/sozialraum_indikatoren: the data of this working database" in refusal(result)
