"""The delivery families of a build load in one ingest step, at the same time where they do not depend on
each other, each after the families it loads `after`, and beside the families it is `checked_against`,
whose loading only its check waits for (orchestration/ingest/parallel.py); a family that fails with an error
of the system does not cost the other families their results, and the failure names it.

Real Dagster materialisations of the ingest assets on demo deliveries of three years; the load times are
the ingest's own metadata (`laden_von`, `laden_bis`). The scheduling rules themselves on families whose work
is a function of the test."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections.abc import Callable

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import BUILD_JOB_NAME, defs
from orchestration.demo import generate_demo_deliveries
from orchestration.ingest.assets import DELIVERIES_STEP, ingest_assets, landing_bytes
from orchestration.ingest.families import DELIVERIES, LIEFERUNG, SOURCES, Family
from orchestration.ingest.parallel import load_families
from orchestration.run import report_from_events
from orchestration.settings import DEFAULT_REGION, Paths, Settings

GENESIS_AND_AFTER = {"genesis", "sgb2", "grundsicherung", "asylblg", "wohngeld"}


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate_demo_deliveries(landing, years=range(2022, 2025), progress=False)
    return landing


@pytest.fixture
def paths(demo_landing, tmp_path, monkeypatch) -> Paths:
    monkeypatch.setenv("SOZIALMONITOR_GX_DOCS", "off")  # the run's settings come from the environment (materialize)
    monkeypatch.setenv("SOZIALMONITOR_GX_HOME", str(tmp_path / "gx"))
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    paths = Paths(region=DEFAULT_REGION, landing=landing, out=tmp_path / "out")
    paths.out.mkdir()
    return paths


def materialize(paths: Paths, selection=None) -> dg.ExecuteInProcessResult:
    # from the environment as a build's: the demo key is the session's (tests/conftest.py), not the checkout's,
    # and the GX folders are the `paths` fixture's
    settings = Settings.from_env(resolve=True, region=str(paths.region), landing=str(paths.landing),
                                 out=str(paths.out), demo=True)
    return dg.materialize(ingest_assets, resources={"settings": settings}, selection=selection, raise_on_error=False)


def loaded(result: dg.ExecuteInProcessResult) -> dict[str, tuple[float, float]]:
    """family -> (start, end) of its loading, from the metadata of its materialisations."""
    spans = {}
    for mat in result.asset_materializations_for_node(DELIVERIES_STEP):
        meta = mat.metadata
        spans[meta["familie"].value] = (meta["laden_von"].value, meta["laden_bis"].value)
    return spans


def test_the_build_loads_every_delivery_family_in_one_step():
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    steps = {node.name for node in job.nodes}
    assert {"raw_region", DELIVERIES_STEP} <= steps
    assert not steps & {f"raw_{family.name}" for family in DELIVERIES}
    step = next(a for a in ingest_assets if a.node_def.name == DELIVERIES_STEP)
    assert {key.path[-1] for key in step.keys} == {t for family in DELIVERIES for t in family.tables}


def test_independent_families_load_at_the_same_time_each_after_what_it_needs(paths):
    result = materialize(paths)
    assert result.success
    spans = loaded(result)
    assert set(spans) == {family.name for family in DELIVERIES}
    for family in DELIVERIES:
        for before in set(family.after) & set(spans):
            assert spans[family.name][0] >= spans[before][1], (family.name, before, spans)
        for population in family.checked_against:  # started after it started, accepted after it finished
            assert spans[family.name][0] >= spans[population][0], (family.name, population, spans)
            assert spans[family.name][1] >= spans[population][1], (family.name, population, spans)
    together = [(a, b) for a, b in itertools.combinations(sorted(spans), 2)
                if spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]]
    assert together, spans


def test_a_failing_family_names_itself_and_the_others_still_load(paths):
    # a broken working database: GENESIS' raw table without its columns (an error of the system, not of a file)
    con = duckdb.connect(str(paths.warehouse))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.genesis__werte (x INTEGER)")
    con.close()
    result = materialize(paths)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert failure.step_key == DELIVERIES_STEP
    description = failure.event_specific_data.user_failure_data.description
    assert "genesis: BinderException" in description, description
    # the families checked against GENESIS: not loaded (not started yet when GENESIS failed), or loaded and not
    # accepted (their check waited for GENESIS): their new deliveries stay new, judged by the next run
    not_accepted = set()
    for family in GENESIS_AND_AFTER - {"genesis"}:
        if f"{family}: nicht angenommen, da genesis fehlgeschlagen ist (die neuen Lieferungen werden im " \
                "nächsten Lauf geprüft)" in description:
            not_accepted.add(family)
        else:
            assert f"{family}: nicht geladen, da genesis fehlgeschlagen ist" in description, description
    # every family that does not need GENESIS is loaded, audited and materialised all the same
    others = {family.name for family in DELIVERIES} - GENESIS_AND_AFTER
    assert set(loaded(result)) == others
    checks = {e.asset_check_key.asset_key.path[-1].split("__")[0] for e in result.get_asset_check_evaluations()}
    assert checks == others
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    status = dict(con.execute("SELECT familie, list(DISTINCT status) FROM raw.ingest__lieferstatus "
                              "GROUP BY familie").fetchall())
    con.close()
    accepted = {family for family, states in status.items() if "angenommen" in states}
    assert accepted == others - {"gebietsstand"}  # (no Gebietsstand delivery: the shipped keys load without)
    assert {family for family, states in status.items() if states == ["neu"]} == not_accepted

    # repaired, the job of GENESIS (its tables and what is downstream) loads it and the families after it only
    con = duckdb.connect(str(paths.warehouse))
    con.execute("DROP TABLE raw.genesis__werte")
    con.close()
    genesis = [dg.AssetKey(["raw", table]) for table in SOURCES["genesis"].tables]
    again = materialize(paths, selection=dg.AssetSelection.assets(*genesis).downstream())
    assert again.success
    assert set(loaded(again)) == GENESIS_AND_AFTER
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    refused, = con.execute("SELECT count(*) FROM raw.ingest__ausgeschlossen").fetchone()
    still_new, = con.execute(
        "SELECT count(*) FROM (SELECT status FROM raw.ingest__lieferstatus QUALIFY row_number() OVER "
        "(PARTITION BY familie, sha256 ORDER BY nr DESC) = 1) WHERE status = 'neu'").fetchone()
    con.close()
    assert (refused, still_new) == (0, 0)  # what the failed run left new is accepted now


def test_a_run_with_nothing_new_takes_over_the_audits_of_the_unchanged_data(paths):
    """The first run audits every family's new deliveries (GX validates; results without any failed expectation
    are kept); the second has nothing new and judges the data as accepted: the same data, so GX is not asked
    again for the kept suites, and each family's checks name the results they took over. (Suites with warnings
    on the demo data are validated again: a result with a failure is never kept.)"""

    def suites(evaluation) -> set[str]:
        return {s for s in evaluation.metadata["suites"].value.split(", ") if s}

    first = materialize(paths)
    assert first.success
    audited = [e for e in first.get_asset_check_evaluations() if "suites" in e.metadata]
    assert audited and not any("uebernommen" in e.metadata for e in audited)
    kept = {p.stem for p in paths.gx_passed.glob("*.json")}
    every = {s for e in audited for s in suites(e)}
    warned = {s for e in audited if not e.passed for s in suites(e)}  # (a check names all suites of its asset)
    assert len(kept) >= 15 and kept <= every and every - kept <= warned

    again = materialize(paths)
    assert again.success
    judged = [e for e in again.get_asset_check_evaluations() if "suites" in e.metadata]
    assert {e.asset_check_key for e in judged} == {e.asset_check_key for e in audited}
    for evaluation in judged:
        taken_over = set(evaluation.metadata["uebernommen"].value) if "uebernommen" in evaluation.metadata else set()
        assert taken_over == suites(evaluation) & kept, evaluation
    assert {p.stem for p in paths.gx_passed.glob("*.json")} == kept
    # the build's summary counts them
    report = report_from_events(again.all_events, again.success)
    assert report.checks_taken_over == sum(e.passed and "uebernommen" in e.metadata for e in judged) > 0
    assert f"bestanden (davon {report.checks_taken_over} mit übernommenem GX-Ergebnis: Daten unverändert)" \
        in report.summary()


def family(name: str, after: tuple[str, ...] = (), checked_against: tuple[str, ...] = ()) -> Family:
    return Family(name=name, description=name, kind=LIEFERUNG, patterns=(".csv",), tables=(), loader="-:-",
                  after=after, checked_against=checked_against)


def journal() -> tuple[list[tuple[str, str]], Callable[[str, str], None]]:
    """The (family, event) pairs the families' threads note, in the order they happened, and the note function."""
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def note(name: str, what: str) -> None:
        with lock:
            events.append((name, what))

    return events, note


def run_families(families: list[Family], work, workers: int = 2, size=None) -> dict:
    con = duckdb.connect()
    try:
        return {o.family: o for o in load_families(con, families, work, workers=workers, size=size)}
    finally:
        con.close()


def test_the_last_family_loading_gets_every_thread_once_the_others_have_finished():
    # the block runs on one DuckDB thread; once the other families have finished and none is left to start, the
    # queries the last one starts (its audit) may use the caller's thread count — not while another still loads
    events, note = journal()
    others_done = threading.Event()
    finished: list[str] = []
    lock = threading.Lock()

    def threads(cursor) -> int:
        return int(cursor.execute("SELECT current_setting('threads')").fetchone()[0])

    def work(cursor, family, checked_against_loaded):
        note(family.name, f"start on {threads(cursor)}")
        if family.name == "genesis":
            others_done.wait(10)
            deadline = time.monotonic() + 10  # the scheduler widens after it has taken the others' outcomes
            while threads(cursor) == 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        else:
            time.sleep(0.05)
            with lock:
                finished.append(family.name)
                if len(finished) == 2:
                    others_done.set()
        note(family.name, f"end on {threads(cursor)}")

    families = [family("genesis"), family("sgb2"), family("wohngeld")]
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # as the step's one_thread
        outcomes = list(load_families(con, families, work, workers=3, threads_alone=3))
        assert [o.error for o in outcomes] == [None, None, None]
    finally:
        con.close()
    assert ("genesis", "start on 1") in events and ("genesis", "end on 3") in events, events
    assert ("sgb2", "end on 1") in events and ("wohngeld", "end on 1") in events, events

    events.clear()  # without threads_alone the count stays as the caller set it
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        others_done.clear()
        finished.clear()
        original = work

        def work_without_waiting(cursor, family, checked_against_loaded):
            if family.name == "genesis":
                others_done.wait(10)
                time.sleep(0.2)
                note(family.name, f"end on {threads(cursor)}")
                return None
            return original(cursor, family, checked_against_loaded)

        list(load_families(con, families, work_without_waiting, workers=3))
    finally:
        con.close()
    assert ("genesis", "end on 1") in events, events


def test_a_family_loads_beside_what_it_is_checked_against_and_only_its_check_waits_for_it():
    # two threads: GENESIS after Gebietsstand; SGB II and Grundsicherung are checked against GENESIS. SGB II
    # starts as soon as GENESIS has started, loads beside it, and its check goes on when GENESIS has finished;
    # Grundsicherung loads on the turn SGB II gives while it waits (a waiting family never holds a thread)
    events, note = journal()
    genesis_done = threading.Event()

    def work(cursor, family, checked_against_loaded):
        note(family.name, "start")
        if family.name == "genesis":
            time.sleep(0.3)
            note(family.name, "loaded")
            genesis_done.set()
        elif family.checked_against:
            note(family.name, "loaded" + ("" if genesis_done.is_set() else " before genesis"))
            checked_against_loaded()
            note(family.name, "checked")
        return family.name

    families = [family("gebietsstand"), family("genesis", after=("gebietsstand",)),
                family("sgb2", checked_against=("genesis",)), family("grundsicherung", checked_against=("genesis",))]
    outcomes = run_families(families, work)
    assert {name: o.value for name, o in outcomes.items()} == {f.name: f.name for f in families}
    position = {event: i for i, event in enumerate(events)}
    assert position[("genesis", "start")] > position[("gebietsstand", "start")]
    assert position[("sgb2", "start")] > position[("genesis", "start")]
    assert ("sgb2", "loaded before genesis") in position, events  # side by side
    for name in ("sgb2", "grundsicherung"):
        assert position[(name, "checked")] > position[("genesis", "loaded")], events
    assert position[("grundsicherung", "start")] > position[("sgb2", "loaded before genesis")], events  # two threads
    assert ("grundsicherung", "loaded before genesis") in position, events


def test_families_that_would_wait_for_what_they_are_checked_against_start_after_those_that_would_not():
    # two threads: while GENESIS loads, Jugendhilfe and Maßnahmen (checked against nothing) take the second
    # thread before SGB II, whose check would wait for GENESIS and hold the thread meanwhile
    starts: list[str] = []
    lock = threading.Lock()

    def work(cursor, family, checked_against_loaded):
        with lock:
            starts.append(family.name)
        if family.name == "genesis":
            time.sleep(0.3)
        checked_against_loaded()
        return family.name

    families = [family("genesis"), family("sgb2", checked_against=("genesis",)), family("jugendhilfe"),
                family("massnahmen")]
    outcomes = run_families(families, work)
    assert {name: o.value for name, o in outcomes.items()} == {f.name: f.name for f in families}
    assert starts == ["genesis", "jugendhilfe", "massnahmen", "sgb2"], starts


def test_among_families_ready_to_start_the_larger_ones_start_first(tmp_path):
    # one thread: after Gebietsstand, which GENESIS loads after (what others need goes first), the families by the
    # bytes of their landing folders, the largest first (started last, it would load alone at the end of the
    # step); families of the same size in their declared order
    for name, size in (("massnahmen", 10), ("jugendhilfe", 3000), ("asylblg", 10), ("melderegister", 2000)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "lieferung.csv").write_bytes(b"x" * size)
    (tmp_path / "jugendhilfe" / "unterordner").mkdir()  # only the family's delivery candidates count (scan_landing)
    (tmp_path / "jugendhilfe" / "notiz.txt").write_bytes(b"x" * 5000)
    starts: list[str] = []

    def work(cursor, family, checked_against_loaded):
        starts.append(family.name)
        return family.name

    families = [family("massnahmen"), family("asylblg"), family("melderegister"), family("genesis", after=("gebietsstand",)),
                family("jugendhilfe"), family("wohngeld"), family("gebietsstand")]
    assert landing_bytes(tmp_path, families[4]) == 3000 and landing_bytes(tmp_path, families[5]) == 0
    run_families(families, work, workers=1, size=lambda f: landing_bytes(tmp_path, f))
    assert starts == ["gebietsstand", "jugendhilfe", "melderegister", "massnahmen", "asylblg", "genesis", "wohngeld"], starts
    starts.clear()
    run_families(families, work, workers=1)  # without sizes: the declared order
    assert starts == ["gebietsstand", "massnahmen", "asylblg", "melderegister", "genesis", "jugendhilfe", "wohngeld"], starts


def test_a_family_waiting_for_its_check_gives_its_turn_to_the_next_family():
    # two threads: SGB II has loaded and waits for GENESIS; meanwhile AsylbLG loads on SGB II's turn (GENESIS
    # goes on only once AsylbLG has started), and both checks follow GENESIS
    asylblg_started = threading.Event()
    events, note = journal()

    def work(cursor, family, checked_against_loaded):
        note(family.name, "start")
        if family.name == "asylblg":
            asylblg_started.set()
        if family.name == "genesis":
            note(family.name, "loaded" if asylblg_started.wait(5) else "loaded alone")
        checked_against_loaded()
        note(family.name, "checked")
        return family.name

    families = [family("genesis"), family("sgb2", checked_against=("genesis",)),
                family("asylblg", checked_against=("genesis",))]
    outcomes = run_families(families, work)
    assert {name: o.value for name, o in outcomes.items()} == {f.name: f.name for f in families}
    assert ("genesis", "loaded") in events, events
    position = {event: i for i, event in enumerate(events)}
    assert position[("asylblg", "start")] < position[("genesis", "loaded")] < position[("sgb2", "checked")]


def test_a_family_with_nothing_to_check_is_reported_after_what_it_needs():
    # Asylbewerberleistungen have nothing new: they finish at once, long before GENESIS; their outcome still
    # comes after GENESIS' (Dagster refuses materialisations of a multi-asset out of the asset graph's order)
    def work(cursor, family, checked_against_loaded):
        if family.name == "genesis":
            time.sleep(0.3)
        return time.monotonic()

    families = [family("gebietsstand"), family("genesis", after=("gebietsstand",)),
                family("asylblg", checked_against=("genesis",)), family("bericht", after=("asylblg",))]
    con = duckdb.connect()
    try:
        outcomes = list(load_families(con, families, work, workers=2))
    finally:
        con.close()
    finished = {o.family: o.value for o in outcomes}
    assert finished["asylblg"] < finished["genesis"]
    assert [o.family for o in outcomes] == ["gebietsstand", "genesis", "asylblg", "bericht"]


def test_families_with_nothing_new_beside_the_population_are_materialised_in_the_asset_graphs_order(paths):
    # a region that receives GENESIS tables only (as the Germany build): families checked against GENESIS have
    # nothing new and finish before it, and the step still succeeds (Dagster refuses a multi-asset's outputs out of
    # the asset graph's order: load_families reports them after GENESIS)
    for folder in paths.landing.iterdir():
        if folder.is_dir() and folder.name != "genesis":
            shutil.rmtree(folder)
    # GX imported beforehand in this process's GX process, as in a build (which starts it before the step): its
    # import (seconds, once per process) would delay whichever family validates first, here the Melderegister
    # that every family checked against the population waits for; the order under test is the scheduler's
    from orchestration.quality.runner import gx_process

    gx_process().wait_ready()
    result = materialize(paths)
    assert result.success
    spans = loaded(result)
    assert set(spans) == {family.name for family in DELIVERIES}
    checked = [f.name for f in DELIVERIES if "genesis" in f.checked_against]
    early = [name for name in checked if spans[name][1] < spans["genesis"][1]]
    assert early, {name: spans[name] for name in [*checked, "genesis"]}  # the case under test happened


def test_a_failed_family_leaves_out_what_is_checked_against_it_whether_started_or_not():
    started = threading.Event()

    def work(cursor, family, checked_against_loaded):
        if family.name == "genesis":
            started.wait(5)  # SGB II has started and loaded
            raise RuntimeError("kaputt")
        if family.name == "sgb2":
            started.set()
            time.sleep(0.3)  # GENESIS fails while SGB II still loads: AsylbLG never gets a turn
        checked_against_loaded()
        return "angenommen"

    families = [family("genesis"), family("sgb2", checked_against=("genesis",)),
                family("asylblg", checked_against=("genesis",)), family("jugendhilfe"),
                family("bericht", after=("sgb2",))]
    outcomes = run_families(families, work)
    assert str(outcomes["genesis"].error) == "kaputt"
    assert outcomes["sgb2"].skipped == "genesis" and outcomes["sgb2"].started  # started, its check stopped
    assert outcomes["asylblg"].skipped == "genesis" and not outcomes["asylblg"].started  # never started
    assert outcomes["bericht"].skipped == "sgb2" and not outcomes["bericht"].started
    assert outcomes["jugendhilfe"].value == "angenommen"


def test_families_that_are_checked_against_each_other_in_a_circle_are_refused():
    families = [family("a", checked_against=("b",)), family("b", after=("a",))]
    with pytest.raises(RuntimeError, match=r"the families \['a', 'b'\] wait for each other"):
        run_families(families, lambda cursor, family, checked_against_loaded: None)
