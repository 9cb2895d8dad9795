"""Every connection to the server sends at once (TCP_NODELAY), as the UI's WebSocket and the API's streams need.

Streamlit binds its listening socket itself, without naming the protocol, so asyncio does not see a TCP socket
in the connections it accepts and leaves Nagle's algorithm on: a response written in two parts (the headers,
then the body; a reply's chunks; the page's WebSocket messages) holds its second part until the client has
acknowledged the first, which a client delays by up to 40 ms (Linux's delayed ACK). Every `GET /healthz` took
44 ms on 127.0.0.1, and every streamed chunk could wait as long.

uvloop (which Charla installs, except on Windows) turns Nagle's algorithm off on every TCP connection itself; this
middleware is for asyncio's own loop, where Streamlit's server runs without it.
"""

from __future__ import annotations

import socket
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


class NoDelay:
    """ASGI middleware: turns Nagle's algorithm off on the connection of every request and WebSocket it sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            no_delay(receive)
        await self.app(scope, receive, send)


def no_delay(receive: Any) -> bool:
    """Set TCP_NODELAY on the socket under the ASGI server's `receive` (uvicorn's is a method of the object that
    holds the connection's asyncio transport; Starlette's middleware wraps `send`, not `receive`); False when
    there is none to set."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    get_extra_info = getattr(transport, "get_extra_info", None)
    sock = get_extra_info("socket") if callable(get_extra_info) else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        return False
    return True
