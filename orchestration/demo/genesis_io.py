"""Reading the real GENESIS extracts (as templates and calibration data) and writing demo tables in
exactly their layout.

A GENESIS CSV has three parts: the head (title lines, time line, 2–4 column header rows), the data
rows (`code;name;values…`, or `date;code;name;values…` in a few tables) and the footer (a line of
underscores, quoted notes, licence, `Stand: dd.mm.yyyy / hh:mm:ss`). A demo table keeps head and
footer of the real file line for line, inserts one demo marker line after the first title line and
one after the underscores, replaces the time labels and the `Stand:` line, and writes new values into
the same rows (same codes, same indented names, same columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DEMO_MARKER = "DEMODATEN – synthetisch erzeugt, keine echten Daten"
GENESIS_DEMO_TITLE = "DEMODATEN – synthetisch erzeugt, keine echten Daten (Layout wie GENESIS-Regionalstatistik)"
GENESIS_DEMO_FOOTER = (
    "DEMODATEN – synthetisch erzeugt, keine echten Daten: Sozialraum-Monitor-Demogenerator, "
    "kalibriert an veröffentlichten Werten; nur zum Testen."
)

_CODE = re.compile(r"^(DG|\d{2,12})$")


@dataclass
class GenesisTable:
    """A real GENESIS file split into head lines, data rows and footer lines (text kept as it is)."""

    path: Path
    head: list[str]
    rows: list[list[str]]  # fields of each data row
    footer: list[str]  # from the underscore line to the end (Stand line included)
    code_col: int = 0  # 1 in tables that put the date into column 1
    newline: str = "\n"
    by_code: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ncols(self) -> int:
        return len(self.rows[0])

    def values(self, code: str) -> list[str]:
        """The value fields of the row with this region code."""
        return self.by_code[code][self.code_col + 2:]

    def numbers(self, code: str) -> list[int]:
        return [int(v) for v in self.values(code)]


def read_genesis(path: Path) -> GenesisTable:
    data = path.read_bytes()
    text = data.decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if lines and lines[-1] == "":
        lines = lines[:-1]
    head: list[str] = []
    rows: list[list[str]] = []
    footer: list[str] = []
    code_col = 0
    state = "head"
    for line in lines:
        if state == "footer":
            footer.append(line)
            continue
        if line.startswith("__________"):
            state = "footer"
            footer.append(line)
            continue
        fields = line.split(";")
        if state == "head":
            # a data row has a region code *and* a name (as in orchestration.ingest.genesis); a time title
            # line such as `2015;;;…` (12711-01-03-5) also starts with 2-12 digits but has no name
            if _CODE.match(fields[0]) and len(fields) > 2 and fields[1].strip():
                state = "data"
            elif (re.match(r"^\d{2}\.\d{2}\.\d{4}$", fields[0]) and len(fields) > 3 and _CODE.match(fields[1])
                  and fields[2].strip()):
                state = "data"
                code_col = 1
            else:
                head.append(line)
                continue
        rows.append(fields)
    table = GenesisTable(path=path, head=head, rows=rows, footer=footer, code_col=code_col, newline=newline)
    table.by_code = {r[code_col]: r for r in rows}
    return table


def set_width(line: str, ncols: int) -> str:
    """A title line (text followed only by `;` padding) padded to `ncols` fields; other lines unchanged."""
    text, sep, rest = line.partition(";")
    if sep and rest.strip(";") == "":
        return text + ";" * (ncols - 1)
    return line


def render_demo(
    template: GenesisTable,
    head: list[str],
    rows: list[list[str]],
    stand: str,
) -> bytes:
    """Bytes of a demo table: `head` (already adapted), the demo title line after line 1, `rows`, footer."""
    ncols = len(rows[0])
    title = GENESIS_DEMO_TITLE + ";" * (ncols - 1)
    out = [head[0], title, *head[1:]]
    out += [";".join(r) for r in rows]
    footer = list(template.footer)
    footer.insert(1, GENESIS_DEMO_FOOTER)
    footer[-1] = f"Stand: {stand}"
    out += footer
    return (template.newline.join(out) + template.newline).encode("utf-8")


def retime_head(head: list[str], old: str, new: str) -> list[str]:
    """Head lines with the time label `old` replaced by `new` (whole fields or the `Jahr: ` line).

    Raises ValueError when the head has no such label: the demo table would otherwise keep the
    template's time and silently stand in for the real table's period.
    """
    out = []
    for line in head:
        fields = line.split(";")
        fields = [new if f == old else f.replace(f"Jahr: {old}", f"Jahr: {new}") for f in fields]
        out.append(";".join(fields))
    if out == head and old != new:
        raise ValueError(f"time label {old!r} not found in the head of the template table")
    return out
