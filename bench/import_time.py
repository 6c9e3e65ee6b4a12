"""Cold import time of ``b3os.client`` + ``b3os.models`` (paid by every Ansible task).

Each sample is a fresh interpreter (``-I`` would drop the venv's site-packages, so only ``-E -s``
isolation from env vars and user site is used). Two figures per sample: the import itself
(perf_counter around the import statement, inside the child) and the whole process wall time
(interpreter start + import + exit). The report is the median of ``RUNS`` samples, plus the
heaviest modules from one ``python -X importtime`` run, and a check that no heavy optional
dependency (rich, yaml, fastapi, pulumi, ansible) was pulled in.

Run: ``python -m bench.import_time`` (prints JSON); ``run()`` returns the same dict.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RUNS = 9
TARGET_MS = 100.0  # issue 14
MODULES = ("b3os.client", "b3os.models")
FORBIDDEN = ("rich", "yaml", "fastapi", "pulumi", "ansible", "click", "pygments")
ROOT = Path(__file__).resolve().parent.parent

_CHILD = f"""
import sys, time, json
t0 = time.perf_counter()
import {", ".join(MODULES)}
t1 = time.perf_counter()
heavy = sorted(m for m in {FORBIDDEN!r} if m in sys.modules)
print(json.dumps({{"import_ms": (t1 - t0) * 1000, "heavy": heavy}}))
"""


def _sample(python: str) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    out = subprocess.run(
        [python, "-E", "-s", "-c", _CHILD], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    wall_ms = (time.perf_counter() - start) * 1000
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["import_ms"]), wall_ms, list(data["heavy"])


def _baseline(python: str) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-E", "-s", "-c", "pass"], cwd=ROOT, check=True)
    return (time.perf_counter() - start) * 1000


def _top_costs(python: str, n: int = 12) -> list[dict[str, Any]]:
    """Heaviest modules by cumulative time from ``-X importtime`` (inflated by the tracing itself)."""
    proc = subprocess.run(
        [python, "-E", "-s", "-X", "importtime", "-c", f"import {', '.join(MODULES)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[dict[str, Any]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, raw_name = line[len("import time:") :].split("|")
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        if depth > 1:  # top level and its direct imports: nested rows would double-count
            continue
        rows.append(
            {
                "module": raw_name.strip(),
                "depth": depth,
                "self_ms": int(self_us) / 1000,
                "cumulative_ms": int(cumulative_us) / 1000,
            }
        )
    return sorted(rows, key=lambda r: float(r["cumulative_ms"]), reverse=True)[:n]


def run(runs: int = RUNS, python: str | None = None) -> dict[str, Any]:
    """Measure and return the figures (milliseconds)."""
    exe = python or sys.executable
    _sample(exe)  # warm the OS file cache and .pyc files so that "cold" means a cold interpreter only
    imports, walls, heavy = [], [], set()
    for _ in range(runs):
        import_ms, wall_ms, loaded = _sample(exe)
        imports.append(import_ms)
        walls.append(wall_ms)
        heavy.update(loaded)
    baseline = statistics.median(_baseline(exe) for _ in range(3))
    median_import = statistics.median(imports)
    return {
        "name": "import_time",
        "modules": list(MODULES),
        "runs": runs,
        "import_ms_median": round(median_import, 1),
        "import_ms_min": round(min(imports), 1),
        "import_ms_max": round(max(imports), 1),
        "process_wall_ms_median": round(statistics.median(walls), 1),
        "interpreter_startup_ms_median": round(baseline, 1),
        "target_ms": TARGET_MS,
        "meets_target": median_import < TARGET_MS,
        "heavy_modules_loaded": sorted(heavy),
        "top_costs": _top_costs(exe),
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
