"""Run one command and report its wall time and peak RSS, from a fresh process.

``getrusage(RUSAGE_CHILDREN)`` covers every descendant that was waited for, so it is only
meaningful in a process that has run nothing else: that is why each measurement runs this
module as its own subprocess. ``ru_maxrss`` of children is the peak RSS of the largest single
process of the tree (Linux reports kilobytes), not the sum of concurrent processes.

Usage: ``python -m bench._rusage LOGFILE -- CMD [ARGS...]``; prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m bench._rusage LOGFILE -- CMD [ARGS...]", file=sys.stderr)
        return 2
    log, cmd = argv[0], argv[2:]
    # A shell starts background jobs with SIGINT/SIGQUIT ignored, and children inherit that: the
    # pulumi CLI stops its plugins with SIGINT and then waits ~5 s for them to exit, per command.
    # Measure what a user at a terminal gets: default dispositions.
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    with open(log, "wb") as out:
        start = time.perf_counter()
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "rc": rc,
                "wall_s": wall,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "cpu_s": usage.ru_utime + usage.ru_stime,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
