"""Runs the b3os.b3os.run_events source outside ansible-rulebook: each event it puts on the
queue is printed as one JSON line at once (printed = consumed). Usage: harness.py PLUGIN ARGS_JSON"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from typing import Any


class PrintingQueue(asyncio.Queue[Any]):
    async def put(self, item: Any) -> None:
        print(json.dumps(item["b3os"]), flush=True)


def main() -> None:
    spec = importlib.util.spec_from_file_location("run_events", sys.argv[1])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    asyncio.run(module.main(PrintingQueue(), json.loads(sys.argv[2])))


if __name__ == "__main__":
    main()
