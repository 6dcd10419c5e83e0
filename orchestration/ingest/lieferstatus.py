"""The state of every delivery, for all families: `raw.ingest__lieferstatus` (append-only log).

One row per change of state of a delivery (`familie`, `sha256`, `datei`); the newest row (`nr`) is its
current state:

| status | meaning | in the mart? |
|---|---|---|
| `neu` | loaded into raw, not yet audited (its family's checks run next) | no |
| `angenommen` | audited and accepted | yes (if current for its period) |
| `abgelehnt` | loaded, then refused (conflict with another delivery of the same period, or its family's checks failed); rows stay in raw as history, the file is in quarantine | no |
| `quarantaene` | refused before loading (unreadable, symbolic link, wrong ending …); `sha256` is empty when the file was never opened | no |
| `zurueckgezogen` | taken back by `sozialmonitor retract`; rows stay in raw as history | no |

Deliveries loaded before this log existed have no row and count as `angenommen`. The dbt staging
models (macro `lieferung_gueltig`), the GX suites and the publisher read this table; nothing deletes
from it.

Conflicts: two deliveries of one family for the same period (the period key is the one staging
partitions by: SGB II Berichtsmonat, Grundsicherung, Wohngeld and AsylbLG Stichtag, Melderegister Satzart
(Einwohner, Haushalte) × Stichtag × AGS, Jugendhilfe Satzart × Exportjahr, GENESIS Tabelle × Zeit) cannot
both be valid unless one is a declared correction that ranks higher: a newer `Stand` for GENESIS tables, the file-name suffix `_korrektur`
(`_korrektur2`, … for further corrections) for the other families. A new delivery that does not rank
above every valid delivery of one of its periods is refused, and so are new deliveries that tie with
each other. Where a family records the cell that carries the period (SGB II: the `Berichtsmonat:` line,
`ORTE_SQL`), the reason starts with `<file>, line <n>, column <c>:` like a DeliveryError.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from orchestration.ingest.delivery import korrektur_rang

TABLE = "raw.ingest__lieferstatus"
NEU, ANGENOMMEN, ABGELEHNT, QUARANTAENE, ZURUECKGEZOGEN = "neu", "angenommen", "abgelehnt", "quarantaene", "zurueckgezogen"
REFUSED = (ABGELEHNT, QUARANTAENE)

# Per family: (sha256, datei, periode, stand) of every loaded delivery, periode as staging partitions.
PERIODEN_SQL: dict[str, str] = {
    "genesis": """
        SELECT DISTINCT w.sha256, l.datei, w.tabelle || ' ' || w.zeit AS periode, l.stand
        FROM raw.genesis__werte w JOIN raw.genesis__lieferungen l USING (sha256)""",
    "sgb2": """
        SELECT DISTINCT w.sha256, w.datei, strftime(w.berichtsmonat, '%Y-%m') AS periode, NULL::TIMESTAMP AS stand
        FROM raw.sgb2__gemeinde_monat w
        UNION ALL
        SELECT DISTINCT w.sha256, w.datei, 'Ortsteile ' || strftime(w.berichtsmonat, '%Y-%m'), NULL::TIMESTAMP
        FROM raw.sgb2__ortsteil_monat w""",
    "melderegister": """
        SELECT DISTINCT w.sha256, w.datei, strftime(w.stichtag, '%d.%m.%Y') || ' ' || w.ags AS periode,
               NULL::TIMESTAMP AS stand
        FROM raw.melderegister__einwohner w
        UNION ALL
        SELECT DISTINCT w.sha256, w.datei, 'Haushalte ' || strftime(w.stichtag, '%d.%m.%Y') || ' ' || w.ags,
               NULL::TIMESTAMP
        FROM raw.melderegister__haushalte w""",
    "jugendhilfe": """
        SELECT sha256, datei, satzart || ' ' || coalesce(berichtszeitraum,
               regexp_extract(datei, '(\\d{4})\\D*$', 1)) AS periode, NULL::TIMESTAMP AS stand
        FROM raw.jugendhilfe__lieferungen""",
    # the annual counts of the Sozialamt, the AsylbLG office and the Wohngeldstelle: one Stichtag per file
    **{familie: f"""
        SELECT DISTINCT w.sha256, w.datei, strftime(w.stichtag, '%d.%m.%Y') AS periode, NULL::TIMESTAMP AS stand
        FROM raw.{tabelle} w""" for familie, tabelle in (("grundsicherung", "grundsicherung__empfaenger"),
                                                       ("asylblg", "asylblg__empfaenger"),
                                                       ("wohngeld", "wohngeld__haushalte"))},
    # the measure list: one complete list per Stand (file name); the newest Stand is current
    "massnahmen": """
        SELECT DISTINCT sha256, datei, 'Stand ' || strftime(stand, '%Y-%m-%d') AS periode, NULL::TIMESTAMP AS stand
        FROM raw.massnahmen__massnahmen""",
    # the facility register: each file is the complete register at its date, the newest replaces (no periods)
    "einrichtungen": """
        SELECT sha256, datei, NULL::VARCHAR AS periode, NULL::TIMESTAMP AS stand FROM raw.einrichtungen__lieferungen""",
    # one key per level and target Gebietsstand (a replacement for the same target year is a correction)
    "gebietsstand": """
        SELECT sha256, datei, 'Schlüssel ' || ebene || ' → ' || ziel_jahr AS periode, NULL::TIMESTAMP AS stand
        FROM raw.gebietsstand__lieferungen""",
}

# Per raw table: the period its rows are current for, as dbt staging partitions them (macros
# `aktuelle_lieferung`, `jugendhilfe_aktueller_export`): `(partition expressions, join)`. `create_current_views`
# turns each into the view `aktuell.<table>`, the rows the GX suites check.
_EXPORTJAHR = ("coalesce(try_cast(left(CAST(l.berichtszeitraum AS VARCHAR), 4) AS INTEGER), "
               "try_cast(regexp_extract(w.datei, '(\\d{4})\\D*$', 1) AS INTEGER))")
_JUGENDHILFE = ((_EXPORTJAHR,), "LEFT JOIN raw.jugendhilfe__lieferungen l ON l.sha256 = w.sha256")
AKTUELL: dict[str, tuple[tuple[str, ...], str]] = {
    "genesis__werte": (("w.tabelle", "w.zeit"), ""),
    "sgb2__gemeinde_monat": (("w.berichtsmonat",), ""),
    "sgb2__ortsteil_monat": (("w.berichtsmonat",), ""),
    "grundsicherung__empfaenger": (("w.stichtag",), ""),
    "grundsicherung__leistungen": (("w.stichtag",), ""),
    "asylblg__empfaenger": (("w.stichtag",), ""),
    "wohngeld__haushalte": (("w.stichtag",), ""),
    "melderegister__einwohner": (("w.stichtag", "w.ags"), ""),
    "melderegister__haushalte": (("w.stichtag", "w.ags"), ""),
    "massnahmen__massnahmen": (("true",), ""),  # one complete list: the newest Stand replaces the others
    "einrichtungen__einrichtungen": (("NULL",), ""),  # the newest register as a whole
    "jugendhilfe__hilfen": _JUGENDHILFE,
    "jugendhilfe__gefaehrdungen": _JUGENDHILFE,
    "jugendhilfe__inobhutnahmen": _JUGENDHILFE,
}

# Per family (optional): (sha256, line, column) of the cell in the file that names its period.
ORTE_SQL: dict[str, str] = {
    "sgb2": "SELECT sha256, berichtsmonat_zeile, berichtsmonat_spalte FROM raw.sgb2__lieferungen",
}


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SEQUENCE IF NOT EXISTS raw.ingest__lieferstatus_nr")
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            nr BIGINT NOT NULL DEFAULT nextval('raw.ingest__lieferstatus_nr'),
            familie VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,          -- '' for a file that was never opened (e.g. a symbolic link)
            datei VARCHAR NOT NULL,
            status VARCHAR NOT NULL,          -- neu | angenommen | abgelehnt | quarantaene | zurueckgezogen
            grund VARCHAR,                    -- why (refusal, retraction): file, line, column, expectation
            quarantaene_datei VARCHAR,        -- where the file went (LANDING/_quarantine/…)
            run_id VARCHAR,
            am TIMESTAMP NOT NULL
        )""")
    # what the audits and checks leave out: deliveries whose current state is a refusal or a retraction
    # (`neu` ones are what an audit judges, so they stay in)
    con.execute(f"""
        CREATE OR REPLACE VIEW raw.ingest__ausgeschlossen AS
        SELECT familie, sha256, datei, status FROM {TABLE} WHERE sha256 <> ''
        QUALIFY row_number() OVER (PARTITION BY familie, sha256 ORDER BY nr DESC) = 1
            AND status IN ('{ABGELEHNT}', '{QUARANTAENE}', '{ZURUECKGEZOGEN}')""")


def create_current_views(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """The view `aktuell.<table>` for each of `tables` listed in `AKTUELL`: the rows of the current delivery
    of each period among those not refused or retracted (`neu` ones included: they are what an audit
    judges). Current is the newest `Stand` (GENESIS), then the newest load, then the larger sha256 —
    the order of dbt's macro `ist_aktuelle_lieferung`. A replaced delivery stays in raw as history.

    The deliveries are ranked per period once (one row per period and delivery, `lieferungen`) and the rows
    of the winners are kept by a semi join (NULLs match like in a window partition): the same rows as a
    window over every row, without sorting all of them (the Germany-wide GENESIS values: 0.1 s instead of
    0.9 s to count them, per suite that reads them)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS aktuell")
    for table in tables:
        if table not in AKTUELL:
            continue
        partition, join = AKTUELL[table]
        periode = [f"_periode_{i}" for i in range(len(partition))]
        rang = [*(["stand"] if table in ("genesis__werte", "massnahmen__massnahmen") else []), "geladen_am", "sha256"]
        keys = [*periode, *rang]  # one row per period and delivery
        order = ", ".join(f"{key} DESC" for key in rang)
        con.execute(f"""
            CREATE OR REPLACE VIEW aktuell.{table} AS
            WITH gueltig AS (
                SELECT w.*, {", ".join(f"{expr} AS {name}" for expr, name in zip(partition, periode, strict=True))}
                FROM raw.{table} w {join}
                WHERE w.sha256 NOT IN (SELECT sha256 FROM raw.ingest__ausgeschlossen)
            ),
            lieferungen AS (
                SELECT {", ".join(keys)} FROM gueltig GROUP BY {", ".join(keys)}
                QUALIFY dense_rank() OVER (PARTITION BY {", ".join(periode)} ORDER BY {order}) = 1
            )
            SELECT w.* EXCLUDE ({", ".join(periode)}) FROM gueltig w
            SEMI JOIN lieferungen a ON {" AND ".join(f"w.{key} IS NOT DISTINCT FROM a.{key}" for key in keys)}""")


def record(con: duckdb.DuckDBPyConnection, familie: str, sha256: str, datei: str, status: str,
           grund: str | None = None, quarantaene_datei: str | None = None, run_id: str | None = None) -> None:
    con.execute(
        f"INSERT INTO {TABLE} (familie, sha256, datei, status, grund, quarantaene_datei, run_id, am) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [familie, sha256, datei, status, grund, quarantaene_datei, run_id, dt.datetime.now()],
    )


def record_many(con: duckdb.DuckDBPyConnection, familie: str, deliveries: Sequence[tuple[str, str]], status: str,
                run_id: str | None = None) -> None:
    """`record` of one status (without a reason) for many deliveries, (sha256, datei) each, in one statement."""
    if not deliveries:
        return
    con.execute(
        f"INSERT INTO {TABLE} (familie, sha256, datei, status, run_id, am) "
        "SELECT $familie, unnest($sha256), unnest($datei), $status, $run_id, $am",
        {"familie": familie, "sha256": [sha for sha, _ in deliveries], "datei": [datei for _, datei in deliveries],
         "status": status, "run_id": run_id, "am": dt.datetime.now()},
    )


@dataclass(frozen=True)
class State:
    familie: str
    sha256: str
    datei: str
    status: str
    grund: str | None
    am: dt.datetime


def current(con: duckdb.DuckDBPyConnection, familie: str | None = None) -> dict[str, State]:
    """sha256 -> current state (deliveries of `familie`, or all)."""
    rows = con.execute(
        f"SELECT familie, sha256, datei, status, grund, am FROM {TABLE} "
        "WHERE sha256 <> '' AND (? IS NULL OR familie = ?) QUALIFY row_number() OVER (PARTITION BY familie, sha256 "
        "ORDER BY nr DESC) = 1",
        [familie, familie],
    ).fetchall()
    return {r[1]: State(*r) for r in rows}


def in_state(con: duckdb.DuckDBPyConnection, familie: str, status: str) -> list[State]:
    return sorted((s for s in current(con, familie).values() if s.status == status), key=lambda s: s.datei)


@dataclass(frozen=True)
class Conflict:
    sha256: str
    datei: str
    reason: str


def conflicts(con: duckdb.DuckDBPyConnection, familie: str) -> list[Conflict]:
    """New (`neu`) deliveries of `familie` that may not become valid (see module doc)."""
    states = current(con, familie)
    new = {sha for sha, s in states.items() if s.status == NEU}
    if not new:
        return []
    invalid = {sha for sha, s in states.items() if s.status in (ABGELEHNT, QUARANTAENE, ZURUECKGEZOGEN)}
    rows = con.execute(PERIODEN_SQL[familie]).fetchall()
    periods: dict[str, list[tuple[str, str, object]]] = defaultdict(list)
    for sha, datei, periode, stand in rows:
        if sha in invalid or periode is None:
            continue
        rank = stand if familie == "genesis" else korrektur_rang(datei)
        periods[periode].append((sha, datei, rank))
    orte = _orte(con, familie)
    refused: dict[str, Conflict] = {}
    for periode, members in sorted(periods.items()):
        if len({m[0] for m in members}) < 2:
            continue
        old = [m for m in members if m[0] not in new]
        fresh = [m for m in members if m[0] in new]
        old_top = max((m[2] for m in old), default=None)
        if old_top is not None:
            holder = max(old, key=lambda m: m[2])
            for sha, datei, rank in fresh:
                if rank <= old_top and sha not in refused:
                    refused[sha] = Conflict(sha, datei, _ort(datei, orte.get(sha))
                                            + _reason(familie, periode, holder[1], datei, orte.get(holder[0])))
        left = [m for m in fresh if m[0] not in refused]
        by_rank: dict[object, list] = defaultdict(list)
        for m in left:
            by_rank[m[2]].append(m)
        for tied in by_rank.values():
            if len(tied) > 1:
                for sha, datei, _ in tied:
                    others = ", ".join(sorted(d for s, d, _ in tied if s != sha))
                    refused[sha] = Conflict(sha, datei, _ort(datei, orte.get(sha))
                                            + f"Konflikt: {datei} und {others} liefern beide "
                                                        f"{_periode_text(familie, periode)}; keine ist als "
                                                        f"Korrektur gekennzeichnet: beide abgelehnt")
    return sorted(refused.values(), key=lambda c: c.datei)


def _orte(con: duckdb.DuckDBPyConnection, familie: str) -> dict[str, tuple[int, str]]:
    """sha256 -> (line, column) of the cell naming the period, for families that record it."""
    if familie not in ORTE_SQL:
        return {}
    rows = con.execute(ORTE_SQL[familie]).fetchall()
    return {sha: (zeile, spalte) for sha, zeile, spalte in rows if zeile is not None}


def _ort(datei: str, ort: tuple[int, str] | None) -> str:
    """`<file>, line <n>, column <c>: ` (as a DeliveryError names a place), or '' when unknown."""
    return f"{datei}, line {ort[0]}, column {ort[1]}: " if ort else ""


def _periode_text(familie: str, periode: str) -> str:
    return f"den Zeitraum {periode}" if familie != "genesis" else f"Tabelle/Zeit {periode}"


def _reason(familie: str, periode: str, holder: str, datei: str, holder_ort: tuple[int, str] | None = None) -> str:
    if familie == "genesis":
        how = "eine Lieferung mit neuerem 'Stand:' ersetzt sie"
    else:
        how = f"eine Korrektur heißt z. B. {_korrektur_name(holder)}"
    where = f" (dort line {holder_ort[0]}, column {holder_ort[1]})" if holder_ort else ""
    return (f"Konflikt: für {_periode_text(familie, periode)} gilt bereits {holder}{where}; {datei} ist nicht als "
            f"Korrektur gekennzeichnet ({how}; oder erst `sozialmonitor retract {holder}`)")


def _korrektur_name(datei: str) -> str:
    from pathlib import Path

    gz = ".gz" if datei.lower().endswith(".gz") else ""
    p = Path(datei[:-3] if gz else datei)
    rank = korrektur_rang(datei)
    stem = p.stem
    if rank:
        import re

        stem = re.sub(r"[_-]korrektur\d*$", "", stem, flags=re.IGNORECASE)
        return f"{stem}_korrektur{rank + 1}{p.suffix}{gz}"
    return f"{stem}_korrektur{p.suffix}{gz}"


# ------------------------------------------------------------------------------------- family status


@dataclass(frozen=True)
class FamilyStatus:
    familie: str
    veraltet: bool
    letzte_annahme: dt.datetime | None
    abgelehnt: list[State]  # refusals after the newest accepted delivery (make the family stale)


def family_status(con: duckdb.DuckDBPyConnection, families: Iterable[str], table: str = TABLE) -> list[FamilyStatus]:
    """Per family: is it stale? It is while a delivery refused in (or after) the run of its newest
    accepted delivery is still refused: that delivery's data are missing from the mart."""
    out = []
    for familie in families:
        rows = con.execute(
            f"SELECT familie, sha256, datei, status, grund, am, nr, run_id FROM {table} WHERE familie = ? ORDER BY nr",
            [familie],
        ).fetchall()
        accepted = [r for r in rows if r[3] == ANGENOMMEN]
        if accepted:
            newest = accepted[-1]
            since = min(r[6] for r in rows if r[7] == newest[7]) if newest[7] else newest[6]
        else:
            since = 0
        latest: dict[tuple[str, str], tuple] = {}
        for r in rows:
            latest[(r[1], "" if r[1] else r[2])] = r
        refused = [State(*r[:6]) for r in latest.values() if r[3] in REFUSED and r[6] >= since]
        out.append(FamilyStatus(familie, bool(refused), accepted[-1][5] if accepted else None,
                                sorted(refused, key=lambda s: s.am)))
    return out
