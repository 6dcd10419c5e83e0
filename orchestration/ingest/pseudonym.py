"""Pseudonymisation of case identifiers (HMAC-SHA-256) and the key that drives it.

`fall_id` values of the youth-welfare exports become `fall_pseudonym` = HMAC-SHA-256(key, fall_id) as
lower-case hex. The key comes in as a `KeySource` (from the Settings resource: the key `pseudonym_key` or
the file `pseudonym_key_file`, each by default from its environment variable). A build with real (non-demo) deliveries and no key refuses to run;
demo deliveries (all marked DEMODATEN) fall back to a random key in the demo key file the settings name
(`Settings.demo_key_file`, by default `var/secrets/pseudonym.key`; `ensure_demo_key`). A `KeySource`
without a demo key file has no fallback.

The HMAC is computed inside DuckDB (no Python loop over the rows): DuckDB has no `hmac()` builtin, but
HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m)) needs only `sha256()` over BLOBs, which
DuckDB has. The two padded keys are passed as prepared-statement parameters, never spliced into SQL
text, so the key does not appear in a query string, a log or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import ENV_DEFAULTS

# the settings' environment variables, named in messages (the Settings resource reads them)
ENV_KEY = ENV_DEFAULTS["pseudonym_key"]
ENV_KEY_FILE = ENV_DEFAULTS["pseudonym_key_file"]
MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256 block size in bytes


class PseudonymKeyError(RuntimeError):
    """No usable pseudonymisation key: the build must not run."""


@dataclass(frozen=True, repr=False)
class PseudonymKey:
    """A key and where it came from (the key bytes are never shown in repr/str)."""

    secret: bytes
    source: str

    def __repr__(self) -> str:
        return f"PseudonymKey(source={self.source!r}, id={self.key_id})"

    __str__ = __repr__

    @property
    def key_id(self) -> str:
        """A short, non-reversible fingerprint to notice that a warehouse was loaded with another key."""
        return hmac.new(self.secret, b"sozialmonitor-key-id", hashlib.sha256).hexdigest()[:16]

    def sql_params(self) -> dict[str, bytes]:
        """The padded inner/outer keys for `hmac_sql` (named parameters `hmac_ipad`, `hmac_opad`)."""
        key = self.secret
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        return {
            "hmac_ipad": bytes(b ^ 0x36 for b in key),
            "hmac_opad": bytes(b ^ 0x5C for b in key),
        }


def hmac_sql(text_expr: str) -> str:
    """SQL for HMAC-SHA-256 hex of the UTF-8 text `text_expr` (NULL stays NULL).

    Needs the parameters from `PseudonymKey.sql_params()` bound to the statement.
    """
    return f"sha256($hmac_opad || unhex(sha256($hmac_ipad || encode({text_expr}))))"


def pseudonym(key: PseudonymKey | bytes, fall_id: str) -> str:
    """Reference implementation for single values (tests, look-ups): identical to `hmac_sql`."""
    secret = key.secret if isinstance(key, PseudonymKey) else key
    return hmac.new(secret, fall_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _checked(secret: bytes, source: str) -> PseudonymKey:
    secret = secret.strip()
    if len(secret) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"pseudonymisation key from {source} is too short ({len(secret)} bytes; at least "
            f"{MIN_KEY_BYTES} expected, e.g. 64 random hex characters)"
        )
    return PseudonymKey(secret=secret, source=source)


@dataclass(frozen=True, repr=False)
class KeySource:
    """Where this run's key comes from: the key itself, else a key file; `demo_file` is the key file that
    demo deliveries fall back to when neither is given (None, the default: no fallback; a build passes the
    `demo_key_file` setting, so only the settings decide where a demo key is written)."""

    secret: str | None = None
    file: Path | str | None = None
    demo_file: Path | None = None

    def __repr__(self) -> str:
        return f"KeySource(secret={'***' if self.secret else None}, file={self.file!r}, demo_file={self.demo_file!r})"

    __str__ = __repr__

    def load(self) -> PseudonymKey | None:
        """The configured key (the key first, then the key file), or None when none is configured."""
        if self.secret:
            return _checked(self.secret.encode("utf-8"), f"${ENV_KEY}")
        if self.file:
            path = Path(self.file)
            if not path.is_file():
                raise PseudonymKeyError(f"${ENV_KEY_FILE} names {path}, which does not exist or is not a file")
            return _checked(path.read_bytes(), str(path))
        return None


def require_key(source: KeySource, demo: bool) -> PseudonymKey:
    """The key for this build.

    Without a configured key a build refuses (`PseudonymKeyError`) unless the deliveries are demo data
    (`demo`) and `source` names a demo key file: then that file's key is used (created by
    `ensure_demo_key` if absent).
    """
    key = source.load()
    if key is not None:
        return key
    if not demo or source.demo_file is None:
        raise PseudonymKeyError(
            "no pseudonymisation key configured: real youth-welfare deliveries are only loaded with a key. "
            f"Set ${ENV_KEY} or ${ENV_KEY_FILE} (a file with at least {MIN_KEY_BYTES} random bytes, "
            "readable only by the pipeline user). The build refuses to run without it."
        )
    path = ensure_demo_key(source.demo_file)
    return _checked(path.read_bytes(), str(path))


def ensure_demo_key(path: Path | str) -> Path:
    """Create the demo key file with a random key (mode 0600) unless it exists; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)  # independent of the umask
    return path
