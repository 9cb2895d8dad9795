"""A tool call in flight (:class:`ToolCall`) and the model's arguments for it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import threading
import time
from collections.abc import Mapping
from typing import Any

from chat.text import Sentence
from chat.tools.spec import ToolResult, ToolSpec
from chat.tools.texts import sentence

Progress = tuple[float, float | None, str | None]


class ToolCall:
    """A call in flight: wait for it, watch its progress, or cancel it, from any thread."""

    def __init__(self, function: str, spec: ToolSpec | None) -> None:
        self.function = function
        self.spec = spec
        self.progress: Progress | None = None
        """The server's last progress report: (progress, total, message)."""
        self._future: concurrent.futures.Future[ToolResult] = concurrent.futures.Future()
        self._finished = threading.Event()
        """Set once the call's task has ended on the loop (so a cancellation has been sent)."""
        self._started = time.monotonic()

    @classmethod
    def finished(cls, function: str, spec: ToolSpec | None, result: ToolResult) -> ToolCall:
        """A call already answered (by Charla: unknown tool, bad arguments, hub closed)."""
        call = cls(function, spec)
        call._future.set_result(result)
        call._finished.set()
        return call

    def _attach(self, future: concurrent.futures.Future[ToolResult]) -> None:
        self._future = future

    def done(self) -> bool:
        """Whether the result (or the cancellation) is in."""
        return self._future.done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to `timeout` seconds; True when done (to poll for a Stop between waits)."""
        with contextlib.suppress(concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            self._future.exception(timeout)
        return self._future.done()

    def cancel(self, wait: float = 2.0) -> bool:
        """Stop the call: the server is sent `notifications/cancelled`. Waits up to `wait` s for that to be sent."""
        cancelled = self._future.cancel()
        self._finished.wait(wait)
        return cancelled

    def result(self, timeout: float | None = None) -> ToolResult:
        """The result; a cancelled call gives a `cancelled` result. TimeoutError if `timeout` passes first."""
        try:
            return self._future.result(timeout)
        except concurrent.futures.CancelledError:
            spec, function = self.spec, self.function
            reason = sentence(
                "tools.result.cancelled", tool=spec.tool if spec else function, server=spec.server if spec else "?"
            )
            return ToolResult.failed("cancelled", reason, tool=function, elapsed=time.monotonic() - self._started)

    async def aresult(self) -> ToolResult:
        """The result, awaited from async code (the API); cancelling the awaiting task cancels the call."""
        try:
            return await asyncio.wrap_future(self._future)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return self.result()  # cancelled by someone else: a `cancelled` result, as from result()

    def _on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        self.progress = (progress, total, message)


def parse_arguments(arguments: Mapping[str, Any] | str | None) -> dict[str, Any] | Sentence:
    """The call's arguments as a dict, from a mapping or the model's JSON text; a Sentence says why not."""
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return {}
    if not isinstance(arguments, str):
        return dict(arguments)
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError as exc:
        return sentence("tools.arg.json", reason=exc.msg)
    return parsed if isinstance(parsed, dict) else sentence("tools.arg.object")
