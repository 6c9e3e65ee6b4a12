"""b3os-local benchmark: GET/create throughput and latency, a 200-node run, memory at 10,000 workflows.

    python -m bench.local_bench          # prints JSON; run() returns the same dict

The server runs in a subprocess (its own GIL); the load comes from a small asyncio HTTP/1.1
keep-alive client in this process, cheap enough that the server, not the client, is measured
on a 2-core machine. ``server_cpu_us_per_request`` (the server process's CPU time per request)
stays meaningful when other work shares the machine; requests/s does not. Bounded: < 60 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from b3os.local import LocalServer

CONCURRENCY = 8
GET_SECONDS = 5.0
WORKFLOWS = 10_000
CHAIN = 200
DEFINITION = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log_message"]},
        "log_message": {
            "type": "log",
            "payload": {"message": "hi {{$trigger.body.message}}"},
            "children": [],
        },
    }
}


class Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {key}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


def _summary(latencies: list[float], seconds: float, errors: int) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 3) if ordered else 0.0

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3) if ordered else 0.0,
        "concurrency": CONCURRENCY,
    }


async def _load(srv: LocalServer) -> dict[str, Any]:
    pid = srv.pid
    conns = [Conn(srv.host, srv.port, srv.api_key) for _ in range(CONCURRENCY)]
    await asyncio.gather(*(c.open() for c in conns))
    ids: list[str] = []
    create_lat: list[float] = []
    errors = 0
    per_conn = WORKFLOWS // CONCURRENCY
    body = json.dumps({"name": "bench", "description": "", "definition": DEFINITION}).encode()

    async def creator(conn: Conn, n: int) -> None:
        nonlocal errors
        for _ in range(n):
            started = time.perf_counter()
            status, payload = await conn.request("POST", "/v1/workflows", body)
            create_lat.append(time.perf_counter() - started)
            if status != 200:
                errors += 1
            else:
                ids.append(json.loads(payload)["data"]["id"])

    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    await asyncio.gather(*(creator(c, per_conn) for c in conns))
    create = _summary(create_lat, time.perf_counter() - started, errors)
    create["server_cpu_us_per_request"] = round((_cpu_seconds(pid) - cpu) / max(1, len(create_lat)) * 1e6)

    get_lat: list[float] = []
    get_errors = 0
    stop_at = time.perf_counter() + GET_SECONDS

    async def getter(conn: Conn, rng: random.Random) -> None:
        nonlocal get_errors
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            status, _ = await conn.request("GET", f"/v1/workflows/{rng.choice(ids)}")
            get_lat.append(time.perf_counter() - t)
            if status != 200:
                get_errors += 1

    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    await asyncio.gather(*(getter(c, random.Random(i)) for i, c in enumerate(conns)))
    get = _summary(get_lat, time.perf_counter() - started, get_errors)
    get["server_cpu_us_per_request"] = round((_cpu_seconds(pid) - cpu) / max(1, len(get_lat)) * 1e6)
    await asyncio.gather(*(c.close() for c in conns))
    return {"create_workflow": create, "get_workflow": get, "stored_workflows": len(ids)}


def _chain_run(srv: LocalServer) -> dict[str, Any]:
    import httpx

    nodes: dict[str, Any] = {"root": {"type": "manual", "payload": {}, "children": ["n0"]}}
    for i in range(CHAIN):
        children = [f"n{i + 1}"] if i + 1 < CHAIN else []
        nodes[f"n{i}"] = {
            "type": "log",
            "payload": {"message": f"step {i} {{{{$trigger.body.x}}}}"},
            "children": children,
        }
    with httpx.Client(
        base_url=srv.url, headers={"Authorization": f"Bearer {srv.api_key}"}, timeout=60
    ) as client:
        wf = client.post(
            "/v1/workflows", json={"name": "chain", "description": "", "definition": {"nodes": nodes}}
        )
        wid = wf.json()["data"]["id"]
        started = time.perf_counter()
        run_id = client.post(f"/v1/workflows/{wid}/run", json={"payload": {"x": 1}}).json()["data"]["runId"]
        with client.stream("GET", f"/v1/runs/{run_id}/stream") as stream:
            for line in stream.iter_lines():
                if line.startswith("event: run_completed"):
                    break
        seconds = time.perf_counter() - started
        status = client.get(f"/v1/runs/{run_id}", params={"summary": "true"}).json()["data"]["status"]
    return {"nodes": CHAIN, "seconds": round(seconds, 3), "status": status}


def _cpu_seconds(pid: int | None) -> float:
    """utime + stime of a process (Linux /proc): robust to other load on the machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int | None) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run() -> dict[str, Any]:
    began = time.perf_counter()
    with LocalServer(port=0, mode="subprocess") as srv:
        idle = _rss_mib(srv.pid)
        load = asyncio.run(_load(srv))
        rss = _rss_mib(srv.pid)
        chain = _chain_run(srv)
    return {
        "get_workflow": load["get_workflow"],
        "create_workflow": load["create_workflow"],
        "run_200_node_workflow": chain,
        "memory": {
            "idle_rss_mib": idle,
            "rss_mib_with_workflows": rss,
            "stored_workflows": load["stored_workflows"],
        },
        "total_seconds": round(time.perf_counter() - began, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "server": "uvicorn (h11, asyncio loop) in a subprocess; SQLite file in WAL mode",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
