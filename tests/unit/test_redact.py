"""b3os.redact: secrets never reach output or diffs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from b3os.redact import REDACTED, SECRET_KEYS, holds_secrets, is_secret_key, redact, redact_text


@pytest.mark.parametrize(
    "key",
    ["triggerSecret", "apiKey", "api_key", "Authorization", "secret", "password", "token", "X-API-Key",
     "clientSecret", "access_token", "trigger_secret", "webhookSecret", "privateKey"],
)  # fmt: skip
def test_secret_named_keys_are_masked(key: str) -> None:
    assert redact({key: "s3cr3t-value"}) == {key: REDACTED}


@pytest.mark.parametrize(
    "key", ["name", "message", "key", "fromToken", "tokenAddress", "maxTokens", "keyword"]
)
def test_ordinary_keys_are_kept(key: str) -> None:
    assert redact({key: "visible"}) == {key: "visible"}


def test_nested_dicts_lists_and_tuples_are_walked_without_mutating_input() -> None:
    value: dict[str, Any] = {
        "workflow": {
            "id": "wf_1",
            "triggerSecret": "ts_abc",
            "runs": [{"headers": {"authorization": "Bearer x"}}],
        },
        "pair": ("a", {"password": "p"}),
    }
    before = copy.deepcopy(value)
    out = redact(value)
    assert value == before
    assert out == {
        "workflow": {
            "id": "wf_1",
            "triggerSecret": REDACTED,
            "runs": [{"headers": {"authorization": REDACTED}}],
        },
        "pair": ("a", {"password": REDACTED}),
    }


def test_known_secret_values_are_masked_inside_strings() -> None:
    out = redact({"log": "POST /v1/webhooks/ts_abc123 failed", "n": 3}, secrets=["ts_abc123", None, ""])
    assert out == {"log": f"POST /v1/webhooks/{REDACTED} failed", "n": 3}


def test_longer_secret_wins_over_its_prefix() -> None:
    assert redact_text("k=abcd1234", ["abcd", "abcd1234"]) == f"k={REDACTED}"


def test_too_short_secrets_are_ignored() -> None:
    assert redact_text("a b c", ["a"]) == "a b c"


def test_bearer_credentials_are_masked_anywhere() -> None:
    assert redact_text("curl -H 'Authorization: Bearer b3os_live_XYZ123'") == (
        f"curl -H 'Authorization: Bearer {REDACTED}'"
    )


def test_empty_or_null_secret_fields_stay_visible() -> None:
    assert redact({"triggerSecret": None, "apiKey": ""}) == {"triggerSecret": None, "apiKey": ""}


def test_key_can_be_declared_secret_by_the_caller() -> None:
    assert redact({"key": "abc"}, keys=SECRET_KEYS | {"key"}) == {"key": REDACTED}
    assert is_secret_key("KEY", SECRET_KEYS | {"key"})
    assert not is_secret_key(3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"headers": {"Authorization": "Bearer abcdefgh"}}, True),
        ({"nodes": {"a": {"payload": {"X-Api-Key": "k-123456"}}}}, True),
        ([{"password": "p"}], True),
        ({"text": "curl -H 'Authorization: Bearer abcdef12'"}, True),
        ({"token": ""}, False),
        ({"password": None}, False),
        ({"key": "counter", "fromToken": "USDC"}, False),
        ({"nodes": {"a": {"payload": {"message": "hi"}}}}, False),
        (None, False),
    ],
    ids=["bearer header", "x-api-key deep", "password in a list", "bearer in text", "empty token",
         "null password", "plain key and fromToken", "no secrets", "None"],
)  # fmt: skip
def test_holds_secrets_is_true_exactly_when_redact_would_mask(value: object, expected: bool) -> None:
    assert holds_secrets(value) is expected
    assert (redact(value) != value) is expected
