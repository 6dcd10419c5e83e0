"""The Straßenverzeichnis of a region profile (`seeds/regions/<name>/strassenverzeichnis.csv`, optional):
`ags,strasse,hausnummer_von,hausnummer_bis,seite,ortsteil_schluessel`,
the Straßenverzeichnis that assigns an address to its Ortsteil (`seite` gerade | ungerade | alle, empty = alle;
empty `hausnummer_von`/`hausnummer_bis` = the whole street). Checked like the other files: the Ortsteil must be
one of `ortsteile.csv` for that Gemeinde, the numbers whole numbers with von ≤ bis, and two lines of the same
street (compared normalised, see `STRASSE_NORM_SQL`) must not cover the same house number. It is read, not
stored: Melderegister extracts with addresses (`strasse;hausnummer`) are matched against it at ingest and
only the Ortsteil key is kept, so no street name reaches the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest.delivery import DeliveryError
from orchestration.ingest.region import check_ags, read_csv_lines

STRASSEN_FILE = "strassenverzeichnis.csv"
STRASSEN_HEADER = ["ags", "strasse", "hausnummer_von", "hausnummer_bis", "seite", "ortsteil_schluessel"]
HAUSNUMMER_MAX = 99999  # an open range end
# A street name compared across the Straßenverzeichnis and the Melderegister: lower case, ä/ö/ü/ß spelt out,
# "Straße"/"Strasse"/"Str." alike, and everything but letters and digits dropped (spaces, hyphens, dots), so
# "Ernst-Ludwig-Straße" = "Ernst Ludwig Str." = "ernst-ludwig-strasse".
STRASSE_NORM_SQL = (
    "regexp_replace(replace(replace(replace(replace(replace(lower(trim({x})), 'ß', 'ss'), 'ä', 'ae'), 'ö', 'oe'), "
    "'ü', 'ue'), 'strasse', 'str'), '[^a-z0-9]', '', 'g')")


def read_strassenverzeichnis(con: duckdb.DuckDBPyConnection, path: Path, prefix: str, table: str) -> int:
    """strassenverzeichnis.csv into temp `table (zeile, ags, strasse_norm, von, bis, seite, ortsteil)`, checked
    against raw.region__ortsteile; DeliveryError naming line and column for a bad line. Returns the line count."""
    columns = read_csv_lines(con, path, "_region_sv")
    if columns != STRASSEN_HEADER:
        raise DeliveryError(path, f"expected the header {','.join(STRASSEN_HEADER)}, found {','.join(columns)}",
                            line=1)
    check_ags(con, path, "_region_sv", prefix, once=False)
    number = "^[0-9]{1,5}$"
    for check, problem, column in (
        ("trim(coalesce(strasse, '')) = '' OR " + STRASSE_NORM_SQL.format(x="strasse") + " = ''",
         "strasse {value!r} is empty: every line needs a street name", "strasse"),
        (f"NOT regexp_matches(coalesce(trim(hausnummer_von), '0'), '{number}')",
         "hausnummer_von {value!r} is not a whole number (expected e.g. 1, or empty for the whole street)",
         "hausnummer_von"),
        (f"NOT regexp_matches(coalesce(trim(hausnummer_bis), '0'), '{number}')",
         "hausnummer_bis {value!r} is not a whole number (expected e.g. 99, or empty for the whole street)",
         "hausnummer_bis"),
        ("coalesce(trim(hausnummer_von), '0')::INTEGER > coalesce(trim(hausnummer_bis), '99999')::INTEGER",
         "hausnummer_von {value!r} is greater than hausnummer_bis: expected von ≤ bis", "hausnummer_von"),
        ("lower(coalesce(trim(seite), 'alle')) NOT IN ('alle', 'gerade', 'ungerade')",
         "seite {value!r} is not gerade, ungerade or alle (empty = alle)", "seite"),
        ("NOT EXISTS (SELECT 1 FROM raw.region__ortsteile o WHERE o.ags = trim(t.ags) "
         "AND o.ortsteil_schluessel = trim(t.ortsteil_schluessel))",
         "ortsteil_schluessel {value!r} is not an Ortsteil of this Gemeinde in ortsteile.csv", "ortsteil_schluessel"),
    ):
        bad = con.execute(f"SELECT zeile, {column} FROM _region_sv AS t WHERE {check} ORDER BY zeile LIMIT 1"
                          ).fetchone()
        if bad:
            raise DeliveryError(path, problem.format(value=bad[1]), line=bad[0], column=column)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT zeile, trim(ags) AS ags, {STRASSE_NORM_SQL.format(x="strasse")} AS strasse_norm,
               coalesce(trim(hausnummer_von), '0')::INTEGER AS von,
               coalesce(trim(hausnummer_bis), '{HAUSNUMMER_MAX}')::INTEGER AS bis,
               lower(coalesce(trim(seite), 'alle')) AS seite, trim(ortsteil_schluessel) AS ortsteil
        FROM _region_sv""")
    con.execute("DROP TABLE _region_sv")
    # two lines of one street sharing a house number: same or intersecting side and overlapping ranges
    overlap = con.execute(f"""
        SELECT b.zeile, a.zeile FROM {table} a JOIN {table} b
          ON a.ags = b.ags AND a.strasse_norm = b.strasse_norm AND a.zeile < b.zeile
         AND a.von <= b.bis AND b.von <= a.bis
         AND (a.seite = 'alle' OR b.seite = 'alle' OR a.seite = b.seite)
        ORDER BY b.zeile LIMIT 1""").fetchone()
    if overlap:
        raise DeliveryError(path, f"the house number range overlaps line {overlap[1]} of the same street: expected "
                                  f"each address in one line only (split by seite gerade/ungerade or by range)",
                            line=overlap[0], column="hausnummer_von")
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
