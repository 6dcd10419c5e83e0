"""Melderegister extracts: typed rows, row checks, duplicates, file-level errors, always-present tables."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb

from orchestration.ingest.melderegister import load_melderegister
from orchestration.ingest.region import load_region
from orchestration.ingest.runner import Options
from orchestration.settings import Paths
from tests.ingest.conftest import CountingConnection, write_lines

REGION = SimpleNamespace(ags_prefix="06432")
HEADER = "stichtag;ags;ortsteil;geschlecht;alter;anzahl"


def good_lines(stichtag: str = "31.12.2016") -> list[str]:
    lines = []
    for ags in ("06432001", "06432002"):
        for sex in "mw":
            for age in range(0, 101):
                lines.append(f"{stichtag};{ags};;{sex};{age};{(age * 7 + len(sex)) % 40 + 1}")
    lines.append(f"{stichtag};06432001;;d;30;1")
    return lines


def test_loads_typed_rows(paths, con, write):
    lines = good_lines()
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines])
    result = load_melderegister(con, paths, REGION)
    assert not result.failed and result.rejected == 0
    assert result.rows["raw.melderegister__einwohner"] == len(lines) == 405
    assert con.execute("SELECT typeof(stichtag), typeof(alter), typeof(anzahl), typeof(ags) "
                       "FROM raw.melderegister__einwohner LIMIT 1").fetchone() == ("DATE", "INTEGER", "BIGINT", "VARCHAR")
    expected = sum(int(line.rsplit(";", 1)[1]) for line in lines)
    assert con.execute("SELECT sum(anzahl) FROM raw.melderegister__einwohner").fetchone() == (expected,)
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner WHERE ortsteil IS NOT NULL").fetchone() == (0,)
    assert con.execute("SELECT berichtszeitraum, ist_demodaten FROM raw.melderegister__lieferungen").fetchall() == [
        ("2016-12-31", False)]


def test_row_checks(paths, con, write):
    bad = [
        "31.12.2016;06432003;;x;5;1",          # sex
        "31.12.2016;06432003;;m;101;1",        # age
        "31.12.2016;06432003;;m;-1;1",         # age
        "31.12.2016;06432003;;m;7;-3",         # anzahl
        "31.12.2016;064320011;;m;7;3",         # AGS not 8 digits
        "31.12.2016;06411000;;m;7;3",          # outside the region
        "30.06.2016;06432003;;m;8;3",          # stichtag differs from the file name
        "31.12.2016;06432001;;m;0;99",         # conflicts with the good row of the same key
        "31.12.2016;06432002;;w;5;" + str((5 * 7 + 1) % 40 + 1),  # identical repetition
    ]
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *good_lines(), *bad])
    result = load_melderegister(con, paths, REGION, options=Options(max_reject_share=0.05))
    assert not result.failed, result.quarantined
    assert result.rejected == 10  # 9 bad rows + the good row that conflicts
    reasons = [r for r, in con.execute("SELECT grund FROM raw.melderegister__rejects ORDER BY zeile").fetchall()]
    assert reasons[0] == "stichtag/ags/ortsteil/geschlecht/alter mehrfach mit verschiedener anzahl"
    assert reasons[1:] == [
        "geschlecht: erwartet m, w oder d", "alter: erwartet ganze Zahl 0-100", "alter: erwartet ganze Zahl 0-100",
        "anzahl: erwartet ganze Zahl ≥ 0", "ags: erwartet 8-stelligen AGS", "ags außerhalb der Region",
        "stichtag weicht vom Datum im Dateinamen ab",
        "stichtag/ags/ortsteil/geschlecht/alter mehrfach mit verschiedener anzahl",
        "Datensatz doppelt (identische Wiederholung)",
    ]
    assert con.execute("SELECT count(*) FROM raw.melderegister__einwohner").fetchone() == (404,)


def test_reject_share_above_limit_fails_file_and_keeps_earlier_loads(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20151231.csv", [HEADER, *good_lines("31.12.2015")])
    assert not load_melderegister(con, paths, REGION).failed
    lines = good_lines()
    lines[:10] = [line.replace(";m;", ";q;") for line in lines[:10]]  # 10 of 405 = 2.5 %
    write(paths.landing / "melderegister" / "melderegister_20161231.csv", [HEADER, *lines])
    result = load_melderegister(con, paths, REGION)
    (path, reason), = result.quarantined
    assert "10 of 405 records rejected" in reason and "line 2: geschlecht" in reason
    assert con.execute("SELECT count(*), min(stichtag)::VARCHAR, max(stichtag)::VARCHAR "
                       "FROM raw.melderegister__einwohner").fetchone() == (405, "2015-12-31", "2015-12-31")
    assert con.execute("SELECT count(*) FROM raw.melderegister__rejects").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM raw.melderegister__lieferungen").fetchone() == (1,)


def test_missing_columns_and_binary_file(paths, con, write):
    write(paths.landing / "melderegister" / "melderegister_20161231.csv",
          ["stichtag;ags;geschlecht;alter", "31.12.2016;06432001;m;5"])
    (paths.landing / "melderegister" / "melderegister_20171231.csv").write_bytes(
        "stichtag;ags;ortsteil;geschlecht;alter;anzahl\n".encode("utf-16"))
    result = load_melderegister(con, paths, REGION)
    reasons = {p.name: r for p, r in result.quarantined}
    assert "missing required column(s) ortsteil, anzahl" in reasons["melderegister_20161231.csv"]
    assert "undecodable byte" in reasons["melderegister_20171231.csv"]


def test_tables_exist_without_deliveries(paths, con):
    load_melderegister(con, paths, REGION)
    cols = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                            "WHERE table_name = 'melderegister__einwohner'").fetchall())
    assert cols["alter"] == "INTEGER" and cols["stichtag"] == "DATE" and cols["geladen_am"] == "TIMESTAMP"
    assert con.execute("SELECT count(*) FROM raw.melderegister__rejects").fetchone() == (0,)


def test_the_files_of_a_run_are_read_together_each_as_if_alone(tmp_path):
    """All new files of a run are read and checked together: every file gets exactly the rows, rejects, hints and
    outcome it gets when it is delivered alone (residents with Ortsteil keys, nationality or addresses, households,
    and files refused for each kind of problem among them), and the queries do not grow with the files (fewer than
    two files' worth for ten)."""
    from tests.ingest.test_melderegister_ortsteile import HAUSHALTE
    from tests.ingest.test_melderegister_ortsteile import lines as ortsteil_lines
    from tests.ingest.test_melderegister_strassen import HEADER as ADRESSEN
    from tests.ingest.test_melderegister_strassen import lines as address_lines
    from tests.ingest.test_melderegister_strassen import make_region

    region = make_region(tmp_path)
    mit_sa = f"{HEADER};staatsangehoerigkeit"
    households = [f"31.12.{{y}};{ags};;{typ};{n + 3}" for ags in ("06432001", "06432002")
                  for n, typ in enumerate(("einpersonen", "paar_ohne_kinder", "paar_mit_kindern", "sonstige"))]
    too_many = good_lines("31.12.2020")
    too_many[:10] = [line.replace(";m;", ";q;") for line in too_many[:10]]  # 10 of 405 rejected
    unknown_address = address_lines("31.12.2018")
    unknown_address.insert(10, "31.12.2018;06432018;Gibtsnichtweg;3;d;40;5")  # 1 of 1011: loaded, named
    files = {
        "melderegister_20151231.csv": [HEADER, *good_lines("31.12.2015"), "31.12.2015;06432003;;x;5;1"],
        "melderegister_20161231.csv": [HEADER, *ortsteil_lines()],
        "melderegister_20171231.csv": [mit_sa, *[f"{line};{('0', '000', '368')[i % 3]}"
                                                 for i, line in enumerate(good_lines("31.12.2017"))]],
        "melderegister_haushalte_20171231.csv": [HAUSHALTE, *[line.format(y=2017) for line in households]],
        "melderegister_20181231.csv": [ADRESSEN, *unknown_address],
        "melderegister_20191231.csv": [HEADER, *ortsteil_lines(stichtag="31.12.2019"), "31.12.2019;06432018;099;d;5;3"],
        "melderegister_20201231.csv": [HEADER, *too_many],
        "melderegister_haushalte_20201231.csv": [HAUSHALTE, *[line.format(y=2020).replace("sonstige", "wg")
                                                              for line in households]],
        "melderegister_20211231.csv": ["stichtag;ags;geschlecht;alter", "31.12.2021;06432001;m;5"],
        "melderegister_20221231.csv": [mit_sa, *[f"{line};{'910' if i == 7 else '000'}"
                                                 for i, line in enumerate(good_lines("31.12.2022"))]],
    }

    def load(folder, names) -> tuple[dict, int]:
        """Each file's outcome, hints and rows when `names` are delivered together; the queries it took."""
        paths = Paths(region=region.path, landing=folder / "landing", out=folder / "out")
        for name in names:
            write_lines(paths.landing / "melderegister" / name, files[name])
        paths.out.mkdir(parents=True)
        with duckdb.connect(str(paths.warehouse)) as con:
            load_region(con, region)
            counting = CountingConnection(con)
            result = load_melderegister(counting, paths, region)
            seen = {name: {"refused": None, "hints": [], "rows": {}} for name in names}
            for path, reason in result.quarantined:
                seen[path.name]["refused"] = reason
            for hint in result.hints:
                seen[hint.split("/", 1)[1].split(":", 1)[0]]["hints"].append(hint)
            for table in ("einwohner", "haushalte", "rejects"):
                for datei, *row in con.execute(f"SELECT datei, * EXCLUDE (datei, geladen_am, sha256) "
                                               f"FROM raw.melderegister__{table} ORDER BY rowid").fetchall():
                    seen[datei]["rows"].setdefault(table, []).append(tuple(row))
        return seen, counting.queries

    alone, queries = {}, []
    for number, name in enumerate(files):
        seen, count = load(tmp_path / f"alone{number}", [name])
        alone.update(seen)
        queries.append(count)
    together, count = load(tmp_path / "together", list(files))
    assert together == alone
    assert [name for name, seen in alone.items() if seen["refused"]] == [
        "melderegister_20191231.csv", "melderegister_20201231.csv", "melderegister_haushalte_20201231.csv",
        "melderegister_20211231.csv", "melderegister_20221231.csv"]
    assert alone["melderegister_20181231.csv"]["hints"] and alone["melderegister_20151231.csv"]["rows"]["rejects"]
    assert count < 2 * max(queries), (count, queries)


def test_files_are_read_together_in_batches_of_bounded_size(tmp_path, monkeypatch):
    """The files of a run are read together in consecutive batches of at most `runner.BATCH_BYTES` (a family's
    temporary tables hold a few times its input): with a limit of two files, four files and a broken one load in
    three batches, the broken one's batch file by file so that its error names it, and every file gets what it gets
    in one batch."""
    from orchestration.ingest import runner

    files = {f"melderegister_{year}1231.csv": [HEADER, *good_lines(f"31.12.{year}")] for year in (2015, 2016, 2018, 2019)}
    broken = good_lines("31.12.2017")
    broken[7] += ";9"  # one field too many in line 9
    files["melderegister_20171231.csv"] = [HEADER, *broken]
    size = len(("\n".join(files["melderegister_20151231.csv"]) + "\n").encode())

    def load(folder, limit=None):
        paths = Paths(region=folder / "region", landing=folder / "landing", out=folder / "out")
        for name, lines in files.items():
            write_lines(paths.landing / "melderegister" / name, lines)
        paths.out.mkdir(parents=True)
        calls = []
        real = runner.load_together

        def recording(con, lineages, *args):
            calls.append([lin.delivery.path.name for lin in lineages])
            return real(con, lineages, *args)

        with monkeypatch.context() as patch:
            patch.setattr(runner, "load_together", recording)
            if limit is not None:
                patch.setattr(runner, "BATCH_BYTES", limit)
            with duckdb.connect(str(paths.warehouse)) as con:
                result = load_melderegister(con, paths, REGION)
                rows = con.execute("SELECT datei, * EXCLUDE (datei, geladen_am) FROM raw.melderegister__einwohner "
                                   "ORDER BY rowid").fetchall()
        return sorted((p.name, r) for p, r in result.quarantined), rows, calls

    one = load(tmp_path / "one")
    bounded = load(tmp_path / "bounded", limit=2 * size + 10)
    assert bounded[:2] == one[:2]
    (name, reason), = one[0]
    assert name == "melderegister_20171231.csv" and "line 9: expected 6 fields" in reason
    assert len(one[1]) == 4 * 405
    assert one[2][0] == sorted(files)  # one batch of all five files, then each alone (the broken one among them)
    assert bounded[2] == [["melderegister_20151231.csv", "melderegister_20161231.csv"],
                          ["melderegister_20171231.csv", "melderegister_20181231.csv"],
                          ["melderegister_20171231.csv"], ["melderegister_20181231.csv"],
                          ["melderegister_20191231.csv"]]
