"""The floor (bench/floor.py) as a tool: plain httpx, only the unavoidable calls.

``floor`` runs 10 workflows at a time (the parallel floor every ratio divides by); ``floor_seq``
is the same calls one at a time, the floor of a sequential tool, kept as a second row.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.fleet import Fleet
from bench.tools.base import DEFAULT_STEPS, Context

SCRIPT = Path(__file__).resolve().parent.parent / "floor.py"
PARALLEL = 10


class Floor:
    name = "floor"
    title = "floor (httpx, unavoidable calls only, 10 at a time)"
    steps = DEFAULT_STEPS
    ours = False
    parallel = PARALLEL

    def unavailable(self) -> str | None:
        return None

    def setup(self, ctx: Context) -> None:
        (ctx.workdir / "floor-ids.json").unlink(missing_ok=True)

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        fleet_file = ctx.workdir / "fleet.json"
        fleet.write_json(fleet_file)
        return [
            sys.executable,
            str(SCRIPT),
            step,
            str(fleet_file),
            str(ctx.workdir / "floor-ids.json"),
            "--parallel",
            str(self.parallel),
        ]

    def teardown(self, ctx: Context) -> None:
        pass


class SequentialFloor(Floor):
    name = "floor_seq"
    title = "sequential floor (the same calls, one at a time)"
    parallel = 1
