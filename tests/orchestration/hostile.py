"""Malformed and hostile deliveries, made from the demo deliveries of a landing folder.

Each `Case` writes one file (or link, FIFO, folder) into `LANDING/<family>/` and says what must happen to
it in the next build (docs/deliveries.md, "Hostile deliveries", lists the same cases; a test keeps the two
in step):

- `quarantaene`: refused while loading (unreadable, wrong layout, implausible, not a regular file) — moved
  to `LANDING/_quarantine/<family>/` with a reason naming the file, the line/column where known, and
  what was expected; nothing of it is in raw;
- `abgelehnt`: loaded, then refused (conflict for a period, or the family's audit failed) — rows stay in
  raw as history, the file goes to quarantine, the family stays at its last good state;
- `angenommen`: loaded and used (a declared correction);
- `uebersprungen`: the same bytes were delivered before: nothing changes;
- `hinweis`: not read (hidden file, upload in progress, subfolder), named in the build summary.

All cases go into ONE build (tests/orchestration/test_hostile_deliveries.py).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

CANARY = "KANARIENVOGEL-7f3a"  # content of a file outside the landing folder that links point at
KEY_HEADER = "jahr,ags_alt,anteil_bevoelkerung,anteil_flaeche,anteil_beschaeftigte,ags_2021\n"
INJECTION = ("Robert'); DROP TABLE raw.jugendhilfe__hilfen; --", "<script>alert(1)</script>")


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    name: str  # the file name in LANDING/<family>/
    what: str  # what is wrong with it (German, as in docs/deliveries.md)
    outcome: str  # quarantaene | abgelehnt | angenommen | uebersprungen | hinweis
    make: Callable[[Path, Path], None]  # make(target, landing): write the file
    expect: tuple[str, ...] = field(default=())  # fragments of the reason (or hint)


# ------------------------------------------------------------------------------------------------ helpers


def _read(landing: Path, family: str, name: str) -> str:
    return (landing / family / name).read_text(encoding="utf-8")


def _write(text: str, encoding: str = "utf-8") -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        target.write_bytes(text.encode(encoding))
    return make


def _from(family: str, name: str, edit: Callable[[str], str], encoding: str = "utf-8") -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        target.write_bytes(edit(_read(landing, family, name)).encode(encoding))
    return make


def _bytes(data: bytes) -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        target.write_bytes(data)
    return make


def _copy(family: str, name: str) -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        shutil.copyfile(landing / family / name, target)
    return make


def _link(to: Callable[[Path], Path]) -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        os.symlink(to(landing), target)
    return make


def _outside(landing: Path) -> Path:
    """A file outside the landing folder with canary content (what a link must never let in)."""
    outside = landing.parent / "ausserhalb"
    outside.mkdir(exist_ok=True)
    path = outside / "fremd.csv"
    path.write_text(f"stichtag;ags;gemeinde;empfaenger_65_plus\n31.12.2016;06432001;{CANARY};1\n", encoding="utf-8")
    return path


def _fifo(target: Path, landing: Path) -> None:
    os.mkfifo(target)


def _folder_with_copy(family: str, name: str) -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        target.mkdir()
        shutil.copyfile(landing / family / name, target / name)
    return make


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _replace_line(text: str, number: int, new: str) -> str:
    lines = _lines(text)
    lines[number - 1] = new
    return "\n".join(lines)


def _data_line(text: str, prefix: str) -> int:
    """1-based number of the first line starting with `prefix`."""
    for number, line in enumerate(_lines(text), 1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")


def _xlsx(base: str, edit: Callable[[openpyxl.Workbook], None]) -> Callable[[Path, Path], None]:
    def make(target: Path, landing: Path) -> None:
        wb = openpyxl.load_workbook(landing / "sgb2" / base)
        edit(wb)
        wb.save(target)
    return make


def _set(cells: dict[str, object]) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        for ref, value in cells.items():
            wb["Gemeinden"][ref] = value
    return edit


def _plus_one(row: int) -> Callable[[openpyxl.Workbook], None]:
    """+1 ELB in `row` (10: 06432001), keeping every additive relation of the table (and the Kreis row) true."""
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Gemeinden"]
        for col in ("E", "F", "G", "H"):  # Personen in BG, LB, RLB, ELB
            ws[f"{col}{row}"] = int(ws[f"{col}{row}"].value) + 1
        for r in range(row + 1, ws.max_row + 1):
            if str(ws[f"A{r}"].value) == "06432":
                for col in ("E", "F", "G", "H"):
                    ws[f"{col}{r}"] = int(ws[f"{col}{r}"].value) + 1
    return edit


def _copy_row(source: int, target: int) -> Callable[[openpyxl.Workbook], None]:
    """Row `target` becomes a copy of row `source` (the same Gemeinde twice in one table)."""
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Gemeinden"]
        for col in range(1, ws.max_column + 1):
            ws.cell(target, col).value = ws.cell(source, col).value
    return edit


def _both(*edits: Callable[[openpyxl.Workbook], None]) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        for e in edits:
            e(wb)
    return edit


def _rename_sheet(wb: openpyxl.Workbook) -> None:
    wb["Gemeinden"].title = "Tabelle1"


def _empty_sheet(wb: openpyxl.Workbook) -> None:
    del wb["Gemeinden"]
    wb.create_sheet("Gemeinden")


def _clear_nef_header(wb: openpyxl.Workbook) -> None:
    ws = wb["Gemeinden"]
    for row in ws.iter_rows(min_row=7, max_row=8):
        for cell in row:
            if isinstance(cell.value, str) and "nicht erwerbsf" in cell.value:
                cell.value = None


GEN = "13211-01-03-5_06432_demo_2023.csv"
GEN_LINE = "06432001;"  # Alsbach-Hähnlein, a data row of the region
GS = "grundsicherung_alter_2016.csv"
MR = "melderegister_20231231.csv"


def _cut_after(prefix: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = _lines(text)
        n = _data_line(text, prefix)
        return "\n".join(lines[:n - 1] + [lines[n - 1][:12]])
    return edit


def _field_edit(prefix: str, index: int, value: str | None) -> Callable[[str], str]:
    """Set field `index` of the first line starting with `prefix` (None: delete the field)."""
    def edit(text: str) -> str:
        n = _data_line(text, prefix)
        fields = _lines(text)[n - 1].split(";")
        if value is None:
            del fields[index]
        else:
            fields[index] = value
        return _replace_line(text, n, ";".join(fields))
    return edit


def _every_nth_row(n: int, column: str, value: str, skip: int = 2) -> Callable[[str], str]:
    """Set `column` (found by name in the header line above the data) of every `n`-th data row to `value`."""
    def edit(text: str) -> str:
        lines = _lines(text)
        index = lines[skip - 1].split(";").index(column)
        for i in range(skip, len(lines)):
            if lines[i] and (i - skip) % n == 0:
                fields = lines[i].split(";")
                fields[index] = value
                lines[i] = ";".join(fields)
        return "\n".join(lines)
    return edit


def _names_to_injection(text: str) -> str:
    lines = _lines(text)
    header = lines[1].split(";")
    columns = [header.index("nachname"), header.index("vorname")]
    for i in range(2, len(lines)):
        if lines[i]:
            fields = lines[i].split(";")
            for index, injected in zip(columns, INJECTION, strict=True):
                fields[index] = f'"{injected}"'  # quoted
            lines[i] = ";".join(fields)
    return "\n".join(lines)


def _duplicate_line(prefix: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = _lines(text)
        n = _data_line(text, prefix)
        return "\n".join(lines[:n] + [lines[n - 1]] + lines[n:])
    return edit


# ------------------------------------------------------------------------------------------------ cases

CASES: list[Case] = [
    # GENESIS (from the demo table 13211-01-03-5, 2023)
    Case("G01", "genesis", "g_kein_genesis.csv", "erste Zeile ist kein „GENESIS-Tabelle:“", "quarantaene",
         _from("genesis", GEN, lambda t: "Tabelle: Arbeitslose" + t[t.index("\n"):]),
         ("g_kein_genesis.csv, line 1, column 1", "not a GENESIS table")),
    Case("G02", "genesis", "g_unbekannte_tabelle.csv", "unbekannte Tabellen-ID", "quarantaene",
         _from("genesis", GEN, lambda t: t.replace("13211-01-03-5", "99999-01-01-5", 1)),
         ("unsupported GENESIS table '99999-01-01-5'",)),
    Case("G03", "genesis", "g_abgeschnitten.csv", "mitten in einer Datenzeile abgeschnitten", "quarantaene",
         _from("genesis", GEN, _cut_after(GEN_LINE)), ("no footer line",)),
    Case("G04", "genesis", "g_ohne_stand.csv", "Zeile „Stand:“ fehlt", "quarantaene",
         _from("genesis", GEN, lambda t: re.sub(r"\nStand: [^\n]*", "", t)), ("expected 'Stand: dd.mm.yyyy",)),
    Case("G05", "genesis", "g_spalte_fehlt.csv", "eine Datenzeile hat ein Feld zu wenig", "quarantaene",
         _from("genesis", GEN, _field_edit(GEN_LINE, 4, None)), ("data row has 8 fields but the column header has 9",)),
    Case("G06", "genesis", "g_text_statt_zahl.csv", "Text statt Zahl", "quarantaene",
         _from("genesis", GEN, _field_edit(GEN_LINE, 5, "5a")), ("column 6", "value '5a'", "is not a number")),
    Case("G07", "genesis", "g_binaer.csv", "Binärdaten mit Endung .csv", "quarantaene",
         _bytes(bytes(range(256)) * 64), ("g_binaer.csv, line 1, column 1", "undecodable byte 0x00")),
    Case("G08", "genesis", "g_leer.csv", "leere Datei", "quarantaene", _bytes(b""), ("not a GENESIS table",)),
    Case("G09", "genesis", "x'; DROP TABLE raw.genesis__werte; --.csv", "SQL im Dateinamen (und kaputter Inhalt)",
         "quarantaene", _from("genesis", GEN, lambda t: "Tabelle" + t[t.index("\n"):]), ("not a GENESIS table",)),
    Case("G10", "genesis", "g_konflikt_gleicher_stand.csv", "dieselbe Tabelle und Zeit mit gleichem Stand, ein Wert anders",
         "abgelehnt", _from("genesis", GEN, _field_edit(GEN_LINE, 2, "999")), ("Konflikt", GEN, "Stand")),
    Case("G11", "genesis", "g_aelterer_stand.csv", "dieselbe Tabelle und Zeit mit älterem Stand", "abgelehnt",
         _from("genesis", GEN, lambda t: re.sub(r"Stand: [0-9.]+", "Stand: 01.01.2000", t)), ("Konflikt", GEN)),
    Case("G12", "genesis", "g_anderer_kreis.csv", "Tabelle ohne eine Zeile der Region (anderer Kreis)", "angenommen",
         _from("genesis", GEN, lambda t: t.replace("06432", "09999")), ("keine Zeile der Region",)),
    Case("G13", "genesis", "g_anfuehrungszeichen.csv", "offenes Anführungszeichen in einer Datenzeile", "quarantaene",
         _from("genesis", GEN, _field_edit(GEN_LINE, 1, '"Alsbach')), ("unbalanced quote",)),
    Case("G14", "genesis", "g_schluessel.csv", "Regionalschlüssel mit 4 Stellen", "quarantaene",
         _from("genesis", GEN, _field_edit(GEN_LINE, 0, "0643")), ("region code '0643' has an unexpected length",)),
    Case("G15", "genesis", "g_passwd.csv", "symbolische Verknüpfung auf /etc/passwd", "quarantaene",
         _link(lambda landing: Path("/etc/passwd")), ("symbolische Verknüpfung",)),
    Case("G16", "genesis", "archiv", "Unterordner mit einer gültigen Tabelle", "hinweis",
         _folder_with_copy("genesis", GEN), ("Unterordner werden nicht gelesen",)),
    Case("G17", "genesis", ".versteckt.csv", "versteckte Datei", "hinweis", _copy("genesis", GEN),
         ("versteckte Datei",)),
    # SGB II (from the demo workbooks)
    Case("S01", "sgb2", "sgb2_gemeinden_202401_kaputt.xlsx", "Text mit Endung .xlsx", "quarantaene",
         _bytes(b"AGS;Gemeinde\n06432001;Alsbach\n"), ("not a readable .xlsx workbook",)),
    Case("S02", "sgb2", "sgb2_gemeinden_202402_blatt.xlsx", "Blatt „Gemeinden“ fehlt (umbenannt)", "quarantaene",
         _xlsx("sgb2_gemeinden_202402.xlsx", _rename_sheet), ("no sheet 'Gemeinden'",)),
    Case("S03", "sgb2", "sgb2_gemeinden_202403_ohne_ags.xlsx", "Kopfzelle „AGS“ fehlt", "quarantaene",
         _xlsx("sgb2_gemeinden_202403.xlsx", _set({"A7": "Schlüssel"})), ("has no header row", "'AGS'")),
    Case("S04", "sgb2", "sgb2_gemeinden_202404_ohne_nef.xlsx", "Spalte NEF ohne Überschrift", "quarantaene",
         _xlsx("sgb2_gemeinden_202404.xlsx", _clear_nef_header),
         ("line 7, column I", "two columns are labelled as lb_insgesamt")),
    Case("S05", "sgb2", "sgb2_gemeinden_202405_falscher_monat.xlsx", "Berichtsmonat passt nicht zum Dateinamen",
         "quarantaene", _xlsx("sgb2_gemeinden_202405.xlsx", _set({"A2": "Berichtsmonat: März 2024"})),
         ("does not match the file name",)),
    Case("S06", "sgb2", "sgb2_gemeinden_202406_monat_unlesbar.xlsx", "Berichtsmonat unlesbar", "quarantaene",
         _xlsx("sgb2_gemeinden_202406.xlsx", _set({"A2": "Berichtsmonat: irgendwann"})),
         ("line 2, column A", "not understood")),
    Case("S07", "sgb2", "sgb2_gemeinden_202407_ueber_einwohnern.xlsx", "LB weit über der Einwohnerzahl der Gemeinde",
         "quarantaene", _xlsx("sgb2_gemeinden_202407.xlsx", _set({"F11": 999999})),
         ("line 11, column F", "lb_insgesamt = 999999 für 06432002", "unplausibel")),
    Case("S08", "sgb2", "sgb2_gemeinden_202408_text.xlsx", "Text in Zahlenspalten mehrerer Zeilen", "quarantaene",
         _xlsx("sgb2_gemeinden_202408.xlsx", _set({"C10": "viele", "C12": "viele", "D14": "n.a."})),
         ("3 of 24 records rejected", "erwartet ganze Zahl")),
    Case("S09", "sgb2", "sgb2_gemeinden_202409_fremde_ags.xlsx", "AGS außerhalb der Region", "quarantaene",
         _xlsx("sgb2_gemeinden_202409.xlsx", _set({"A10": "06411000", "A11": "06411001"})),
         ("records rejected", "AGS außerhalb der Region")),
    Case("S10", "sgb2", "sgb2_gemeinden_202312_zweite.xlsx", "zweite Lieferung für Dezember 2023, nicht als Korrektur "
         "gekennzeichnet", "abgelehnt", _xlsx("sgb2_gemeinden_202312.xlsx", _plus_one(11)),
         ("sgb2_gemeinden_202312_zweite.xlsx, line 2, column A: Konflikt", "sgb2_gemeinden_202312.xlsx (dort line 2, "
          "column A)", "_korrektur")),
    Case("S11", "sgb2", "sgb2_gemeinden_202312_KORREKTUR.XLSX", "Korrektur Dezember 2023 (Großbuchstaben, ELB +1)",
         "angenommen", _xlsx("sgb2_gemeinden_202312.xlsx", _plus_one(10))),
    Case("S12", "sgb2", "sgb2_gemeinden_202410.xls", "falsche Endung .xls", "quarantaene",
         _copy("sgb2", "sgb2_gemeinden_202410.xlsx"), ("unerwartete Dateiendung .xls",)),
    Case("S13", "sgb2", "sgb2_gemeinden_202411_link.xlsx", "symbolische Verknüpfung auf eine Datei außerhalb",
         "quarantaene", _link(_outside), ("symbolische Verknüpfung",)),
    Case("S14", "sgb2", "sgb2_gemeinden_202412_leer.xlsx", "Blatt „Gemeinden“ leer", "quarantaene",
         _xlsx("sgb2_gemeinden_202412.xlsx", _empty_sheet), ("is empty",)),
    Case("S15", "sgb2", "sgb2_gemeinden_202501.xlsx.part", "Übertragung läuft noch", "hinweis",
         _copy("sgb2", "sgb2_gemeinden_202412.xlsx"), ("Übertragung läuft",)),
    Case("S16", "sgb2", "sgb2_gemeinden_202410_doppelt.xlsx", "dieselbe Gemeinde zweimal in einer Tabelle (Monat doppelt)",
         "quarantaene", _xlsx("sgb2_gemeinden_202410.xlsx", _copy_row(10, 11)),
         ("sgb2_gemeinden_202410_doppelt.xlsx, line 11, column A", "AGS 06432001 steht zweimal", "Zeilen 10 und 11")),
    Case("S17", "sgb2", "sgb2_gemeinden_202411_zwei_monate.xlsx", "zwei verschiedene Berichtsmonate im Titelblock",
         "quarantaene", _xlsx("sgb2_gemeinden_202411.xlsx", _set({"A3": "Berichtsmonat: Dezember 2024"})),
         ("line 3, column A", "a second Berichtsmonat 12/2024", "line 2 names 11/2024")),
    Case("S18", "sgb2", "sgb2_gemeinden_202502.xlsx", "neuer Monat Februar 2025, zweimal geliefert (mit S19)", "abgelehnt",
         _xlsx("sgb2_gemeinden_202412.xlsx", _set({"A2": "Berichtsmonat: Februar 2025"})),
         ("sgb2_gemeinden_202502.xlsx, line 2, column A: Konflikt", "liefern beide den Zeitraum 2025-02",
          "sgb2_gemeinden_202502_b.xlsx")),
    Case("S19", "sgb2", "sgb2_gemeinden_202502_b.xlsx", "dieselben Gemeinden und derselbe Monat in einer zweiten Datei",
         "abgelehnt", _xlsx("sgb2_gemeinden_202412.xlsx", _both(_set({"A2": "Berichtsmonat: Februar 2025"}), _plus_one(10))),
         ("sgb2_gemeinden_202502_b.xlsx, line 2, column A: Konflikt", "liefern beide den Zeitraum 2025-02",
          "beide abgelehnt")),
    # Grundsicherung (from grundsicherung_alter_2016.csv)
    Case("R01", "grundsicherung", "grundsicherung_alter_2031.csv", "Stichtag in der Zukunft (31.12.2031)", "abgelehnt",
         _from("grundsicherung", GS, lambda t: t.replace("31.12.2016", "31.12.2031")),
         ("Prüfung der Lieferungen von grundsicherung fehlgeschlagen", "expect_column_values_to_be_between(jahr)",
          "letzten geprüften Stand")),
    Case("R02", "grundsicherung", "gs_ohne_spalte.csv", "Spalte empfaenger_65_plus fehlt", "quarantaene",
         _from("grundsicherung", GS, lambda t: t.replace(";empfaenger_65_plus", ";anzahl")),
         ("missing required column(s) empfaenger_65_plus",)),
    Case("R03", "grundsicherung", "gs_komma.csv", "Komma statt Semikolon", "quarantaene",
         _from("grundsicherung", GS, lambda t: t.replace(";", ",")), ("unrecognised header",)),
    Case("R04", "grundsicherung", "grundsicherung_alter_2015_zu_viele.csv", "mehr Empfänger als Einwohner ab 65",
         "quarantaene", _from("grundsicherung", "grundsicherung_alter_2015.csv", _field_edit("31.12.2015;06432002", 3,
                                                                                               "50000")),
         ("line 4, column 4", "empfaenger_65_plus = 50000 für 06432002", "unplausibel")),
    Case("R05", "grundsicherung", "gs_cp1252.csv", "Windows-1252-Zeichen (€)", "quarantaene",
         _from("grundsicherung", GS, lambda t: t.replace("Alsbach-Hähnlein", "Alsbach €"), encoding="cp1252"),
         ("gs_cp1252.csv, line 1, column 13", "undecodable byte 0x96", "Windows-1252")),
    Case("R06", "grundsicherung", "gs_utf16.csv", "UTF-16 statt UTF-8", "quarantaene",
         _from("grundsicherung", GS, lambda t: t, encoding="utf-16"), ("control character",)),
    Case("R07", "grundsicherung", "gs_stichtag_kaputt.csv", "ungültiger Stichtag in allen Zeilen", "quarantaene",
         _from("grundsicherung", GS, lambda t: t.replace("31.12.2016", "31.13.2016")),
         ("records rejected", "stichtag: erwartet Datum")),
    Case("R08", "grundsicherung", "gs_leer.csv", "leere Datei", "quarantaene", _bytes(b""), ("empty file",)),
    Case("R09", "grundsicherung", "grundsicherung_alter_2016_kopie.csv", "byte-gleiche Kopie einer geladenen Lieferung",
         "uebersprungen", _copy("grundsicherung", GS)),
    Case("R10", "grundsicherung", "gs.txt", "falsche Endung .txt", "quarantaene", _copy("grundsicherung", GS),
         ("unerwartete Dateiendung .txt",)),
    Case("R11", "grundsicherung", "gs_fifo.csv", "benannte Pipe (FIFO) statt Datei", "quarantaene", _fifo,
         ("keine reguläre Datei",)),
    Case("R12", "grundsicherung", "grundsicherung_alter_2017_korrektur.csv",
         "mehr HLU-Empfänger als Einwohner (neue Spalte)", "quarantaene",
         _from("grundsicherung", "grundsicherung_alter_2017.csv", _field_edit("31.12.2017;06432001", 5, "99999")),
         ("line 3, column 6", "hlu_ausserhalb_einrichtungen = 99999 für 06432001", "unplausibel")),
    # AsylbLG (from asylblg_YYYY.csv)
    Case("A01", "asylblg", "asylblg_2018_korrektur.csv", "mehr Empfänger als Einwohner", "quarantaene",
         _from("asylblg", "asylblg_2018.csv", _field_edit("31.12.2018;06432001", 3, "99999")),
         ("line 3, column 4", "regelleistungen = 99999 für 06432001", "unplausibel")),
    Case("A02", "asylblg", "asylblg_2019_kopie.csv", "byte-gleiche Kopie einer geladenen Lieferung", "uebersprungen",
         _copy("asylblg", "asylblg_2019.csv")),
    Case("A03", "asylblg", "asylblg_2020_fremd.csv", "AGS außerhalb der Region", "quarantaene",
         _from("asylblg", "asylblg_2020.csv", lambda t: t.replace(";06432", ";06411")),
         ("records rejected", "ags außerhalb der Region")),
    # Wohngeld (from wohngeld_YYYY.csv)
    Case("W01", "wohngeld", "wohngeld_2016_b.csv", "zweite Lieferung für den 31.12.2016", "abgelehnt",
         _from("wohngeld", "wohngeld_2016.csv", _field_edit("31.12.2016;06432001", 3, "1")),
         ("Konflikt", "wohngeld_2016.csv")),
    Case("W02", "wohngeld", "wohngeld_2031.csv", "Stichtag in der Zukunft (31.12.2031)", "abgelehnt",
         _from("wohngeld", "wohngeld_2016.csv", lambda t: t.replace("31.12.2016", "31.12.2031")),
         ("Prüfung der Lieferungen von wohngeld fehlgeschlagen", "expect_column_values_to_be_between(jahr)")),
    Case("W03", "wohngeld", "wg_ohne_spalte.csv", "Spalte wohngeldhaushalte fehlt", "quarantaene",
         _from("wohngeld", "wohngeld_2017.csv", lambda t: t.replace(";wohngeldhaushalte", ";haushalte")),
         ("missing required column(s) wohngeldhaushalte",)),
    # Maßnahmen (from massnahmen_2024-12-31.csv: line 4 DEMO-002, line 5 DEMO-003)
    Case("N01", "massnahmen", "massnahmen_2025-01-31.csv", "Maßnahme in einem unbekannten Gebiet", "quarantaene",
         _from("massnahmen", "massnahmen_2024-12-31.csv", _field_edit("DEMO-002;", 1, "06499999")),
         ("massnahmen_2025-01-31.csv, line 4, column 2", "gebiet_id: unbekanntes Gebiet")),
    Case("N02", "massnahmen", "massnahmen_2025-02-28.csv", "Ende vor Beginn", "quarantaene",
         _from("massnahmen", "massnahmen_2024-12-31.csv", _field_edit("DEMO-003;", 3, "2017-12-31")),
         ("massnahmen_2025-02-28.csv, line 5, column 4", "ende liegt vor beginn")),
    # Melderegister (from melderegister_20231231.csv)
    Case("M01", "melderegister", "melderegister_20231231_korrektur.csv", "Korrektur mit einer doppelten Zeile",
         "angenommen", _from("melderegister", MR, _duplicate_line("31.12.2023;06432001;001;m;5;"))),
    Case("M02", "melderegister", "melderegister_20221231_b.csv", "zweite Lieferung für den 31.12.2022", "abgelehnt",
         _from("melderegister", "melderegister_20221231.csv", _field_edit("31.12.2022;06432001;001;m;5;", 5, "1")),
         ("Konflikt", "melderegister_20221231.csv")),
    Case("M03", "melderegister", "melderegister_20211231_ohne_alter.csv", "Spalte alter fehlt", "quarantaene",
         _from("melderegister", "melderegister_20211231.csv", lambda t: t.replace(";alter;", ";jahrgang;")),
         ("unrecognised header",)),
    Case("M04", "melderegister", "melderegister_20201231_falsches_datum.csv", "Stichtag passt nicht zum Dateinamen",
         "quarantaene", _from("melderegister", "melderegister_20201231.csv",
                              lambda t: t.replace("31.12.2020", "31.12.2019")),
         ("records rejected", "stichtag weicht vom Datum im Dateinamen ab")),
    Case("M05", "melderegister", "melderegister_20191231_negativ.csv", "negative Anzahlen", "quarantaene",
         _from("melderegister", "melderegister_20191231.csv", _every_nth_row(20, "anzahl", "-3")),
         ("records rejected", "anzahl: erwartet ganze Zahl")),
    Case("M06", "melderegister", "melderegister_20181231_verschoben.csv", "Zeile mit einem Feld zu viel",
         "quarantaene", _from("melderegister", "melderegister_20181231.csv",
                              _field_edit("31.12.2018;06432003;;w;7;", 5, "12;7")),
         ("expected 7 fields",)),
    Case("M07", "melderegister", "melderegister_20171231_quote.csv", "offenes Anführungszeichen", "quarantaene",
         _from("melderegister", "melderegister_20171231.csv", _field_edit("31.12.2017;06432004;;m;9;", 2, '"Ober')),
         ("unterminated quote",)),
    Case("M08", "melderegister", "melderegister_20161231_link.csv", "symbolische Verknüpfung auf eine andere Lieferung",
         "quarantaene", _link(lambda landing: landing / "melderegister" / "melderegister_20161231.csv"),
         ("symbolische Verknüpfung",)),
    Case("M09", "melderegister", "melderegister_20241231_korrektur.csv",
         "Staatsangehörigkeitsschlüssel außerhalb der dokumentierten Liste", "quarantaene",
         _from("melderegister", "melderegister_20241231.csv", _field_edit("31.12.2024;06432001;001;m;0;", 6, "012")),
         ("melderegister_20241231_korrektur.csv, line 3, column 7", "staatsangehoerigkeit '012'",
          "dokumentierten Liste")),
    Case("M10", "melderegister", "melderegister_haushalte_20241231_korrektur.csv", "Haushaltstyp außerhalb der Liste",
         "quarantaene", _from("melderegister", "melderegister_haushalte_20241231.csv",
                              _field_edit("31.12.2024;06432001;;einpersonen;", 3, "wg")),
         ("line 3, column 4", "haushaltstyp 'wg'")),
    Case("M12", "melderegister", "melderegister_20151231_korrektur.csv", "Ortsteilschlüssel, den das Regionsprofil "
         "für die Gemeinde nicht kennt", "quarantaene",
         _from("melderegister", "melderegister_20151231.csv", _field_edit("31.12.2015;06432001;001;m;0;", 2, "009")),
         ("melderegister_20151231_korrektur.csv, line 3, column 3", "ortsteil '009' ist kein Ortsteil der Gemeinde "
          "06432001", "001 Alsbach, 002 Hähnlein, 003 Sandwiese")),
    Case("M13", "melderegister", "melderegister_20141231_korrektur.csv", "eine Zeile ohne Ortsteil in einer Gemeinde "
         "mit Ortsteilen", "quarantaene",
         _from("melderegister", "melderegister_20141231.csv", _field_edit("31.12.2014;06432018;002;w;30;", 2, "")),
         ("melderegister_20141231_korrektur.csv, line ", "column 3: ortsteil ist leer, aber andere Zeilen der "
          "Gemeinde 06432018", "Ortsteilsummen")),
    Case("M11", "melderegister", "melderegister_haushalte_20231231_b.csv",
         "zweite Haushaltslieferung für den 31.12.2023", "abgelehnt",
         _from("melderegister", "melderegister_haushalte_20231231.csv",
               _field_edit("31.12.2023;06432001;;sonstige;", 4, "1")),
         ("Konflikt", "melderegister_haushalte_20231231.csv")),
    # Jugendhilfe (from the demo exports)
    Case("J01", "jugendhilfe", "HILFEN_2024_KORREKTUR.CSV", "Korrektur mit SQL und HTML in den Namensspalten",
         "angenommen", _from("jugendhilfe", "hilfen_2024.csv", _names_to_injection)),
    Case("J02", "jugendhilfe", "hilfen_2023_zweiter_export.csv", "zweiter Hilfen-Export für 2023", "abgelehnt",
         _from("jugendhilfe", "hilfen_2023.csv", _every_nth_row(50, "beendigungsgrund", "sonstige Gründe")),
         ("Konflikt", "hilfen_2023.csv")),
    Case("J03", "jugendhilfe", "unbekannt_2023.csv", "Satzart nicht erkennbar", "quarantaene",
         _from("jugendhilfe", "hilfen_2023.csv", lambda t: t.replace(";hilfeart;", ";massnahme;", 1)),
         ("unrecognised header",)),
    Case("J04", "jugendhilfe", "hilfen_2022_codes.csv", "unbekannte Hilfeart-Codes", "quarantaene",
         _from("jugendhilfe", "hilfen_2022.csv", _every_nth_row(10, "hilfeart", "99")),
         ("records rejected", "hilfeart: unbekannter Code")),
    Case("J05", "jugendhilfe", "hilfen_2021_ende_vor_beginn.csv", "Ende vor Beginn", "quarantaene",
         _from("jugendhilfe", "hilfen_2021.csv", _every_nth_row(5, "ende", "1999-01")),
         ("records rejected", "ende vor beginn")),
    Case("J06", "jugendhilfe", "hilfen_2020_doppelt.csv", "doppelte fall_id mit anderem Inhalt", "quarantaene",
         _from("jugendhilfe", "hilfen_2020.csv", lambda t: t + "\n".join(
             ";".join([line.split(";")[0], "28"] + line.split(";")[2:]) for line in _lines(t)[2:400] if line) + "\n"),
         ("records rejected", "fall_id mehrfach")),
    Case("J07", "jugendhilfe", "inobhutnahmen_42_2019_nul.csv", "NUL-Bytes im Export", "quarantaene",
         _from("jugendhilfe", "inobhutnahmen_42_2019.csv", lambda t: t.replace("Lena", "Le\x00na", 1)),
         ("undecodable byte 0x00", "control character")),
    Case("J08", "jugendhilfe", "hilfen_fifo.csv", "benannte Pipe (FIFO) statt Datei", "quarantaene", _fifo,
         ("keine reguläre Datei",)),
    Case("J10", "jugendhilfe", "hilfen_2019_freitext.csv", "SQL im Freitext beendigungsgrund", "quarantaene",
         _from("jugendhilfe", "hilfen_2019.csv", _every_nth_row(10, "beendigungsgrund", f'"{INJECTION[0]}"')),
         ("records rejected", "beendigungsgrund: kein Grund der Liste")),
    Case("J09", "jugendhilfe", "GEFAEHRDUNGEN_8A_2018.CSV", "byte-gleiche Kopie in Großbuchstaben", "uebersprungen",
         _copy("jugendhilfe", "gefaehrdungen_8a_2018.csv")),
    # Gebietsstand keys (the shipped BBSR keys are loaded already; these arrive in LANDING/gebietsstand/)
    Case("B01", "gebietsstand", "umstieg_summe.csv", "Anteile einer alten Gemeinde ergeben 0,9", "quarantaene",
         _write(KEY_HEADER + "2021,06432001,0.9,1,1,06432001\n"), ("umstieg_summe.csv, line 2, column 3", "add up to 0.9")),
    Case("B02", "gebietsstand", "umstieg_fremd.csv", "Zielgemeinde, die die Region nicht kennt", "quarantaene",
         _write(KEY_HEADER + "2021,06432001,1,1,1,06432099\n"),
         ("line 2, column 6", "06432099 is not a Gemeinde of the region profile")),
    Case("B03", "gebietsstand", "umstieg_doppelt.csv", "Schlüsselzeile doppelt", "quarantaene",
         _write(KEY_HEADER + "2021,06432001,1,1,1,06432001\n2021,06432001,1,1,1,06432001\n"),
         ("line 3, column 2", "appears twice")),
    Case("B04", "gebietsstand", "umstieg_2021.csv.gz", "abgeschnittene gzip-Datei", "quarantaene",
         _bytes(gzip.compress((KEY_HEADER + "2021,06432001,1,1,1,06432001\n" * 50).encode())[:40]),
         ("gzip stream is truncated",)),
    Case("B05", "gebietsstand", "umstieg_link.csv", "symbolische Verknüpfung nach außerhalb", "quarantaene",
         _link(_outside), ("symbolische Verknüpfung",)),
    Case("B06", "gebietsstand", "umstieg_2020.csv", "zweiter Schlüssel für den Gebietsstand 2020, keine Korrektur",
         "abgelehnt", _write(KEY_HEADER.replace("ags_2021", "ags_2020") + "2019,06432001,1,1,1,06432001\n"),
         ("Konflikt", "bbsr_umstieg_gemeinden_2000_2020.csv.gz")),
    # Einrichtungsregister (from einrichtungen_2024.csv: line 3 = E0001, a Kita in 06432001)
    Case("E01", "einrichtungen", "einrichtungen_2025_lage.csv", "Einrichtung mit Koordinaten in einer anderen Gemeinde",
         "quarantaene", _from("einrichtungen", "einrichtungen_2024.csv",
               lambda t: _field_edit("E0001;", 8, "49.95912")(_field_edit("E0001;", 7, "8.9453")(t))),
         ("einrichtungen_2025_lage.csv, line 3, column 8 (lon)", "in der Gemeinde 06432002, nicht in der Gemeinde 06432001")),
    Case("E02", "einrichtungen", "einrichtungen_2025_negativ.csv", "negative Kapazität einer Kita", "quarantaene",
         _from("einrichtungen", "einrichtungen_2024.csv", _field_edit("E0001;", 9, "-5")),
         ("einrichtungen_2025_negativ.csv, line 3, column 10 (kapazitaet)", "kapazitaet '-5'")),
]


def make_all(landing: Path) -> list[Case]:
    """Write every case into `landing` (a copy of the demo landing folder, already loaded once)."""
    for case in CASES:
        target = landing / case.family / case.name
        target.parent.mkdir(exist_ok=True)  # LANDING/gebietsstand/ is not part of the demo deliveries
        case.make(target, landing)
    return CASES
