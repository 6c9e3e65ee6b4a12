"""``python -m b3os.local`` (the ``b3os local`` command): banner, keys, fast start, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def start(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], list[str], float]:
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "b3os.local", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip()]
    while not lines[-1].startswith("export B3OS_API_URL="):
        lines.append(proc.stdout.readline().strip())
    url = lines[-1].split("=", 1)[1]
    while True:
        try:
            httpx.get(url + "/_local/health").raise_for_status()
            break
        except httpx.TransportError:
            time.sleep(0.02)
    return proc, lines, time.monotonic() - began


def stop(proc: subprocess.Popen[str], sig: int) -> str:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode in (0, -sig)
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_no_key_prints_ready_to_paste_exports_and_starts_fast(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "data" / "local.db"
    proc, lines, _ = start(["--db", str(db)])
    try:
        url = next(line for line in lines if line.startswith("export B3OS_API_URL=")).split("=", 1)[1]
        out = proc.stdout.readline().strip() if proc.stdout else ""
        assert out.startswith("export B3OS_API_KEY=b3sk_")
        key = out.split("=", 1)[1]
        response = httpx.post(url + "/v1/workflows/validate", headers={"Authorization": f"Bearer {key}"},
                              json={"name": "n", "definition": {"nodes": {"root": {"type": "manual", "payload": {}}}}})  # fmt: skip
        assert response.json()["data"]["valid"] is True
    finally:
        rest = stop(proc, sig)
    assert key not in rest  # nothing after the banner shows the key
    assert (db.parent / "api-key").read_text().strip() == key  # reused on the next start
    assert db.exists()


def test_starts_answering_in_under_two_seconds() -> None:
    """Wall time to the first answer < 2 s (best of two). On a machine busier than its core count
    wall time measures the neighbours, so there the bound applies to the process's own CPU time."""
    times, cpu = [], []
    for _ in range(2):
        proc, _, seconds = start(["--db", ":memory:"])
        stat = Path(f"/proc/{proc.pid}/stat")
        if stat.exists():  # Linux; elsewhere the wall-time bound is all there is
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cpu.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
        stop(proc, signal.SIGTERM)
        times.append(seconds)
        if seconds < 2.0:
            break
    assert min(cpu or times) < 2.0, f"b3os local used {cpu} s of CPU to start"
    if os.getloadavg()[0] <= (os.cpu_count() or 1):
        assert min(times) < 2.0, f"b3os local took {times} s to answer"


def test_given_keys_are_not_printed(tmp_path: Path) -> None:
    proc, lines, _ = start(
        ["--db", ":memory:", "--api-key", "b3sk_flag"], env={"B3OS_LOCAL_API_KEYS": "b3sk_env1,b3sk_env2"}
    )
    try:
        url = lines[-1].split("=", 1)[1]
        for key in ("b3sk_flag", "b3sk_env1", "b3sk_env2"):
            assert (
                httpx.get(url + "/v1/workflows", headers={"Authorization": f"Bearer {key}"}).status_code
                == 200
            )
            httpx.get(url + "/v1/nope", headers={"Authorization": f"Bearer {key}"})
    finally:
        out = stop(proc, signal.SIGTERM)
    assert not any("b3sk_" in line for line in lines) and "b3sk_" not in out


def test_port_in_use_is_a_clear_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "b3os.local", "--port", str(port), "--db", ":memory:"],
                                capture_output=True, text=True, timeout=20)  # fmt: skip
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
