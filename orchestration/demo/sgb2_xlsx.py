"""The monthly SGB II Gemeinde table as .xlsx (layout: docs/deliveries.md), byte-reproducible.

openpyxl stamps the workbook with the current time (docProps/core.xml) and the zip entries with the
current time; both are replaced by the table's fixed Datenstand so that the same data gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from orchestration.demo.genesis_io import DEMO_MARKER

MONATSNAMEN = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
               "November", "Dezember")
TITLE = "Grundsicherung für Arbeitsuchende (SGB II) – Gemeindedaten"
GROUP_ROW = ("AGS", "Gemeinde", "Bedarfsgemeinschaften (BG)", None, "Personen in BG", "Leistungsberechtigte (LB)",
             None, None, None, None, None)
SUB_ROW = (None, None, "insgesamt", "davon Alleinerziehende-BG", None, "insgesamt", "Regelleistungsberechtigte (RLB)",
           "davon erwerbsfähige LB (ELB)", "davon nicht erwerbsfähige LB (NEF)", "darunter NEF unter 15 Jahren",
           "sonstige Leistungsberechtigte (SLB)")
MERGES = ("A7:A8", "B7:B8", "C7:D7", "E7:E8", "F7:K7")
HEADER_ROW = 7  # the row with the cell "AGS"
FIRST_DATA_ROW = 10


@dataclass
class Block:
    """The rows of one Kreis: Gemeinden (ags, name, 9 values, 9 markers) and the Kreis total."""

    kreis_code: str
    kreis_name: str
    ags: list[str]
    names: list[str]
    values: np.ndarray  # (gemeinden, 9)
    markers: np.ndarray  # (gemeinden, 9) '' | '*' | '-'


def datenstand(year: int, month: int) -> dt.date:
    """Fixed data date of a Berichtsmonat: the 15th of the third month after it (BA waiting time)."""
    m = month + 3
    return dt.date(year + (m - 1) // 12, (m - 1) % 12 + 1, 15)


def write_sgb2_xlsx(path: Path, year: int, month: int, blocks: list[Block], quelle: str) -> int:
    """Write one monthly table; returns the number of Gemeinde rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Gemeinden"
    monat = f"{MONATSNAMEN[month - 1]} {year}"
    stamp = datenstand(year, month)
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([f"Berichtsmonat: {monat}"])
    ws.append([f"Gebietsstand: {monat}"])
    ws.append([f"Quelle: {quelle}"])
    ws.append([DEMO_MARKER])
    ws["A5"].font = Font(bold=True, color="C00000")
    ws.append([])
    ws.append(list(GROUP_ROW))
    ws.append(list(SUB_ROW))
    ws.append(list(range(1, 12)))
    for rng_ in MERGES:
        ws.merge_cells(rng_)
    for row in ws.iter_rows(min_row=7, max_row=9):
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.font = Font(bold=True) if cell.row < 9 else Font(italic=True, size=8)
    n = 0
    for block in blocks:
        for i, ags in enumerate(block.ags):
            cells = [ags, block.names[i]]
            for v, mk in zip(block.values[i].tolist(), block.markers[i].tolist(), strict=False):
                cells.append(mk if mk else int(v))
            ws.append(cells)
            n += 1
        total = block.values.sum(axis=0).tolist()
        ws.append([block.kreis_code, block.kreis_name] + [int(v) if v else "-" for v in total])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    ws.append([])
    ws.append(["* Zahlenwert unterliegt der Geheimhaltung (1 oder 2 bzw. Rückrechnung)"])
    ws.append(["- nichts vorhanden"])
    ws.append([f"Quelle: {quelle}"])
    ws.append([f"Datenstand: {stamp:%d.%m.%Y}"])
    ws.append([DEMO_MARKER])
    ws.column_dimensions["A"].width = 11
    ws.column_dimensions["B"].width = 30
    for col in "CDEFGHIJK":
        ws.column_dimensions[col].width = 16
    fixed = dt.datetime(stamp.year, stamp.month, stamp.day, 9, 0, 0)
    wb.properties.creator = "Sozialraum-Monitor Demogenerator (DEMODATEN)"
    wb.properties.title = f"{TITLE} – {monat} – {DEMO_MARKER}"
    wb.properties.created = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_reproducible_zip(buffer.getvalue(), fixed))
    return n


def _reproducible_zip(data: bytes, when: dt.datetime) -> bytes:
    """Same archive with fixed entry times and a fixed modified date in docProps/core.xml."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                start = text.find("<dcterms:modified")
                if start >= 0:
                    end = text.find("</dcterms:modified>", start) + len("</dcterms:modified>")
                    text = text[:start] + ('<dcterms:modified xsi:type="dcterms:W3CDTF">'
                                           f"{stamp}</dcterms:modified>") + text[end:]
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, content)
    return out.getvalue()
