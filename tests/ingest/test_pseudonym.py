"""Pseudonymisation: SQL HMAC = reference HMAC, key sources, refusal without key, demo key file."""

from __future__ import annotations

import hashlib
import hmac
import stat

import duckdb
import pytest

from orchestration.ingest import pseudonym as ps
from orchestration.ingest.runner import Options

IDS = ["06432-H0000001", "06432-H0000002", "  06432-H0000003 ", "Fall/ß-ä€-你好", "x" * 300, "1"]


@pytest.fixture
def demo_file(tmp_path):
    return tmp_path / "var" / "secrets" / "pseudonym.key"


def sql_pseudonyms(key: ps.PseudonymKey, ids: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE ids AS SELECT unnest($ids) AS id, generate_subscripts($ids, 1) AS i", {"ids": ids})
    rows = con.execute(f"SELECT {ps.hmac_sql('trim(id)')} FROM ids ORDER BY i", key.sql_params()).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("secret", [b"0123456789abcdef", b"k" * 64, b"a much longer key " * 10])
def test_sql_hmac_equals_reference(secret):
    key = ps.PseudonymKey(secret, "test")
    expected = [hmac.new(secret, i.strip().encode(), hashlib.sha256).hexdigest() for i in IDS]
    assert sql_pseudonyms(key, IDS) == expected
    assert [ps.pseudonym(key, i.strip()) for i in IDS] == expected


def test_same_key_same_pseudonym_other_key_other_pseudonym():
    a = ps.PseudonymKey(b"first-key-0123456789", "a")
    b = ps.PseudonymKey(b"other-key-0123456789", "b")
    assert sql_pseudonyms(a, IDS) == sql_pseudonyms(a, IDS)
    assert all(x != y for x, y in zip(sql_pseudonyms(a, IDS), sql_pseudonyms(b, IDS), strict=True))
    assert a.key_id != b.key_id
    assert "first-key" not in repr(a) and "first-key" not in str(a)


def test_key_from_setting_and_from_file(tmp_path, demo_file):
    key = ps.require_key(ps.KeySource(secret="env-key-0123456789abcdef", demo_file=demo_file), demo=False)
    assert key.secret == b"env-key-0123456789abcdef" and key.source == "$SOZIALMONITOR_PSEUDONYM_KEY"
    f = tmp_path / "k.key"
    f.write_text("file-key-0123456789abcdef\n")
    key = ps.require_key(ps.KeySource(file=str(f), demo_file=demo_file), demo=True)
    assert key.secret == b"file-key-0123456789abcdef" and key.source == str(f)
    assert not demo_file.exists()
    assert "env-key" not in repr(ps.KeySource(secret="env-key-0123456789abcdef"))


def test_missing_key_refuses_non_demo_build(demo_file):
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured.*SOZIALMONITOR_PSEUDONYM_KEY"):
        ps.require_key(ps.KeySource(demo_file=demo_file), demo=False)
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured"):
        ps.require_key(ps.KeySource(demo_file=None), demo=True)  # demo data, but no demo fallback in this run
    assert not demo_file.exists()


def test_without_a_demo_key_file_named_there_is_no_demo_fallback():
    """Only the settings decide where a demo key is written (Settings.demo_key_file, passed by a build): the
    default key source and the loaders' default options have none, so a caller that forgets the options is
    refused instead of writing a key file into the checkout."""
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured"):
        ps.require_key(ps.KeySource(), demo=True)
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured"):
        ps.require_key(Options().key, demo=True)


def test_bad_key_settings_are_clear_errors(tmp_path, demo_file):
    with pytest.raises(ps.PseudonymKeyError, match="SOZIALMONITOR_PSEUDONYM_KEY_FILE names .* does not exist"):
        ps.require_key(ps.KeySource(file=tmp_path / "nope.key", demo_file=demo_file), demo=True)
    with pytest.raises(ps.PseudonymKeyError, match="too short"):
        ps.require_key(ps.KeySource(secret="short", demo_file=demo_file), demo=False)


def test_demo_build_creates_and_reuses_the_demo_key(demo_file):
    key = ps.require_key(ps.KeySource(demo_file=demo_file), demo=True)
    path = demo_file
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    assert ps.require_key(ps.KeySource(demo_file=demo_file), demo=True).secret == key.secret  # not overwritten


def test_ensure_demo_key_tightens_mode_and_keeps_content(tmp_path):
    path = tmp_path / "secrets" / "pseudonym.key"
    assert ps.ensure_demo_key(path) == path
    first = path.read_text()
    path.chmod(0o644)
    ps.ensure_demo_key(path)
    assert path.read_text() == first and stat.S_IMODE(path.stat().st_mode) == 0o600
    other = tmp_path / "other.key"
    ps.ensure_demo_key(other)
    assert other.read_text() != first  # random per file
