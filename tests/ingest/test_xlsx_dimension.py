"""The sheet size the SGB II loader reads from a workbook's dimension record (orchestration/ingest/_xlsx.py) is
openpyxl's read-only max_row / max_column, without loading the workbook."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from orchestration.ingest._xlsx import SheetMissing, sheet_size


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Deckblatt"
    wb.active["A1"] = "Titel"
    ws = wb.create_sheet("Gemeinden")
    ws["B2"] = "AGS"
    ws["F30"] = 17
    wb.create_sheet("Fußnoten")["C3"] = "x"
    wb.save(path)
    return path


def _openpyxl_size(path: Path, sheet: str) -> tuple[int, int]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return wb[sheet].max_row, wb[sheet].max_column
    finally:
        wb.close()


def _rewrite_sheet(source: Path, target: Path, edit) -> Path:
    """A copy of the workbook with every worksheet part changed by `edit(xml text)`."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return target


def test_size_is_the_dimension_record_as_openpyxl_reads_it(tmp_path):
    path = _workbook(tmp_path / "mappe.xlsx")
    assert sheet_size(path, "Gemeinden") == _openpyxl_size(path, "Gemeinden") == (30, 6)
    assert sheet_size(path, "Fußnoten") == _openpyxl_size(path, "Fußnoten") == (3, 3)


def test_missing_sheet_names_the_sheets_found(tmp_path):
    path = _workbook(tmp_path / "mappe.xlsx")
    with pytest.raises(SheetMissing) as raised:
        sheet_size(path, "Tabelle1")
    assert raised.value.names == ["Deckblatt", "Gemeinden", "Fußnoten"]


def test_no_dimension_record_gives_no_size(tmp_path):
    path = _rewrite_sheet(_workbook(tmp_path / "mappe.xlsx"), tmp_path / "ohne.xlsx",
                          lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    assert _openpyxl_size(path, "Gemeinden") == (None, None)
    assert sheet_size(path, "Gemeinden") is None


def test_a_text_file_is_not_a_workbook(tmp_path):
    path = tmp_path / "text.xlsx"
    path.write_bytes(b"AGS;Gemeinde\n06432001;Alsbach\n")
    with pytest.raises(zipfile.BadZipFile):
        sheet_size(path, "Gemeinden")
