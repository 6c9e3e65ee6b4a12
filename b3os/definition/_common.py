"""Constants, patterns and small helpers shared by the validator's parts."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, cast

from b3os.catalog import NODE_TYPES
from b3os.models import ValidationItem
from b3os.normalize import MAX_DEPTH

# OAS `entity.WorkflowType` enum, plus the legacy `webhook` trigger (§6.1: accepted, never emitted).
TRIGGER_TYPES: frozenset[str] = frozenset(
    {
        "token-price-cexes", "evm-log", "cronjob", "schedule", "manual", "approval",
        "telegram-channel", "polymarket-user-bet", "polymarket-market-trade",
        "polymarket-new-market", "polymarket-market-close", "slack-mentions", "erc20-receive",
        "erc20-send", "anyspend", "shopify-order-created", "shopify-order-paid",
        "shopify-inventory-level-updated", "ramp-new-transaction", "ramp-transaction-status-updated",
        "ramp-transfer-payment-updated", "slack-new-reaction-added", "slack-new-message-in-channels",
        "slack-new-channel-created", "slack-new-direct-message", "slack-new-keyword-mention",
        "slack-new-user-added", "slack-new-user-mention", "slack-new-interaction-event",
        "telegram-new-interaction-event", "email-new-email-received",
        "email-new-email-matching-criteria", "gmail-new-email-received",
        "gmail-new-email-matching-search", "stripe-payment-receive", "eth-receive", "eth-send",
        "farcaster-new-cast", "farcaster-new-follower", "farcaster-new-reaction", "x-new-tweet",
        "exchange-listing", "coinbase-payment-received", "coinbase-checkout-received",
        "solana-transaction", "hyperliquid-price-alert", "hyperliquid-trade", "hyperliquid-user-fill",
        "hyperliquid-liquidation", "hyperliquid-position-change", "hyperliquid-transfer",
        "unusual-whales-options-flow-alerts", "unusual-whales-market-news", "kalshi-market-trade",
        "kalshi-new-market", "kalshi-market-close", "situation-fired", "webhook",
    }
)  # fmt: skip

# §6.1 built-in actions (catalog actions are any lowercase-hyphen id).
BUILTIN_ACTION_TYPES: frozenset[str] = frozenset(
    {
        "log", "delay", "if", "for-each", "wait", "filter", "pluck", "format", "regex",
        "code-transform", "send-webhook", "storage", "org-storage-get", "org-storage-set",
        "org-storage-list", "trigger-workflow", "db-query", "convert-to-wei", "convert-from-wei",
        "list-min", "list-max", "call-x402-endpoint",
    }
)  # fmt: skip


def is_trigger_type(node_type: str) -> bool:
    """A trigger: in the OAS enum, or a trigger of the catalog table (read at call time)."""
    if node_type in TRIGGER_TYPES:
        return True
    entry = NODE_TYPES.get(node_type)
    return entry is not None and entry.get("kind") == "trigger"


CONDITION_OPERATORS: frozenset[str] = frozenset(
    {
        "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$contains", "$notContains",
        "$startsWith", "$endsWith", "$exists", "$notExists", "$in", "$notIn",
    }
)  # fmt: skip

MAX_NODES = 10_000

_NODE_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$")
_ACTION_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A "simple path" expression part: `$nodes.x.result.a`, `x.result.0.b`, `$trigger`, ...
_PATH_RE = re.compile(r"^(\$?[A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z0-9_$-]+)*)$")
_LITERALS = frozenset({"true", "false", "null", "nil", "undefined", "None"})
# Context roots of §7 that never name a node. `$for` and `$nodes` are checked separately.
_CONTEXT_VARS = frozenset(
    {
        "$trigger", "$props", "$inputs", "$workflow", "$workflowId", "$item", "$index",
        "$parent_item", "$vars", "$storage", "$org",
    }
)  # fmt: skip
_PLAIN_ROOTS = frozenset({"root", "ask"})


def _item(
    type_: str,
    code: str,
    message: str,
    node_id: str | None = None,
    field: str | None = None,
    node_name: str | None = None,
) -> ValidationItem:
    return ValidationItem(
        type=type_, code=code, message=message, node_id=node_id, node_name=node_name, field=field
    )


def _where(node_id: str | None) -> str:
    return f"node '{node_id}'" if node_id is not None else "definition"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_whole_expression(value: object) -> bool:
    return isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string (and object key) inside value with its dotted path; iterative."""
    stack: list[tuple[object, str]] = [(value, path)]
    out: list[tuple[str, str]] = []
    while stack:
        v, p = stack.pop()
        if isinstance(v, str):
            out.append((p, v))
        elif isinstance(v, Mapping):
            for k, sub in v.items():
                kp = f"{p}.{k}"
                if isinstance(k, str) and "{{" in k:
                    out.append((kp, k))
                stack.append((sub, kp))
        elif isinstance(v, list):
            for i, sub in enumerate(v):
                stack.append((sub, f"{p}[{i}]"))
    # the stack visits in reverse; restore document order for deterministic reports
    out.sort(key=lambda item: _path_key(item[0]))
    yield from out


def _path_key(path: str) -> list[tuple[int, int | str]]:
    key: list[tuple[int, int | str]] = []
    for part in re.split(r"\.|(?=\[)", path):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            key.append((0, int(part[1:-1])))
        else:
            key.append((1, part))
    return key


# -- JSON-value checks (run before every other rule) ----------------------------------------------
_JSON_SCALARS = (str, int, float, bool, type(None))
_MAX_JSON_ITEMS = 50  # a report, not a dump: the first 50 problems are plenty to start fixing


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")  # C speed; only a lone surrogate fails
    except UnicodeEncodeError:
        return True
    return False


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if _has_lone_surrogate(text) else text


def _parts(link: Any) -> tuple[str | int, ...]:
    """The keys from the definition down to a value, from its (parent link, key) chain."""
    out: list[str | int] = []
    while link is not None:
        link, key = link
        out.append(key)
    return tuple(reversed(out))


def _dotted(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def json_value_problems(definition: Mapping[object, object]) -> list[ValidationItem]:
    """Values JSON cannot carry, each naming its node and dotted field: NaN/±Infinity, lone
    surrogates, non-string keys, non-JSON types (YAML dates), nesting deeper than MAX_DEPTH.

    Iterative, so any depth is safe; runs before the other rules, which assume JSON data."""
    found: list[tuple[tuple[str | int, ...], str, str]] = []  # (path, code, text)
    # (value, link, depth): link is (parent link, key) or None, so a path is built only for a problem
    stack: list[tuple[object, Any, int]] = [(definition, None, 0)]
    while stack and len(found) < _MAX_JSON_ITEMS:
        value, link, depth = stack.pop()
        if depth > MAX_DEPTH:
            text = f"nested more than {MAX_DEPTH} levels deep: flatten it (keep large documents out of the definition)"
            found.append((_parts(link), "too_deep", text))
            continue
        kind = type(value)
        if kind is str:
            if _has_lone_surrogate(cast(str, value)):
                text = "the text holds a lone UTF-16 surrogate (not valid Unicode): remove it or write the whole character"
                found.append((_parts(link), "invalid_unicode", text))
            continue
        if kind is int or kind is bool or value is None:
            continue
        if isinstance(value, Mapping):
            for key, sub in value.items():
                if type(key) is str and (key.isascii() or not _has_lone_surrogate(key)):
                    stack.append((sub, (link, key), depth + 1))
                elif not isinstance(key, str):
                    # YAML reads `true:`, `1:` and `~:` as a bool, a number and null: say it the YAML way
                    shown = json.dumps(key) if isinstance(key, bool) or key is None else repr(key)
                    scalar = isinstance(key, (bool, int, float)) or key is None
                    hint = f"quote it in YAML ('{shown}':)" if scalar else "use a string"
                    text = f"object keys must be strings, got {type(key).__name__} {shown}: {hint}"
                    found.append(((*_parts(link), shown), "non_string_key", text))
                else:
                    text = "the key holds a lone UTF-16 surrogate (not valid Unicode): remove it or write the whole character"
                    found.append(((*_parts(link), _printable(key)), "invalid_unicode", text))
        elif isinstance(value, (list, tuple)):
            stack.extend((sub, (link, i), depth + 1) for i, sub in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            text = f"{value!r} is not a JSON number (NaN and Infinity cannot be sent): use a finite number or a string"
            found.append((_parts(link), "non_finite_number", text))
        elif isinstance(value, str) and _has_lone_surrogate(value):  # a str subclass
            text = "the text holds a lone UTF-16 surrogate (not valid Unicode): remove it or write the whole character"
            found.append((_parts(link), "invalid_unicode", text))
        elif not isinstance(value, _JSON_SCALARS):
            text = (
                f"a {type(value).__name__} is not a JSON value: quote it (YAML reads unquoted dates as dates)"
            )
            found.append((_parts(link), "not_json", text))
    items: list[ValidationItem] = []
    for parts, code, text in sorted(found, key=lambda f: _path_key(_dotted(f[0]))):
        if len(parts) >= 3 and parts[0] == "nodes" and isinstance(parts[1], str):
            node_id: str | None = parts[1]
            field = _dotted(parts[2:])
        else:
            node_id, field = None, _dotted(parts) or "definition"
        type_ = "nodes" if code == "too_deep" else "pattern"
        items.append(_item(type_, code, f"{_where(node_id)}: {field}: {text}", node_id, field))
    return items
