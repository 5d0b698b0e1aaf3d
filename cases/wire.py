"""Messages between the harness and an adapter's worker process: length-prefixed pickles.

Both ends are this suite's own code (``cases.isolation`` and ``cases.worker``); the pipe is
private to the two processes. The reading end of the harness waits with a deadline
(:func:`read_message` with ``deadline``), so a worker that hangs or dies is noticed.
"""

from __future__ import annotations

import os
import pickle
import selectors
import struct
import time
from typing import Any, BinaryIO

__all__ = ["Closed", "TimedOut", "encode", "read_message", "write_message"]

_HEADER = struct.Struct("<Q")


class Closed(Exception):
    """The other end closed the pipe (the process exited or died)."""


class TimedOut(Exception):
    """No complete message arrived before the deadline."""


def encode(message: Any) -> bytes:
    """One framed message; raises whatever pickling raises (the caller reports it)."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def write_message(stream: BinaryIO, frame: bytes) -> None:
    """Write one frame made by :func:`encode` and flush it."""
    stream.write(frame)
    stream.flush()


def read_message(fd: int, deadline: float | None = None) -> Any:
    """Read one message from the file descriptor ``fd``.

    ``deadline`` is a :func:`time.monotonic` time; without one, block. Raises :class:`Closed`
    at end of file and :class:`TimedOut` when the deadline passes first.
    """
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exactly(fd, size, deadline))


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while size:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimedOut
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise Closed
            chunks.append(chunk)
            size -= len(chunk)
    return b"".join(chunks)
