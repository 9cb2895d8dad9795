"""One MCP server: a long-lived ClientSession kept by a task on the hub's event loop.

Everything here runs on that loop; the hub reads the plain attributes (`state`, `error`, `tools`) from other
threads. A failed start is remembered with its reason and retried no sooner than the backoff allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.dispatcher import ProgressFnT
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT, CallToolResult, PaginatedRequestParams, Tool

from chat.text import Sentence
from chat.tools.config import HttpServer, SseServer, StdioServer, is_protected
from chat.tools.stderr import StderrTail
from chat.tools.texts import seconds, sentence

State = Literal["not_started", "starting", "up", "down"]
Streams = tuple[Any, Any]

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
"""Seconds before a failed server may be tried again: 1, 2, 4 … up to 60."""
PYTHONS = ("python", "python3")
"""Bare commands that run Charla's own interpreter (the virtualenv's, with `mcp` installed)."""

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The server cannot be used; `reason` says why in words for the person."""

    def __init__(self, reason: Sentence) -> None:
        super().__init__(str(reason))
        self.reason = reason


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failed starts in a row."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(failures - 1, 0))


def public_url(url: str) -> str:
    """`url` without credentials or query, fit to show."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def child_env(env: dict[str, str]) -> dict[str, str]:
    """The config's `env` for a stdio server, without Charla's own names (the SDK adds only HOME, PATH, …)."""
    return {name: value for name, value in env.items() if not is_protected(name)}


class Connection:
    """The session with one server, started on demand and kept until closed or lost."""

    def __init__(
        self,
        name: str,
        config: StdioServer | HttpServer,
        *,
        start_timeout: float,
        clock: Callable[[], float],
    ) -> None:
        self.name = name
        self.config = config
        self.start_timeout = start_timeout
        self.clock = clock
        self.state: State = "not_started"
        self.error: Sentence | None = None
        self.tools: tuple[Tool, ...] = ()
        self.failures = 0
        self.retry_at = 0.0
        self.closed = False
        self._session: ClientSession | None = None
        self._stop: asyncio.Event | None = None
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._http_status: int | None = None

    @property
    def where(self) -> str:
        """What to show for the server: its command (not its arguments, which may hold secrets) or its URL."""
        if isinstance(self.config, StdioServer):
            return self.config.command
        return public_url(self.config.url)

    async def ensure_started(self) -> bool:
        """Start the server unless it is up, starting, or waiting out its backoff; True when it is up."""
        if self.closed or (self.state == "down" and self.clock() < self.retry_at):
            return False
        if self.state in ("not_started", "down"):
            self.state = "starting"
            self._ready = asyncio.get_running_loop().create_future()
            self._task = asyncio.get_running_loop().create_task(self._run(self._ready), name=f"mcp-{self.name}")
        if self._ready is not None:
            await asyncio.shield(self._ready)
        return self.state == "up"

    async def call(
        self, tool: str, arguments: dict[str, Any], *, timeout: float, progress: ProgressFnT | None = None
    ) -> CallToolResult:
        """Call `tool`; MCPError on a protocol error or timeout, Unavailable when the connection is gone."""
        session = self._session
        if session is None or self.state != "up":
            raise Unavailable(self.error or sentence("tools.down.lost"))
        try:
            return await session.call_tool(tool, arguments, read_timeout_seconds=timeout, progress_callback=progress)
        except MCPError as exc:
            if exc.code != CONNECTION_CLOSED:
                raise
            raise Unavailable(self._lost()) from None

    async def close(self, reason: Sentence, timeout: float = 8.0) -> None:
        """Leave the session and stop the server (or wait out its start), within `timeout`; it stays down."""
        self.closed = True
        self._down(reason)
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout)

    def _lost(self) -> Sentence:
        if self.state != "down":  # else it was closed on purpose, and says so
            self._down(sentence("tools.down.lost"))
        return self.error or sentence("tools.down.lost")

    def _down(self, reason: Sentence) -> None:
        if self.state == "up" or self.state == "starting":
            self.failures += 1
            self.retry_at = self.clock() + backoff(self.failures)
        self.state, self.error, self._session = "down", reason, None
        if self._stop is not None:
            self._stop.set()

    async def _run(self, ready: asyncio.Future[None]) -> None:
        self._stop = stop = asyncio.Event()
        self._stderr = deque(maxlen=20)  # a new one: the previous run may still be winding down
        self._http_status = None
        try:
            with anyio.CancelScope() as scope:
                scope.deadline = anyio.current_time() + self.start_timeout
                async with (
                    self._transport() as (read, write),
                    ClientSession(read, write, read_timeout_seconds=self.start_timeout) as session,
                ):
                    await session.initialize()
                    self.tools = tuple(await _list_tools(session))
                    scope.deadline = math.inf
                    self._session, self.state, self.error, self.failures = session, "up", None, 0
                    ready.set_result(None)
                    await stop.wait()
            if scope.cancelled_caught:
                self._end(ready, sentence("tools.down.no_answer", seconds=seconds(self.start_timeout)))
        except Exception as exc:  # an ExceptionGroup from the SDK's task groups, or the spawn's OSError
            self._end(ready, self._describe(_leaf(exc)))
        finally:
            self._end(ready, sentence("tools.down.lost"))
            if not ready.done():
                ready.set_result(None)

    def _end(self, ready: asyncio.Future[None], reason: Sentence) -> None:
        """Mark the server down with `reason`, unless it already is, or a newer run has taken over."""
        if ready is self._ready and self.state != "down":
            self._down(reason)

    def _transport(self) -> contextlib.AbstractAsyncContextManager[Streams]:
        if isinstance(self.config, StdioServer):
            return self._stdio(self.config)
        if isinstance(self.config, SseServer):
            return self._sse(self.config)
        return self._http(self.config)

    @contextlib.asynccontextmanager
    async def _stdio(self, config: StdioServer) -> AsyncIterator[Streams]:
        if config.cwd and not Path(config.cwd).is_dir():
            raise Unavailable(sentence("tools.down.cwd", cwd=config.cwd))
        command = sys.executable if config.command in PYTHONS else config.command
        params = StdioServerParameters(
            command=command, args=list(config.args), env=child_env(config.env), cwd=config.cwd
        )
        with StderrTail(self._stderr, log.getChild(self.name)) as errlog:
            async with stdio_client(params, errlog=errlog) as streams:
                yield streams

    @contextlib.asynccontextmanager
    async def _http(self, config: HttpServer) -> AsyncIterator[Streams]:
        # The SDK's own defaults: a long read timeout, because a server may hold a response stream open.
        timeout = httpx2.Timeout(30.0, read=300.0)
        async with self._http_client(dict(config.headers), timeout) as http:
            async with streamable_http_client(config.url, http_client=http) as streams:
                yield streams

    @contextlib.asynccontextmanager
    async def _sse(self, config: SseServer) -> AsyncIterator[Streams]:
        factory = self._http_client
        async with sse_client(config.url, dict(config.headers), 30.0, httpx_client_factory=factory) as streams:
            yield streams

    def _http_client(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        """The HTTP client of an HTTP or SSE server: notes the status of a refused request, for the reason shown."""

        async def remember(response: httpx2.Response) -> None:
            if response.status_code >= 400:
                self._http_status = response.status_code

        return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, event_hooks={"response": [remember]})

    def _describe(self, exc: BaseException) -> Sentence:
        config = self.config
        if isinstance(exc, Unavailable):
            return exc.reason
        if isinstance(exc, PermissionError) and isinstance(config, StdioServer):
            return sentence("tools.down.not_executable", command=config.command)
        if isinstance(exc, FileNotFoundError) and isinstance(config, StdioServer):
            return sentence("tools.down.not_found", command=config.command)
        if isinstance(config, HttpServer):
            return self._describe_http(exc, public_url(config.url))
        if isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED:
            last = next((line for line in reversed(self._stderr) if line.strip()), "")
            return sentence("tools.down.exited", detail=f": {last.strip()[:200]}" if last else "")
        return _other(exc, self.start_timeout)

    def _describe_http(self, exc: BaseException, url: str) -> Sentence:
        status = self._http_status
        if status in (401, 403):
            return sentence("tools.down.http_auth", url=url, status=status)
        if status is not None:
            return sentence("tools.down.http", url=url, status=status)
        if isinstance(exc, httpx2.TransportError):
            return sentence("tools.down.connect", url=url)
        return _other(exc, self.start_timeout)


def _other(exc: BaseException, start_timeout: float) -> Sentence:
    if isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT:
        return sentence("tools.down.no_answer", seconds=seconds(start_timeout))
    detail = str(exc.message) if isinstance(exc, MCPError) else f"{type(exc).__name__}: {exc}"
    return sentence("tools.down.other", detail=detail[:200])


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside the SDK's (nested) ExceptionGroups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def _list_tools(session: ClientSession) -> list[Tool]:
    tools: list[Tool] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            return tools


__all__ = ["Connection", "State", "Unavailable", "backoff", "child_env", "public_url"]
