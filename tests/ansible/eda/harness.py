"""Runs the b3os.b3os.run_events source outside ansible-rulebook: each event it puts on the
queue is printed as one JSON line at once (printed = consumed). Usage: harness.py PLUGIN ARGS_JSON

SIGTERM and SIGINT stop it the way ansible-rulebook 1.3 stops (its cli.setup_signal_handlers):
the handler raises KeyboardInterrupt, and asyncio.run cancels the source's tasks."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import signal
import sys
from typing import Any


class PrintingQueue(asyncio.Queue[Any]):
    async def put(self, item: Any) -> None:
        print(json.dumps(item["b3os"]), flush=True)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"Signal {signal.Signals(signum).name} received")


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    spec = importlib.util.spec_from_file_location("run_events", sys.argv[1])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        asyncio.run(module.main(PrintingQueue(), json.loads(sys.argv[2])))
    except KeyboardInterrupt:
        pass  # a normal stop


if __name__ == "__main__":
    main()
