"""What every source family shares: delivery files, their checksums, errors and quarantine."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path


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
    """One delivered file and its identity (content checksum)."""

    path: Path
    sha256: str

    @classmethod
    def of(cls, path: Path) -> "Delivery":
        return cls(path=path, sha256=sha256_of(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def deliveries(landing: Path, family: str, patterns: tuple[str, ...] = ("*.csv",)) -> list[Delivery]:
    """The files of one family in the landing folder (`LANDING/<family>/`), sorted by name."""
    folder = landing / family
    if not folder.is_dir():
        return []
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    return [Delivery.of(p) for p in files]


def quarantine(path: Path, landing: Path, family: str, reason: str) -> Path:
    """Move a bad delivery to `LANDING/_quarantine/<family>/` and write the reason beside it."""
    target_dir = landing / "_quarantine" / family
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    target = target_dir / f"{stamp}_{path.name}"
    shutil.move(str(path), target)
    target.with_name(target.name + ".reason.txt").write_text(
        f"file: {path}\nquarantined: {dt.datetime.now().isoformat(timespec='seconds')}\nreason: {reason}\n",
        encoding="utf-8",
    )
    return target


@dataclass
class IngestResult:
    """What one family's ingest did; the Dagster asset turns it into metadata and, if needed, a failure."""

    family: str
    rows: dict[str, int]  # raw table -> rows written by this run
    loaded: list[Delivery]  # files loaded by this run
    skipped: list[Delivery]  # files already loaded earlier (same checksum): nothing changed
    quarantined: list[tuple[Path, str]]  # (original path, reason)
    rejected: int = 0  # rows sent to a rejects table
    suppressed: int = 0  # values that arrived suppressed (markers) and are kept as NULL + flag

    @property
    def failed(self) -> bool:
        return bool(self.quarantined)

    def failure_message(self) -> str:
        lines = [f"{self.family}: {len(self.quarantined)} delivery file(s) quarantined:"]
        lines += [f"  - {path.name}: {reason}" for path, reason in self.quarantined]
        return "\n".join(lines)
