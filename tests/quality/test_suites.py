"""The GX suites on hand-built working databases: consistent tables pass; each broken table fails with
the expectation named and the offending rows listed."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.quality.runner import (
    data_docs_written,
    disclosure_min_cell,
    read_dataset,
    read_inputs,
    resolved,
    run_suites,
    summarize,
)
from orchestration.quality.suites import ERROR, WARN, load_suites
from orchestration.settings import REPO_ROOT, Paths, Settings
from orchestration.warehouse import read_connection

from . import handbuilt

MIN_CELL_DBT = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]["disclosure_min_cell"]


@pytest.fixture
def paths(tmp_path) -> Paths:
    p = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp_path / "landing", out=tmp_path / "out")
    handbuilt.build(p.warehouse)
    handbuilt.add_sgb2_monatswerte(p.warehouse)
    return p


def settings_for(p: Paths, tmp_path, **values) -> Settings:
    return Settings(region=str(p.region), landing=str(p.landing), out=str(p.out), gx_home=str(tmp_path / "gx"),
                    gx_docs=str(tmp_path / "gx_docs"), **values)


@pytest.fixture
def settings(paths, tmp_path) -> Settings:
    return settings_for(paths, tmp_path)


def mutate(p: Paths, *statements: str) -> None:
    con = duckdb.connect(str(p.warehouse))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def _stored(tmp_path, suite: str) -> int:
    """Results of `suite` the GX project keeps: one per validation that reached GX (the GX process stores them
    after it answered)."""
    data_docs_written()
    return len(list((tmp_path / "gx" / "gx" / "uncommitted" / "validations" / suite).rglob("*.json")))


def failures_of(results, severity=ERROR):
    return [f for r in results for f in r.failed(severity)]


def without_errors(settings: Settings, guard: str) -> list:
    """The results of the suites guarding `guard` (at least one); none of them fails an error-level expectation."""
    results = run_suites(settings, guards=[guard], data_docs=False)
    assert results and not failures_of(results), summarize(results)
    return results


def test_every_suite_file_is_valid_and_guards_a_contract_asset():
    suites = load_suites()
    assert len(suites) >= 12
    families = {s.guards[1].split("__")[0] for s in suites if s.guards[0] == "raw"}
    assert families == {"genesis", "sgb2", "grundsicherung", "melderegister", "jugendhilfe", "wohngeld", "asylblg",
                        "massnahmen", "einrichtungen"}
    assert ("mart", "sozialraum_indikatoren") in {s.guards for s in suites}
    for s in suites:
        assert s.document["expectations"], s.name
        assert all(e["severity"] in ("critical", "warning") for e in s.document["expectations"])


def test_consistent_tables_pass_every_suite_and_data_docs_are_written(paths, settings, tmp_path):
    results = run_suites(settings, data_docs=True)
    assert {r.suite for r in results} == {s.name for s in load_suites()}
    assert not failures_of(results), summarize(results)
    assert not failures_of(results, WARN), summarize(results, WARN)
    assert all(r.evaluated > 0 for r in results)
    index = tmp_path / "gx_docs" / "index.html"
    data_docs_written()  # the GX process answers first and writes the Data Docs afterwards
    assert index.exists() and all(r.data_docs == index for r in results)
    assert "genesis__vollstaendigkeit" in index.read_text(encoding="utf-8")


CASES = [pytest.param(case["statements"], case["suite"], case["expectation"], case["column"], case["offending"],
                      id=case["id"])
         for case in yaml.safe_load(Path(__file__).with_name("broken_tables.yaml").read_text(encoding="utf-8"))]


def suite_inputs(p: Paths, settings: Settings) -> tuple[dict, dict]:
    """What GX gets from these tables (runner.read_inputs, as run_suites reads them): each suite's dataset
    (None where it cannot be read) and the expectation parameters."""
    settings = resolved(settings)
    with read_connection(p.warehouse) as con:
        frames, read_errors, params = read_inputs(con, load_suites(settings.expectations_dir), settings)
    return {**frames, **dict.fromkeys(read_errors)}, params


def same_rows(a, b) -> bool:
    """The same columns of the same types with the same rows, in any order: the datasets' SQL has no ORDER BY
    (and needs none: no expectation of the suites depends on the order of the rows)."""
    if list(a.columns) != list(b.columns) or [t.name for t in a.dtypes] != [t.name for t in b.dtypes]:
        return False
    a, b = (f.astype(str).sort_values(list(f.columns)).reset_index(drop=True) for f in (a, b))
    return a.equals(b)


@pytest.fixture(scope="module")
def consistent_inputs(tmp_path_factory) -> tuple[dict, dict]:
    """`suite_inputs` of the consistent tables, on which every suite passes (validated here)."""
    tmp = tmp_path_factory.mktemp("consistent")
    p = Paths(region=REPO_ROOT / "seeds" / "regions" / "darmstadt-dieburg", landing=tmp / "landing", out=tmp / "out")
    handbuilt.build(p.warehouse)
    handbuilt.add_sgb2_monatswerte(p.warehouse)
    settings = settings_for(p, tmp)
    results = run_suites(settings, data_docs=False)
    assert not failures_of(results), summarize(results)
    return suite_inputs(p, settings)


@pytest.mark.parametrize("statements, suite, expectation, column, offending", CASES)
def test_broken_table_fails_naming_expectation_and_rows(paths, settings, consistent_inputs, statements, suite, expectation,
                                                         column, offending):
    mutate(paths, *statements)
    # GX validates a suite on its dataset and the expectation parameters only: a suite whose inputs the breakage
    # left as they are on the consistent tables passes, as it did there. The others are validated again.
    frames, parameters = suite_inputs(paths, settings)
    consistent_frames, consistent_parameters = consistent_inputs
    changed = [name for name, frame in frames.items()
               if parameters != consistent_parameters or frame is None or consistent_frames[name] is None
               or not same_rows(frame, consistent_frames[name])]
    assert suite in changed, f"{statements} leave the dataset of {suite} unchanged"
    results = run_suites(settings, suites=changed, data_docs=False)
    failures = failures_of(results)
    matching = [f for f in failures if f.suite == suite and f.expectation == expectation and f.column == column]
    assert matching, f"expected {suite}: {expectation}({column}) to fail; got:\n{summarize(results)}"
    examples = [row for f in matching for row in f.examples]
    assert any(all(row.get(k) == v for k, v in offending.items()) for row in examples), (
        f"no example row matches {offending}: {examples}")
    text = "\n".join(f.describe() for f in matching)
    assert expectation in text and suite in text
    json.dumps([f.as_dict() for f in matching])  # metadata must be JSON-serialisable
    # only the broken suite(s) fail: the rest of the gate stays green (the unchanged suites included, above)
    assert suite in {r.suite for r in results if not r.passed}
    assert sum(1 for r in results if not r.passed) <= 3, summarize(results)


def test_only_a_balance_may_have_a_negative_numerator(paths, settings):
    """The catalogue decides: a numerator defined as a difference ("A minus B": Wanderungs-, Pendlersaldo) may be
    negative, every other numerator is a count."""
    def negative_numerators():
        results = run_suites(settings, suites=["mart__indikatoren"], data_docs=False)
        return [f for f in failures_of(results)
                if f.column == "zaehler" and f.expectation == "expect_column_values_to_be_between"]

    mutate(paths, "UPDATE mart.sozialraum_indikatoren SET zaehler = -zaehler, wert = -wert WHERE indikator_id = 'hze_eckwert'")
    failed = negative_numerators()
    assert failed and {row["indikator_id"] for row in failed[0].examples} == {"hze_eckwert"}
    mutate(paths, "UPDATE mart.indikatoren SET zaehler = 'Zugänge minus Abgänge' WHERE indikator_id = 'hze_eckwert'")
    assert negative_numerators() == []


def test_year_over_year_jump_is_a_warning_not_an_error(paths, settings):
    # share 65+ from 20 % to 36 % in 2016, consistently on every level
    mutate(paths,
           "UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 1.8, wert = zaehler * 1.8 / nenner * 100 "
           "WHERE indikator_id = 'anteil_65_plus' AND jahr = 2016")
    results = without_errors(settings, "mart/sozialraum_indikatoren")
    warnings = failures_of(results, WARN)
    assert [w.column for w in warnings] == ["veraenderung_pp"]
    assert any(row["gebiet_id"] == "06432001" and row["jahr"] == 2016 and row["wert_vorjahr"] == 20.0
               for row in warnings[0].examples), warnings[0].examples


def test_small_numbers_are_not_judged_for_jumps(paths, settings):
    # HzE per Gemeinde: 10 -> 30 cases is a +200 % jump, but on numbers this small it is noise, not a signal
    mutate(paths,
           "UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 3, wert = zaehler * 3 / nenner * 1000 "
           "WHERE indikator_id = 'hze_eckwert' AND jahr = 2016 AND gebiet_ebene = 'gemeinde'")
    assert not failures_of(run_suites(settings, guards=["mart/sozialraum_indikatoren"], data_docs=False), WARN)


def test_bound_of_the_jump_warning_comes_from_the_settings_not_the_environment(paths, settings, tmp_path, monkeypatch):
    mutate(paths,
           "UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 1.3, wert = zaehler * 1.3 "
           "WHERE indikator_id = 'bevoelkerung' AND jahr = 2016",
           "UPDATE mart.sozialraum_indikatoren SET zaehler = zaehler * 1.1, wert = zaehler * 1.1 / nenner * 100 "
           "WHERE indikator_id = 'anteil_65_plus' AND jahr = 2016")  # 20 % -> 22 %
    monkeypatch.setenv("SOZIALMONITOR_MAX_SPRUNG_REL", "0.2")  # read by Settings.from_env only, never by the runner
    assert not failures_of(run_suites(settings, guards=["mart/sozialraum_indikatoren"], data_docs=False), WARN)
    strict = settings_for(paths, tmp_path, max_sprung_rel=0.2)
    warnings = failures_of(run_suites(strict, guards=["mart/sozialraum_indikatoren"], data_docs=False), WARN)
    assert [w.column for w in warnings] == ["veraenderung_rel"]
    assert warnings[0].kwargs["max_value"] == 0.2  # the GX expectation parameter as evaluated
    share = settings_for(paths, tmp_path, max_sprung_pp=0.5)  # shares: percentage points
    assert [w.column for w in failures_of(run_suites(share, guards=["mart/sozialraum_indikatoren"], data_docs=False), WARN)
            ] == ["veraenderung_pp"]


def test_disclosure_minimum_follows_the_settings_else_the_dbt_variable(paths, settings, tmp_path, monkeypatch):
    # 10 cases per Gemeinde are fine with the dbt default minimum 3, not with a minimum of 11
    monkeypatch.setenv("SOZIALMONITOR_DISCLOSURE_MIN_CELL", "11")  # not read by the runner
    assert settings.disclosure_min_cell is None
    assert disclosure_min_cell(settings) == MIN_CELL_DBT
    assert run_suites(settings, suites=["mart__indikatoren"], data_docs=False)[0].passed
    result = run_suites(settings_for(paths, tmp_path, disclosure_min_cell=11), suites=["mart__indikatoren"], data_docs=False)[0]
    assert [f.column for f in result.failed(ERROR)] == ["zaehler"]


def test_a_bare_paths_argument_takes_the_other_values_from_the_environment(paths, monkeypatch):
    """Callers that still pass `Paths` (the ingest audit) get `Settings.from_env()` for the rest."""
    monkeypatch.setenv("SOZIALMONITOR_GX_DOCS", "off")
    monkeypatch.setenv("SOZIALMONITOR_DISCLOSURE_MIN_CELL", "11")
    result = run_suites(paths, suites=["mart__indikatoren"])[0]
    assert [f.column for f in result.failed(ERROR)] == ["zaehler"]
    assert result.data_docs is None


def test_confidential_indicators_come_from_the_catalogue_flag_only(paths, settings):
    """The disclosure minimum applies to the indicators the catalogue (mart.indikatoren, seeds/catalogue)
    flags `geheimhaltung`, whatever their name; a catalogue without the flag is an error, not a fallback."""
    small = ("UPDATE mart.sozialraum_indikatoren SET zaehler = 2 "
             "WHERE indikator_id = '{0}' AND gebiet_id = '06432002' AND jahr = 2016")
    mutate(paths, small.format("hze_eckwert"), "UPDATE mart.indikatoren SET geheimhaltung = false WHERE indikator_id = 'hze_eckwert'")
    assert not [f for f in failures_of(run_suites(settings, suites=["mart__indikatoren"], data_docs=False))
                if f.column == "zaehler"]
    mutate(paths, small.format("bevoelkerung"), "UPDATE mart.sozialraum_indikatoren SET wert = 2 WHERE indikator_id = "
           "'bevoelkerung' AND gebiet_id = '06432002' AND jahr = 2016",
           "UPDATE mart.indikatoren SET geheimhaltung = true WHERE indikator_id = 'bevoelkerung'")
    failures = failures_of(run_suites(settings, suites=["mart__indikatoren"], data_docs=False))
    assert {(row["indikator_id"], row["gebiet_id"]) for f in failures if f.column == "zaehler" for row in f.examples} == {
        ("bevoelkerung", "06432002")}, [f.describe() for f in failures]

    mutate(paths, "ALTER TABLE mart.indikatoren DROP COLUMN geheimhaltung")
    result = run_suites(settings, suites=["mart__indikatoren"], data_docs=False)[0]
    assert not result.passed and result.failures[0].expectation == "dataset_readable"
    assert "geheimhaltung" in result.failures[0].exception


def test_no_indicator_list_and_no_environment_in_the_quality_code():
    """The catalogue is the only list of indicators; `Settings` is the only reader of the environment."""
    catalogue = (REPO_ROOT / "seeds" / "catalogue" / "indikatoren.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = {line.split(",", 1)[0] for line in catalogue if line}
    for source in (REPO_ROOT / "orchestration" / "quality").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not [i for i in ids if f'"{i}"' in text or f"'{i}'" in text], source.name
        assert "os.environ" not in text and "getenv" not in text, source.name
        assert len(text.splitlines()) <= 500, source.name
    for sql in (REPO_ROOT / "expectations" / "sql").glob("*.sql"):
        assert "{{" not in sql.read_text(encoding="utf-8"), f"{sql.name}: no own templating, GX parameters only"


def test_results_are_gx_results_as_its_store_keeps_them_with_their_suites(paths, settings, tmp_path):
    import great_expectations as gx

    mutate(paths, "UPDATE mart.sozialraum_indikatoren SET wert = 130 WHERE indikator_id = 'anteil_65_plus' "
                  "AND gebiet_id = '06432001' AND jahr = 2016")
    for docs in (False, True):
        result = run_suites(settings, suites=["mart__indikatoren"], data_docs=docs)[0]
        assert result.evaluated == len(result.validation["results"]) > 0
        failure = next(f for f in result.failures if f.column == "wert")
        assert failure.result in result.validation["results"] and not failure.result["success"]
        assert failure.unexpected_count == failure.result["result"]["unexpected_count"] == 1
    # the result is GX's JSON of its ExpectationSuiteValidationResult, as the GX project stored it
    data_docs_written()
    stored, = (tmp_path / "gx" / "gx" / "uncommitted" / "validations" / "mart__indikatoren").rglob("*.json")
    kept = json.loads(stored.read_text(encoding="utf-8"))
    assert kept["statistics"] == result.validation["statistics"] and kept["id"] == result.validation["id"]
    assert kept["results"] == json.loads(json.dumps(result.validation["results"]))
    context = gx.get_context(mode="file", project_root_dir=str(tmp_path / "gx"))
    suite = context.suites.get("mart__indikatoren")  # the suite the Data Docs show beside its results
    assert len(suite.expectations) == result.evaluated
    assert result.data_docs == tmp_path / "gx_docs" / "index.html"


def test_a_validation_writes_only_its_results_and_data_docs_into_the_gx_project(paths, tmp_path):
    """GX validates in memory; the file project keeps the results (and the suites, once per process) for the
    Data Docs. Validating in the file project rewrote every suite's checkpoint, validation definition and
    data asset (the project's YAML several times per suite) on every request: half of the GX process's time in
    a build of a project with history."""
    settings = settings_for(paths, tmp_path, gx_reuse=False)  # the same data again: validated every time
    project = tmp_path / "gx" / "gx"

    def files() -> dict[str, int]:
        return {p.relative_to(project).as_posix(): p.stat().st_mtime_ns for p in project.rglob("*")
                if p.is_file() and "uncommitted" not in p.parts}

    run_suites(settings, suites=["mart__abgleich", "mart__indikatoren"])
    data_docs_written()
    before = files()
    results = run_suites(settings, suites=["mart__abgleich", "mart__indikatoren"])
    data_docs_written()
    assert files() == before
    assert all(r.data_docs == tmp_path / "gx_docs" / "index.html" for r in results)
    for name in ("mart__abgleich", "mart__indikatoren"):
        assert _stored(tmp_path, name) == 2
        assert len(list((tmp_path / "gx_docs" / "validations" / name).rglob("*.html"))) == 2


def test_data_docs_keep_a_bounded_history(paths, tmp_path, monkeypatch):
    settings = settings_for(paths, tmp_path, gx_reuse=False)  # the same data again: validated every time
    from orchestration.quality import runner

    monkeypatch.setattr(runner, "VALIDATION_RESULTS_KEPT", 2)
    for _ in range(3):
        run_suites(settings, suites=["mart__abgleich"])
    data_docs_written()
    pages = list((tmp_path / "gx_docs" / "validations" / "mart__abgleich").rglob("*.html"))
    assert _stored(tmp_path, "mart__abgleich") == 2 and len(pages) == 2
    index = (tmp_path / "gx_docs" / "index.html").read_text(encoding="utf-8")
    assert all(p.relative_to(tmp_path / "gx_docs").as_posix() in index for p in pages)


def test_data_docs_follow_the_folder_the_settings_name(paths, tmp_path):
    """The GX project keeps its docs site's folder in its YAML: settings that name another Data Docs folder for
    the same project move the site there (it kept writing into the first folder)."""
    settings = settings_for(paths, tmp_path, gx_reuse=False)  # the same data again: validated every time
    run_suites(settings, suites=["mart__abgleich"])
    moved = Settings(region=str(paths.region), landing=str(paths.landing), out=str(paths.out),
                     gx_home=str(tmp_path / "gx"), gx_docs=str(tmp_path / "woanders"), gx_reuse=False)
    result, = run_suites(moved, suites=["mart__abgleich"])
    data_docs_written()
    assert result.data_docs == tmp_path / "woanders" / "index.html" and result.data_docs.is_file()
    pages = list((tmp_path / "woanders" / "validations" / "mart__abgleich").rglob("*.html"))
    assert pages and all(p.relative_to(tmp_path / "woanders").as_posix() in result.data_docs.read_text("utf-8")
                         for p in pages)
    assert len(list((tmp_path / "gx_docs" / "validations" / "mart__abgleich").rglob("*.html"))) == 1


def test_unchanged_data_are_not_validated_again_any_change_is(paths, settings, tmp_path):
    """A suite that validated the same data flawlessly is not sent to GX again: its kept result comes back,
    marked as taken over. Any change of the data, of a parameter or of the suite's expectations is validated."""
    names = ["mart__sgb2_monatswerte", "mart__indikatoren"]
    first = {r.suite: r for r in run_suites(settings, suites=names)}
    assert all(r.passed and not r.failures and not r.reused for r in first.values())
    again = {r.suite: r for r in run_suites(settings, suites=names)}
    assert all(r.reused for r in again.values())
    assert {n: _stored(tmp_path, n) for n in names} == {n: 1 for n in names}  # GX did not validate again
    for name in names:
        assert again[name].validation == json.loads(json.dumps(first[name].validation))
        assert again[name].rows == first[name].rows and again[name].evaluated == first[name].evaluated > 0
        assert again[name].validated_at == first[name].validated_at is not None
        assert again[name].data_docs == tmp_path / "gx_docs" / "index.html"

    # one value changed (still within every expectation): validated again
    mutate(paths, "UPDATE mart.sozialraum_indikatoren SET wert = wert + 0.001 WHERE indikator_id = 'anteil_65_plus' "
                  "AND gebiet_id = '06432001' AND jahr = 2016")
    changed = {r.suite: r for r in run_suites(settings, suites=names)}
    assert not changed["mart__indikatoren"].reused and changed["mart__indikatoren"].passed
    assert changed["mart__sgb2_monatswerte"].reused  # its dataset did not change
    # another threshold (an expectation parameter): validated again
    stricter = settings_for(paths, tmp_path, max_sprung_pp=9.5)
    assert not any(r.reused for r in run_suites(stricter, suites=["mart__indikatoren"]))
    # reuse off: every run reaches GX
    before = _stored(tmp_path, "mart__abgleich")
    off = run_suites(settings_for(paths, tmp_path, gx_reuse=False), suites=["mart__abgleich"])
    assert not off[0].reused and _stored(tmp_path, "mart__abgleich") == before + 1


def test_another_expectation_on_the_same_data_is_validated(paths, settings, tmp_path):
    assert not run_suites(settings, suites=["mart__abgleich"])[0].reused
    assert run_suites(settings, suites=["mart__abgleich"])[0].reused
    suites = tmp_path / "suites"  # the same suite with one expectation more (suites are read once per folder)
    shutil.copytree(settings.expectations_dir, suites)
    document = json.loads((suites / "mart__abgleich.json").read_text(encoding="utf-8"))
    document["expectations"].append({"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}})
    (suites / "mart__abgleich.json").write_text(json.dumps(document), encoding="utf-8")
    result, = run_suites(settings_for(paths, tmp_path, expectations=str(suites)), suites=["mart__abgleich"])
    assert not result.reused and result.evaluated == len(document["expectations"])


def test_a_result_with_a_failure_is_never_taken_over(paths, settings, tmp_path):
    """Failures (warnings too) are validated every time: their example rows are those of the data at hand."""
    mutate(paths, "UPDATE mart.sozialraum_indikatoren SET wert = 130 WHERE indikator_id = 'anteil_65_plus' "
                  "AND gebiet_id = '06432001' AND jahr = 2016")
    for _ in range(2):
        result, = run_suites(settings, suites=["mart__indikatoren"])
        assert not result.reused and failures_of([result])
    assert _stored(tmp_path, "mart__indikatoren") == 2
    assert not (paths.gx_passed / "mart__indikatoren.json").exists()


def test_a_kept_result_that_is_damaged_or_foreign_means_validating_again(paths, settings, tmp_path):
    """The kept results are only a shortcut: a damaged file, one of other data, or a folder that cannot be
    written never fails a check, it only means validating (again)."""
    run_suites(settings, suites=["mart__abgleich"])
    kept = paths.gx_passed / "mart__abgleich.json"
    for damaged in ("{not json", json.dumps({"fingerprint": "0" * 64, "rows": 1, "validation": {}}), "[]"):
        kept.write_text(damaged, encoding="utf-8")
        result, = run_suites(settings, suites=["mart__abgleich"])
        assert not result.reused and result.passed
    shutil.rmtree(paths.gx_passed)
    paths.gx_passed.write_text("a file where the folder belongs", encoding="utf-8")
    for _ in range(2):
        result, = run_suites(settings, suites=["mart__abgleich"])
        assert not result.reused and result.passed


def test_the_check_names_a_result_taken_over(paths, settings):
    from orchestration.quality.checks import check_results

    run_suites(settings, suites=["mart__abgleich"])
    result, = run_suites(settings, suites=["mart__abgleich"])
    target = dg.AssetKey(["mart", "kreis_abgleich"])
    spec = dg.AssetCheckSpec(name="gx_kreis_abgleich", asset=target)
    check, = check_results([result], [spec], {"mart__abgleich": target})
    assert check.passed and "übernommen" in check.description
    assert check.metadata["uebernommen"].value == {"mart__abgleich": result.validated_at}


def test_only_the_current_delivery_of_a_period_is_checked(paths, settings):
    """An older GENESIS file for 31.12.2016 lacks a Gemeinde; a newer, complete one replaced it."""
    mutate(paths,
           "INSERT INTO raw.genesis__werte SELECT tabelle, zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, "
           "gebiet_name, merkmal, wert, marker, zeile, 'alt', 'alt.csv', TIMESTAMP '2020-01-01', geladen_am "
           "FROM raw.genesis__werte WHERE jahr = 2016 AND ags <> '06432003'")
    without_errors(settings, "raw/genesis__werte")
    # ... and when the incomplete file is the newer one, the gap is found
    mutate(paths, "UPDATE raw.genesis__werte SET stand = TIMESTAMP '2030-01-01' WHERE sha256 = 'alt'")
    results = run_suites(settings, guards=["raw/genesis__werte"], data_docs=False)
    assert any(f.suite == "genesis__vollstaendigkeit" and f.examples[0]["ags"] == "06432003" for f in failures_of(results))


def test_a_correction_for_one_gemeinde_replaces_only_that_gemeinde(paths, settings):
    """The checks see the rows staging sees (views `aktuell.*`, orchestration/ingest/lieferstatus.py): the
    Melderegister is current per Stichtag and Gemeinde, so a later correction file for one Gemeinde
    replaces that Gemeinde only and the others stay complete."""
    mutate(paths,
           "INSERT INTO raw.melderegister__einwohner SELECT * REPLACE ('korr' AS sha256, "
           "'melderegister_2016_korrektur.csv' AS datei, anzahl + 1 AS anzahl, geladen_am + INTERVAL 1 DAY AS geladen_am) "
           "FROM raw.melderegister__einwohner WHERE ags = '06432001'")
    without_errors(settings, "raw/melderegister__einwohner")
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        checked = dict(con.execute("SELECT ags, string_agg(DISTINCT datei, ', ') FROM aktuell.melderegister__einwohner "
                                   "GROUP BY ags").fetchall())
    finally:
        con.close()
    assert checked["06432001"] == "melderegister_2016_korrektur.csv"
    assert "korrektur" not in checked["06432002"] and "korrektur" not in checked["06432003"]


def test_missing_table_is_a_failure_not_a_pass(paths, settings):
    mutate(paths, "DROP TABLE mart.dim_gebiet")
    result = run_suites(settings, suites=["mart__vollstaendigkeit"], data_docs=False)[0]
    assert not result.passed
    assert "dim_gebiet" in (result.failures[0].exception or "")


def test_negative_balances_are_allowed_negative_counts_are_not(paths, settings):
    mutate(paths,
           "INSERT INTO raw.genesis__werte SELECT '13111-08-02-5', zeit, jahr, stichtag, regionalschluessel, ags, gebiet_ebene, "
           "gebiet_name, 'Pendlersaldo (über Gemeindegrenze)', -900, NULL, zeile, 'pendler', 'pendler.csv', stand, geladen_am "
           "FROM raw.genesis__werte WHERE jahr = 2016")
    assert not failures_of(run_suites(settings, suites=["genesis__werte"], data_docs=False))
    mutate(paths, "UPDATE raw.genesis__werte SET wert = -5 WHERE ags = '06432002' AND jahr = 2015")
    failures = failures_of(run_suites(settings, suites=["genesis__werte"], data_docs=False))
    assert [(f.column, f.examples[0]["ags"], f.examples[0]["wert"]) for f in failures] == [("wert", "06432002", -5.0)]


def test_rate_with_empty_denominator_may_be_absent(paths, settings):
    """No § 8a assessment in a Gemeinde: the share is undefined and has no row (not a completeness gap)."""
    mutate(paths,
           "DELETE FROM mart.sozialraum_indikatoren WHERE gebiet_id = '06432003' AND indikator_id = 'anteil_65_plus' AND jahr = 2016",
           "UPDATE intermediate.int_indikatoren__gemeinde SET nenner = 0 WHERE ags = '06432003' AND indikator_id = 'anteil_65_plus' AND jahr = 2016")
    assert run_suites(settings, suites=["mart__vollstaendigkeit"], data_docs=False)[0].passed


def test_a_merger_is_no_gap_but_a_missing_gemeinde_still_is(paths, settings):
    """2015: Bickenbach (06432003) did not exist yet; two old Gemeinden merged into it later deliver its
    rows. The completeness gate counts them for today's Gemeinde (Gebietsstand key), so the reform is
    no gap; a Gemeinde that is simply missing in a year still fails."""
    mutate(paths,
           "UPDATE raw.genesis__werte SET ags = '06432091', regionalschluessel = '06432091', wert = 3000 "
           "WHERE ags = '06432003' AND jahr = 2015",
           "INSERT INTO raw.genesis__werte SELECT * REPLACE ('06432092' AS ags, '06432092' AS regionalschluessel, "
           "2500 AS wert, zeile + 10 AS zeile) FROM raw.genesis__werte WHERE ags = '06432091'",
           "DELETE FROM raw.gebietsstand__schluessel WHERE ags_alt = '06432003' AND jahr < 2016",
           "INSERT INTO raw.gebietsstand__schluessel SELECT 'gemeinde', jahr, alt, '06432003', 2020, 1, 1, 1, 1, 'x', "
           "'schluessel.csv', now() FROM (SELECT unnest(range(2014, 2016)) AS jahr), "
           "(SELECT unnest(['06432091', '06432092']) AS alt)",
           # 2016: the merged-away 06432091 is still listed with '-' (did not exist): not a Gemeinde to expect
           "INSERT INTO raw.genesis__werte SELECT * REPLACE ('06432091' AS ags, '06432091' AS regionalschluessel, "
           "0 AS wert, '-' AS marker, zeile + 20 AS zeile) FROM raw.genesis__werte WHERE ags = '06432001' AND jahr = 2016",
           # ... and 06432092 with '.' (the BA tables mark areas that did not exist so): not applicable either
           "INSERT INTO raw.genesis__werte SELECT * REPLACE ('06432092' AS ags, '06432092' AS regionalschluessel, "
           "NULL AS wert, '.' AS marker, zeile + 21 AS zeile) FROM raw.genesis__werte WHERE ags = '06432001' AND jahr = 2016")
    results = run_suites(settings, data_docs=False)
    assert not [f for f in failures_of(results) if f.suite == "genesis__vollstaendigkeit"], summarize(results)

    mutate(paths, "DELETE FROM raw.genesis__werte WHERE ags IN ('06432091', '06432092')")
    results = run_suites(settings, data_docs=False)
    failing = [f for f in failures_of(results) if f.suite == "genesis__vollstaendigkeit"]
    assert failing and any(row.get("ags") == "06432003" and row.get("zeit") == "31.12.2015"
                           for f in failing for row in f.examples), summarize(results)


def test_an_extract_without_nationality_passes_the_melderegister_suites(paths, settings):
    """Extracts delivered before the nationality column (NULL in raw) stay valid."""
    mutate(paths, "UPDATE raw.melderegister__einwohner SET staatsangehoerigkeit = NULL")
    without_errors(settings, "raw/melderegister__einwohner")


def test_narrow_integer_columns_reach_gx_as_int64_and_nullable_ones_unchanged(paths):
    """GX compares with bounds vectorised only on int64/float64 columns (row by row in Python otherwise): the
    dataset's INTEGER columns come as int64, with the same values; a column with NULLs keeps pandas' nullable type."""
    werte = next(s for s in load_suites() if s.name == "genesis__werte")
    probe = dataclasses.replace(werte, sql="SELECT 7::SMALLINT AS klein, 2147483647::INTEGER AS gross, NULL::INTEGER AS luecke, "
                                            "'a' AS text UNION ALL SELECT 8, 1, 5, 'b'", parameters={})
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        plain = con.execute(werte.sql).df()
        dataset = read_dataset(con, werte)
        widened = read_dataset(con, probe)
    finally:
        con.close()
    assert str(plain["jahr"].dtype) == "int32"  # DuckDB's INTEGER as pandas gets it
    assert str(dataset["jahr"].dtype) == "int64" and sorted(dataset["jahr"]) == sorted(plain["jahr"])
    assert {c: str(t) for c, t in widened.dtypes.items() if c != "text"} == {"klein": "int64", "gross": "int64",
                                                                           "luecke": "Int32"}
    assert sorted(widened["gross"]) == [1, 2**31 - 1] and widened["luecke"].isna().sum() == 1


def test_text_columns_reach_gx_as_categories_and_every_other_column_as_duckdb_types_it(paths):
    """GX filters the whole frame for every row condition of every metric; Arrow-backed text columns were copied
    each time (4.3 s for the Germany-wide GENESIS suites). The dataset's text columns come as pandas categories
    with the same values and NULLs, in the query's column order; every other column (dates, booleans, doubles,
    nullable integers) has the type DuckDB's own pandas conversion gives it, and the same values."""
    probe = dataclasses.replace(
        next(s for s in load_suites() if s.name == "genesis__werte"), parameters={},
        sql="SELECT 'Gemeinde' AS ebene, DATE '2024-12-31' AS stichtag, NULL::VARCHAR AS leer, 1.5 AS wert, "
            "NULL::INTEGER AS luecke, true AS ok, 'ä' AS umlaut UNION ALL SELECT NULL, DATE '2023-12-31', NULL, NULL, 4, "
            "false, 'ß' UNION ALL SELECT 'Gemeinde', NULL, NULL, 2.0, NULL, NULL, 'ä'")
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        plain = con.execute(probe.sql).df()
        dataset = read_dataset(con, probe)
    finally:
        con.close()
    assert list(dataset.columns) == list(plain.columns) and len(dataset) == 3
    assert {c for c, t in dataset.dtypes.items() if str(t) == "category"} == {"ebene", "leer", "umlaut"}
    assert str(plain["ebene"].dtype) != "category"  # what DuckDB alone gives: strings
    assert {c: str(t) for c, t in dataset.dtypes.items() if str(t) != "category"} == {
        c: str(t) for c, t in plain.dtypes.items() if c not in {"ebene", "leer", "umlaut"}}
    for column in plain.columns:
        assert dataset[column].astype(object).where(dataset[column].notna(), None).tolist() == \
            plain[column].astype(object).where(plain[column].notna(), None).tolist(), column
    assert dataset["ebene"].isin(["Gemeinde"]).tolist() == [True, False, True]
    assert dataset["umlaut"].astype(str).str.match("^ä$").tolist() == [True, False, True]
