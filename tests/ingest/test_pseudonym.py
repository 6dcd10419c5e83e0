"""Pseudonymisation: SQL HMAC = reference HMAC, key sources, refusal without key, demo key file."""

from __future__ import annotations

import hashlib
import hmac
import stat

import duckdb
import pytest

from orchestration.ingest import pseudonym as ps

IDS = ["06432-H0000001", "06432-H0000002", "  06432-H0000003 ", "Fall/ß-ä€-你好", "x" * 300, "1"]


@pytest.fixture(autouse=True)
def no_key_env(monkeypatch, tmp_path):
    monkeypatch.delenv(ps.ENV_KEY, raising=False)
    monkeypatch.delenv(ps.ENV_KEY_FILE, raising=False)
    monkeypatch.setattr(ps, "DEMO_KEY_PATH", tmp_path / "var" / "secrets" / "pseudonym.key")


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


def test_key_from_env_and_from_file(monkeypatch, tmp_path):
    monkeypatch.setenv(ps.ENV_KEY, "env-key-0123456789abcdef")
    assert ps.require_key(demo=False).secret == b"env-key-0123456789abcdef"
    monkeypatch.delenv(ps.ENV_KEY)
    f = tmp_path / "k.key"
    f.write_text("file-key-0123456789abcdef\n")
    monkeypatch.setenv(ps.ENV_KEY_FILE, str(f))
    key = ps.require_key(demo=False)
    assert key.secret == b"file-key-0123456789abcdef" and key.source == str(f)


def test_missing_key_refuses_non_demo_build():
    with pytest.raises(ps.PseudonymKeyError, match="no pseudonymisation key configured.*SOZIALMONITOR_PSEUDONYM_KEY"):
        ps.require_key(demo=False)
    assert not ps.DEMO_KEY_PATH.exists()


def test_bad_key_settings_are_clear_errors(monkeypatch, tmp_path):
    monkeypatch.setenv(ps.ENV_KEY_FILE, str(tmp_path / "nope.key"))
    with pytest.raises(ps.PseudonymKeyError, match="does not exist"):
        ps.require_key(demo=True)
    monkeypatch.delenv(ps.ENV_KEY_FILE)
    monkeypatch.setenv(ps.ENV_KEY, "short")
    with pytest.raises(ps.PseudonymKeyError, match="too short"):
        ps.require_key(demo=False)


def test_demo_build_creates_and_reuses_the_demo_key():
    key = ps.require_key(demo=True)
    path = ps.DEMO_KEY_PATH
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    assert ps.require_key(demo=True).secret == key.secret  # not overwritten


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
