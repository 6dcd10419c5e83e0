"""What every source family shares: the landing folder, delivery files, their checksums, errors and quarantine.

The landing folder is written by outsiders (Jobcenter, Sozialamt, Jugendamt, a download script), so
nothing in it is trusted:
- a family folder or file that is a symbolic link is never opened (it could point at any file of the
  host, or at another delivery): it is quarantined with the reason "symbolische Verknüpfung";
- only regular files are opened (a FIFO would block the run, a device could be anything), with
  `O_NOFOLLOW`, so a link swapped in after the listing is refused by the kernel as well;
- file endings are compared case-insensitively (`HILFEN_2016.CSV` is a delivery like `hilfen_2016.csv`);
  a file with another ending is quarantined with the ending that was expected;
- hidden files (`.name`) and files of an upload in progress (`.part`, `.filepart`, `.tmp`, `.crdownload`)
  are left alone and named in the summary; subfolders are not read;
- the loaders never read the landing file itself but a private snapshot taken from the opened file
  descriptor (`Delivery.source`), so what is loaded is exactly what was checksummed.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingest.families import FAMILY_SUFFIXES  # the landing families (also read by publish, retract)

# Endings of files that an upload client is still writing: skipped, named in the summary, never moved.
UPLOAD_SUFFIXES = (".part", ".filepart", ".partial", ".tmp", ".crdownload", ".download")
SYMLINK_REASON = "symbolische Verknüpfung: wird nicht geöffnet (Lieferungen müssen echte Dateien im Eingangsordner sein)"
_CHUNK = 1 << 20
# A declared correction: `<name>_korrektur.<ext>` or `<name>_korrektur2.<ext>` (2 = second correction).
_KORREKTUR = re.compile(r"[_-]korrektur(\d*)$", re.IGNORECASE)


class DeliveryError(Exception):
    """A delivery file that cannot be loaded. The message names the file, the place and what was expected."""

    def __init__(self, file: Path | str, problem: str, line: int | None = None, column: int | str | None = None):
        self.file = Path(file)
        self.problem = problem
        self.line = line
        self.column = column
        where = f"{self.file.name}"
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Delivery:
    """One delivered file and its identity (content checksum).

    `path` is the file in the landing folder (named in messages, moved to quarantine); `source` is what
    the loaders read: a private snapshot of exactly the checksummed bytes (the same file for profile
    files, which are configuration, not deliveries).
    """

    path: Path
    sha256: str
    source: Path | None = None

    @classmethod
    def of(cls, path: Path) -> Delivery:
        return cls(path=path, sha256=sha256_of(path), source=path)

    @property
    def read_path(self) -> Path:
        return self.source or self.path

    @property
    def korrektur(self) -> int:
        return korrektur_rang(self.path.name)


def korrektur_rang(datei: str) -> int:
    """0 for an ordinary delivery; n for a declared correction `…_korrektur[n].<ext>` (n defaults to 1)."""
    name = datei[:-3] if datei.lower().endswith(".gz") else datei  # x_korrektur.csv.gz
    match = _KORREKTUR.search(Path(name).stem)
    if not match:
        return 0
    return int(match.group(1) or 1)


def sha256_of(path: Path) -> str:
    """Checksum of a file; symbolic links are not followed (OSError)."""
    fd = _open_regular(path)
    try:
        return _hash_fd(fd)
    finally:
        os.close(fd)


def _open_regular(path: Path) -> int:
    """Open `path` read-only without following a symbolic link and without blocking on a FIFO;
    OSError unless it is a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"{path.name}: not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _hash_fd(fd: int, copy_to: int | None = None) -> str:
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, _CHUNK):
        digest.update(chunk)
        if copy_to is not None:
            view = memoryview(chunk)
            while view:
                view = view[os.write(copy_to, view):]
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------- encoding

_SCAN_CHUNK = 8 << 20
# Bytes that never occur in a text delivery: C0 controls except TAB/LF/CR, DEL, and (for Latin-1) the
# C1 range 0x80-0x9F, which in practice means Windows-1252 or binary data.
_C0 = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_C1 = bytes(range(0x80, 0xA0))
_KEEP_UTF8 = bytes(b for b in range(256) if b not in _C0)
_KEEP_LATIN1 = bytes(b for b in range(256) if b not in _C0 + _C1)


def _locate(path: Path, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of a byte offset."""
    line, col_start, pos = 1, 0, 0
    with open(path, "rb") as handle:
        while pos < offset:
            chunk = handle.read(min(_SCAN_CHUNK, offset - pos))
            if not chunk:
                break
            n = chunk.count(b"\n")
            if n:
                line += n
                col_start = pos + chunk.rfind(b"\n") + 1
            pos += len(chunk)
    return line, offset - col_start + 1


def detect_encoding(path: Path) -> str:
    """The one encoding detector of the ingest: 'utf-8' if the bytes are valid UTF-8, else 'latin-1'
    (ISO-8859-1, DuckDB's names); DeliveryError naming line and column for control bytes or bytes that are
    neither (binary data, UTF-16, Windows-1252)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    bad_c0: int | None = None
    bad_latin1: int | None = None
    pos = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if bad_c0 is None and chunk.translate(None, _KEEP_UTF8):
                bad_c0 = pos + min(chunk.find(bytes([b])) for b in set(chunk.translate(None, _KEEP_UTF8)))
            if bad_latin1 is None and chunk.translate(None, _KEEP_LATIN1):
                bad_latin1 = pos + min(chunk.find(bytes([b])) for b in set(chunk.translate(None, _KEEP_LATIN1)))
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            pos += len(chunk)
            if bad_c0 is not None:
                break
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if bad_c0 is not None:
        raise _undecodable(path, bad_c0, "(a control character: binary file or UTF-16?)")
    if utf8:
        return "utf-8"
    if bad_latin1 is not None:
        raise _undecodable(path, bad_latin1, ": the file is neither valid UTF-8 nor ISO-8859-1 (Windows-1252?)")
    return "latin-1"


def _undecodable(path: Path, offset: int, explanation: str) -> DeliveryError:
    """The error for the undecodable byte at `offset`, naming its line and column."""
    line, col = _locate(path, offset)
    with open(path, "rb") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
    sep = "" if explanation.startswith(":") else " "
    return DeliveryError(
        path,
        f"undecodable byte 0x{byte:02X}{sep}{explanation}; expected text in UTF-8 or ISO-8859-1",
        line=line,
        column=col,
    )


# ---------------------------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class LandingEntry:
    """One name in a family folder: a delivery candidate (`problem` None) or a refused entry."""

    path: Path
    problem: str | None = None


@dataclass
class LandingScan:
    candidates: list[Path] = field(default_factory=list)  # regular files with a family ending, by name
    refused: list[LandingEntry] = field(default_factory=list)  # quarantined without being opened
    hints: list[str] = field(default_factory=list)  # left alone, named in the summary


def scan_landing(landing: Path, family: str, suffixes: tuple[str, ...] | None = None) -> LandingScan:
    """The entries of `LANDING/<family>/`, classified without opening any file."""
    suffixes = tuple(s.lower() for s in (suffixes or FAMILY_SUFFIXES[family]))
    scan = LandingScan()
    folder = landing / family
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return scan
    if stat.S_ISLNK(info.st_mode):
        scan.refused.append(LandingEntry(folder, f"der Ordner {family}/ ist eine {SYMLINK_REASON}"))
        return scan
    if not stat.S_ISDIR(info.st_mode):
        scan.refused.append(LandingEntry(folder, f"{family} ist keine Ordner, sondern eine Datei: erwartet "
                                                 f"einen Ordner {family}/ mit den Lieferungen"))
        return scan
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = folder / entry.name
        lower = entry.name.lower()
        if entry.is_symlink():
            scan.refused.append(LandingEntry(path, SYMLINK_REASON))
        elif entry.name.startswith("."):
            scan.hints.append(f"{family}/{entry.name}: versteckte Datei, nicht gelesen")
        elif lower.endswith(UPLOAD_SUFFIXES):
            scan.hints.append(f"{family}/{entry.name}: Übertragung läuft offenbar noch (Endung), nicht gelesen")
        elif entry.is_dir(follow_symlinks=False):
            scan.hints.append(f"{family}/{entry.name}/: Unterordner werden nicht gelesen")
        elif not entry.is_file(follow_symlinks=False):
            scan.refused.append(LandingEntry(path, "keine reguläre Datei (FIFO, Gerät oder Socket): wird nicht "
                                                   "geöffnet"))
        elif not lower.endswith(suffixes):
            found = Path(entry.name).suffix or "(keine)"
            scan.refused.append(LandingEntry(path, f"unerwartete Dateiendung {found}: erwartet "
                                                   f"{' oder '.join(suffixes)} (Groß-/Kleinschreibung egal)"))
        else:
            scan.candidates.append(path)
    return scan


def snapshot(path: Path, folder: Path, known: set[str] | frozenset[str] = frozenset()) -> Delivery:
    """Checksum `path` (opened without following links) and, unless the checksum is in `known`, copy
    exactly those bytes into `folder` under the same name. OSError for links and non-regular files;
    DeliveryError when the file changes while it is read (an upload still in progress)."""
    fd = _open_regular(path)
    try:
        sha = _hash_fd(fd)
        if sha in known:
            return Delivery(path=path, sha256=sha, source=None)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            again = _hash_fd(fd, copy_to=out)
        finally:
            os.close(out)
        if again != sha:
            target.unlink(missing_ok=True)
            raise DeliveryError(path, "the file changed while it was read (upload still in progress?): "
                                      "expected a complete file")
        return Delivery(path=path, sha256=sha, source=target)
    finally:
        os.close(fd)


def quarantine(path: Path, landing: Path, family: str, reason: str) -> Path | None:
    """Move a bad delivery to `LANDING/_quarantine/<family>/` and write the reason beside it.

    A symbolic link is moved as the link itself (never followed). Returns None if the file is gone.
    """
    target_dir = landing / "_quarantine" / family
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    target = target_dir / f"{stamp}_{path.name}"
    n = 1
    while os.path.lexists(target):
        n += 1
        target = target_dir / f"{stamp}-{n}_{path.name}"
    try:
        os.rename(path, target)  # same filesystem: moves a link as a link
    except FileNotFoundError:
        return None
    except OSError:
        if os.path.islink(path):
            os.symlink(os.readlink(path), target)
            os.unlink(path)
        else:
            shutil.move(str(path), target)
    reason_file = target.with_name(target.name + ".reason.txt")
    fd = os.open(reason_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"file: {path}\nquarantined: {dt.datetime.now().isoformat(timespec='seconds')}\n"
                     f"reason: {reason}\n")
    return target


@dataclass
class IngestResult:
    """What one family's ingest did; the Dagster asset turns it into metadata and check results."""

    family: str
    rows: dict[str, int]  # raw table -> rows written by this run
    loaded: list[Delivery]  # files loaded by this run
    skipped: list[Delivery]  # files already loaded earlier (same checksum): nothing changed
    quarantined: list[tuple[Path, str]]  # (original path, reason): refused, moved to quarantine
    rejected: int = 0  # rows sent to a rejects table
    suppressed: int = 0  # values that arrived suppressed (markers) and are kept as NULL + flag
    hints: list[str] = field(default_factory=list)  # worth naming, not an error (e.g. no rows for the region)

    @property
    def failed(self) -> bool:
        return bool(self.quarantined)

    def failure_message(self) -> str:
        lines = [f"{self.family}: {len(self.quarantined)} delivery file(s) refused:"]
        lines += [f"  - {path.name}: {reason}" for path, reason in self.quarantined]
        return "\n".join(lines)
