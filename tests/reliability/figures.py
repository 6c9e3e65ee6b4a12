"""The reliability figures the issue asks to print: faults injected, workflows converged, bad
inputs tried, secret scans made and secrets found. Tests add to them; conftest prints them."""

from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()

# Printed in this order, with these labels (RELIABILITY.md uses the same words).
LABELS = {
    "faults_injected": "faults injected (429/503 answered by b3os-local)",
    "workflows_converged": "workflows converged under faults or after a crash",
    "crashes_recovered": "kill -9 / restarts recovered from",
    "conflicts_detected": "concurrent edits refused with a conflict error",
    "bad_inputs": "bad inputs tried (each: clear error, zero writes)",
    "fuzz_examples": "fuzzed inputs (validator, loader, normalizer, CLI file path): no undocumented exception",
    "security_checks": "b3os-local security checks (auth, isolation, size, sandbox)",
    "secret_scans": "captured outputs scanned for secrets",
    "secrets_found": "secrets found",
}


def add(name: str, amount: int = 1) -> None:
    if name not in LABELS:
        raise KeyError(f"unknown reliability figure {name!r}")
    FIGURES[name] += amount


def lines() -> list[str]:
    return [f"{LABELS[key]}: {FIGURES[key]}" for key in LABELS if key in FIGURES or key == "secrets_found"]
