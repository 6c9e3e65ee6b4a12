"""The floor (bench/floor.py) as a tool: plain httpx, only the unavoidable calls."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.fleet import Fleet
from bench.tools.base import DEFAULT_STEPS, Context

SCRIPT = Path(__file__).resolve().parent.parent / "floor.py"


class Floor:
    name = "floor"
    title = "floor (httpx, unavoidable calls only)"
    steps = DEFAULT_STEPS
    ours = False

    def unavailable(self) -> str | None:
        return None

    def setup(self, ctx: Context) -> None:
        (ctx.workdir / "floor-ids.json").unlink(missing_ok=True)

    def command(self, ctx: Context, step: str, fleet: Fleet) -> list[str]:
        fleet_file = ctx.workdir / "fleet.json"
        fleet.write_json(fleet_file)
        return [sys.executable, str(SCRIPT), step, str(fleet_file), str(ctx.workdir / "floor-ids.json")]

    def teardown(self, ctx: Context) -> None:
        pass
