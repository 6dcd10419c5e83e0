"""The used size of one worksheet of an .xlsx workbook, read from its dimension record (`<dimension ref="A1:K39"/>`).

The values are those of openpyxl's read-only `max_row` / `max_column` (which read the same record), without
loading the workbook: the zip's package relationships lead to the workbook part, its sheet list and
relationships to the sheet's part, and the sheet part is parsed only up to the record (it stands before
the cell data). Styles, shared strings and cells are never read, so this costs well under a millisecond,
where openpyxl's `load_workbook` parses the styles and shared strings of every workbook first.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

_OFFICE_DOCUMENT = "/officeDocument"  # the end of the relationship type of the workbook part
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CHUNK = 1024
_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?")


class SheetMissing(LookupError):
    """The workbook has no sheet of that name; `names` are the sheets it has, in workbook order."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """id -> (type, target part) of the relationships of `part` ('' for the package)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    result = {}
    for rel in ElementTree.fromstring(archive.read(rels)).iter(_RELS):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        result[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return result


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def sheet_size(path: Path, sheet: str) -> tuple[int, int] | None:
    """(max_row, max_column) of `sheet` from its dimension record; None when it has none (or an unusual one).
    Raises SheetMissing when the workbook has no such sheet; any other exception means: not a readable .xlsx
    workbook (not a zip, parts missing, malformed XML)."""
    with zipfile.ZipFile(path) as archive:
        workbook = next(target for kind, target in _relationships(archive, "").values()
                        if kind.endswith(_OFFICE_DOCUMENT))
        sheets: dict[str, str] = {}
        for element in ElementTree.fromstring(archive.read(workbook)).iter():
            if _local(element.tag) == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                sheets.setdefault(element.get("name", ""), rid)
        if sheet not in sheets:
            raise SheetMissing(list(sheets))
        _, part = _relationships(archive, workbook)[sheets[sheet]]
        parser = ElementTree.XMLPullParser(events=("start",))
        with archive.open(part) as source:
            while chunk := source.read(_CHUNK):  # small chunks: the record stands near the top
                parser.feed(chunk)
                for _, element in parser.read_events():
                    name = _local(element.tag)
                    if name == "dimension":
                        match = _REF.fullmatch(element.get("ref", "").strip())
                        if not match:
                            return None
                        last_col, last_row = (match.group(3), match.group(4)) if match.group(3) else match.group(1, 2)
                        return int(last_row), _column_number(last_col)
                    if name == "sheetData":
                        return None
    return None
