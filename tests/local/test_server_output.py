"""LocalServer reads its subprocess's output while the subprocess writes it (the ready line)."""

from __future__ import annotations

import os
import tempfile
import threading

from b3os.local.server import LocalServer


def test_reading_the_output_never_moves_where_the_subprocess_writes() -> None:
    # The child writes through the same open file as the reader: a reader that seeks would move the
    # child's write position too, and the child's next line would overwrite the start of the file
    # (CI once lost the ready line that way: "...:44641641").
    server = LocalServer(port=0, mode="subprocess")
    with tempfile.TemporaryFile() as out:
        server._out = out
        fd = out.fileno()
        lines = [f"line {i}\n".encode() for i in range(3000)]

        def child() -> None:
            for line in lines:
                os.write(fd, line)

        writer = threading.Thread(target=child)
        writer.start()
        seen = ""
        while writer.is_alive():
            seen = server._output()
        writer.join()
        assert server._output() == b"".join(lines).decode()
        assert b"".join(lines).decode().startswith(seen)
        server._out = None
