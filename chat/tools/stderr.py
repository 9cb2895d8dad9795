"""The stderr of a stdio server: kept as its last lines (to say why it died) and logged at DEBUG."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from types import TracebackType
from typing import TextIO


class StderrTail:
    """A pipe for a stdio server's stderr, read on the loop: the last lines explain a server that died at start."""

    def __init__(self, lines: deque[str], log: logging.Logger) -> None:
        self._lines = lines
        self._log = log
        self._buffer = b""

    def __enter__(self) -> TextIO:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        self._fd = read_fd
        self._writer = os.fdopen(write_fd, "w")
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(read_fd, self._read)
        return self._writer

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._writer.close()
        self._read()
        if self._buffer:
            self._lines.append(self._buffer.decode("utf-8", "replace").rstrip())
        self._loop.remove_reader(self._fd)
        os.close(self._fd)

    def _read(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while chunk := os.read(self._fd, 65536):
                self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self._buffer = self._buffer[-4096:]
        for raw in complete:
            line = raw.decode("utf-8", "replace").rstrip()
            self._lines.append(line)
            self._log.debug("%s", line)
