"""The backlog process's own side (see backlog_process): `python -m peertui.core.backlog_worker`.

It reads requests from standard input and answers on standard output, one frame each: 4
bytes of length (big-endian), then a pickle. Both ends are this program, on this computer,
so a pickle is as safe as any call between modules. The first frame out says it has loaded
every list and pattern; then one answer per request, in order. It ends at the end of its input,
which comes when the parent ends however it ends, and writes nothing else anywhere.
"""

from __future__ import annotations

import pickle
import signal
import struct
import sys
from typing import IO

HEADER = struct.Struct(">I")


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame, or None at the end of the stream (also when it ends inside a frame)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    return body if len(body) == size else None


def write_frame(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def main() -> None:
    # Ctrl+C in a plain-mode terminal reaches the whole process group: it is the front end's.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames ever goes to the parent's pipe

    from peertui.core.backlog_process import read_run
    from peertui.wellbeing.fold import received_checks

    language = sys.argv[1] if len(sys.argv) > 1 else "en"
    received_checks("warm up", language)  # every list and pattern loaded before the first run
    write_frame(answers, "ready")
    while (frame := read_frame(requests)) is not None:
        inbound, me, run_language, run = pickle.loads(frame)
        try:
            answer: object = read_run(inbound, me, run_language, run)
        except Exception as exc:  # noqa: BLE001 - the parent reads that run itself
            answer = type(exc).__name__
        try:
            write_frame(answers, answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            write_frame(answers, "unpicklable")  # (an outcome's exception, say)


if __name__ == "__main__":
    main()
