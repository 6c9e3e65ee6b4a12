"""Fingerprints of write-only values: salted, verifiable, never the value."""

from __future__ import annotations

from b3os.resource.fingerprint import fingerprint, matches


def test_fingerprint_verifies_only_the_same_value() -> None:
    stored = fingerprint({"token": "s3cret-value", "team": "T1"})
    assert matches({"team": "T1", "token": "s3cret-value"}, stored) is True  # key order never counts
    assert matches({"token": "other", "team": "T1"}, stored) is False
    assert "s3cret" not in stored


def test_fingerprints_are_salted() -> None:
    assert fingerprint({"a": "1"}) != fingerprint({"a": "1"})
    assert fingerprint({"a": "1"}, salt=b"x" * 16) == fingerprint({"a": "1"}, salt=b"x" * 16)


def test_unknown_or_malformed_fingerprint_is_unknown() -> None:
    assert matches({"a": "1"}, None) is None
    assert matches({"a": "1"}, "md5$abc") is None
    assert matches({"a": "1"}, "pbkdf2-sha256$x$y$z") is None
