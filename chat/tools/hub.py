"""The process-wide :class:`ToolHub`: every configured MCP server, started lazily once, callable from any thread.

One daemon thread runs an asyncio loop that owns every server's session; the sync methods hand work to it and
wait. A server that fails is marked down with its reason and does not disturb the others.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mcp import MCPError
from mcp.types import REQUEST_TIMEOUT

from chat.text import Lang, Sentence
from chat.tools.calls import ToolCall, parse_arguments
from chat.tools.config import HttpServer, ToolConfigError, ToolsConfig, load_config
from chat.tools.connection import Connection, State, Unavailable
from chat.tools.spec import MAX_RESULT_CHARS, Status, ToolResult, ToolSpec, function_name, to_result
from chat.tools.texts import seconds, sentence

START_TIMEOUT = 20.0
"""Seconds a server may take to start and list its tools."""
GRACE = 5.0
"""Seconds Charla waits beyond a call's own timeout before it gives up on the SDK's answer."""


@dataclass(frozen=True)
class ServerStatus:
    """One configured server as the settings page lists it."""

    name: str
    transport: Literal["stdio", "http"]
    where: str
    """Its command (without arguments) or URL (without query)."""
    state: State
    tools: tuple[ToolSpec, ...]
    """The tools offered from it (after the config's allow-list)."""
    error: Sentence | None
    """Why it is down."""
    retry_in: float | None
    """Seconds until a down server may be tried again."""

    def error_text(self, lang: Lang = "en") -> str:
        """Why it is down, in `lang` ('' when it is not)."""
        return self.error.text(lang) if self.error else ""


class ToolHub:
    """The MCP servers of one config: their status, their tools, and calls to them."""

    def __init__(
        self,
        config: ToolsConfig | None = None,
        *,
        config_error: ToolConfigError | None = None,
        start_timeout: float = START_TIMEOUT,
        max_result_chars: int = MAX_RESULT_CHARS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config_error = config_error
        """Why the config file could not be used (the hub then has no servers)."""
        self.start_timeout = start_timeout
        self.max_result_chars = max_result_chars
        servers = config.enabled() if config else {}
        self._connections = {
            name: Connection(name, server, start_timeout=start_timeout, clock=clock) for name, server in servers.items()
        }
        self._known: dict[str, ToolSpec] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> ToolHub:
        """A hub for the config at `path`; a bad file gives a hub without servers and with `config_error` set."""
        try:
            return cls(load_config(path), **options)
        except ToolConfigError as exc:
            return cls(config_error=exc, **options)

    def __enter__(self) -> ToolHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, timeout: float | None = None) -> None:
        """Start every server that is not up (unless it is waiting out its backoff), and wait for them."""
        if self._closed or not self._connections:
            return
        loop = self._running_loop()
        futures = [asyncio.run_coroutine_threadsafe(c.ensure_started(), loop) for c in self._connections.values()]
        concurrent.futures.wait(futures, timeout=self.start_timeout + GRACE if timeout is None else timeout)

    def servers(self) -> list[ServerStatus]:
        """The status of every configured server (without starting any)."""
        specs = self._specs()
        return [
            ServerStatus(
                name=name,
                transport="http" if isinstance(conn.config, HttpServer) else "stdio",
                where=conn.where,
                state=conn.state,
                tools=tuple(s for s in specs if s.server == name),
                error=conn.error if conn.state == "down" else None,
                retry_in=max(conn.retry_at - conn.clock(), 0.0) if conn.state == "down" else None,
            )
            for name, conn in self._connections.items()
        ]

    def tools(self) -> list[ToolSpec]:
        """The tools to offer the model, from every server that is up (starting servers as needed)."""
        self.start()
        return self._specs()

    def tool(self, function: str) -> ToolSpec | None:
        """The tool the model calls `function` (also one whose server went down since it was offered)."""
        if function not in self._known:
            self.tools()
        return self._known.get(function)

    def submit(
        self, tool: str | ToolSpec, arguments: Mapping[str, Any] | str | None = None, *, timeout: float | None = None
    ) -> ToolCall:
        """Start a call and return at once; `arguments` may be the model's JSON text. `timeout` overrides the
        server's configured seconds."""
        spec = tool if isinstance(tool, ToolSpec) else self.tool(tool)
        function = spec.function if spec else str(tool)
        if spec is None:
            options = ", ".join(sorted(self._known)[:20]) or "(none)"
            reason = sentence("tools.result.unknown", name=function, options=options)
            return ToolCall.finished(function, None, ToolResult.failed("error", reason, tool=function))
        args = parse_arguments(arguments)
        if isinstance(args, Sentence):
            reason = sentence("tools.result.bad_arguments", tool=spec.tool, reason=args)
            return ToolCall.finished(function, spec, ToolResult.failed("error", reason, tool=function))
        conn = self._connections.get(spec.server)
        if self._closed or conn is None:
            reason = sentence(
                "tools.result.unavailable", tool=spec.tool, server=spec.server, reason=sentence("tools.down.closed")
            )
            return ToolCall.finished(function, spec, ToolResult.failed("unavailable", reason, tool=function))
        call = ToolCall(function, spec)
        limit = timeout if timeout is not None else conn.config.timeout
        call._attach(
            asyncio.run_coroutine_threadsafe(self._invoke(conn, spec, args, limit, call), self._running_loop())
        )
        return call

    def call(
        self, tool: str | ToolSpec, arguments: Mapping[str, Any] | str | None = None, *, timeout: float | None = None
    ) -> ToolResult:
        """Run a call and wait for its result (errors and timeouts come back as results, never raised)."""
        return self.submit(tool, arguments, timeout=timeout).result()

    def close(self) -> None:
        """Stop every server and the loop thread; later calls answer that the hub is closed."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        closing = asyncio.run_coroutine_threadsafe(self._close_all(), loop)
        with contextlib.suppress(concurrent.futures.TimeoutError):
            closing.result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    async def _close_all(self) -> None:
        reason = sentence("tools.down.closed")
        await asyncio.gather(*(conn.close(reason) for conn in self._connections.values()))

    async def _invoke(
        self, conn: Connection, spec: ToolSpec, args: dict[str, Any], limit: float, call: ToolCall
    ) -> ToolResult:
        started = time.monotonic()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            call._on_progress(progress, total, message)

        try:
            if not await conn.ensure_started():
                raise Unavailable(conn.error or sentence("tools.down.lost"))
            raw = await asyncio.wait_for(conn.call(spec.tool, args, timeout=limit, progress=on_progress), limit + GRACE)
        # RuntimeError: the SDK refusing what the server sent (e.g. structured content that breaks its schema).
        except (Unavailable, MCPError, TimeoutError, RuntimeError) as exc:
            return _failure(exc, spec, limit, elapsed=time.monotonic() - started)
        finally:
            call._finished.set()
        return to_result(spec, raw, elapsed=time.monotonic() - started, limit=self.max_result_chars)

    def _specs(self) -> list[ToolSpec]:
        taken: set[str] = set()
        specs = [
            ToolSpec.from_mcp(
                name,
                tool,
                function=function_name(name, tool.name, taken),
                auto_approve=tool.name in conn.config.auto_approve,
            )
            for name, conn in self._connections.items()
            if conn.state == "up"
            for tool in conn.tools
            if conn.config.offers(tool.name)
        ]
        self._known.update((spec.function, spec) for spec in specs)
        return specs

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=_serve, args=(self._loop,), name="charla-mcp", daemon=True)
                self._thread.start()
            return self._loop


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _failure(exc: Exception, spec: ToolSpec, limit: float, *, elapsed: float) -> ToolResult:
    names = {"tool": spec.tool, "server": spec.server}
    status: Status
    if isinstance(exc, Unavailable):
        status, reason = "unavailable", sentence("tools.result.unavailable", **names, reason=exc.reason)
    elif isinstance(exc, TimeoutError) or (isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT):
        status, reason = "timeout", sentence("tools.result.timeout", **names, seconds=seconds(limit))
    else:
        detail = exc.message if isinstance(exc, MCPError) else str(exc)
        status, reason = "error", sentence("tools.result.protocol", **names, detail=detail[:500])
    return ToolResult.failed(status, reason, tool=spec.function, elapsed=elapsed)
