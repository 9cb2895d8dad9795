"""`chat.api.nodelay` on a real uvicorn server whose listening socket is bound as Streamlit binds its own
(`socket.socket(family=...)`, no protocol named): the connections it accepts come without TCP_NODELAY, and the
middleware turns it on for HTTP requests and for WebSockets (the page's connection) alike.

The app behind the middleware answers with the TCP_NODELAY option of its own accepted socket, read from the
kernel, so nothing here is timed. (`tests/test_api_live.py` shows what the option changes on `streamlit run`:
a response no longer waits for the client's delayed ACK.)
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.sync.client import connect

from chat.api.nodelay import NoDelay, no_delay


def _option(receive: Any) -> int:
    """TCP_NODELAY of the connection under uvicorn's `receive`, as the kernel reports it."""
    sock = receive.__self__.transport.get_extra_info("socket")
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)


async def report(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers an HTTP request or a WebSocket with "nodelay=<0|1>" for its own connection."""
    text = f"nodelay={_option(receive)}"
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": text})
        await send({"type": "websocket.close"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": text.encode()})


def _serve(app: Any) -> Iterator[str]:
    sock = socket.socket(family=socket.AF_INET)  # as Streamlit's `_bind_socket`: the protocol is left at 0
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(sockets=[sock]),), daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()
        sock.close()


@pytest.fixture(scope="module")
def plain() -> Iterator[str]:
    yield from _serve(report)


@pytest.fixture(scope="module")
def wrapped() -> Iterator[str]:
    yield from _serve(NoDelay(report))


def _http(address: str) -> str:
    return httpx.get(f"http://{address}/").text


def _websocket(address: str) -> str:
    with connect(f"ws://{address}/") as ws:
        return str(ws.recv(timeout=10))


@pytest.mark.parametrize("ask", [_http, _websocket], ids=["http", "websocket"])
def test_streamlit_style_sockets_come_without_nodelay(plain: str, ask: Any) -> None:
    assert ask(plain) == "nodelay=0"


@pytest.mark.parametrize("ask", [_http, _websocket], ids=["http", "websocket"])
def test_the_middleware_turns_nodelay_on_for_requests_and_websockets(wrapped: str, ask: Any) -> None:
    assert ask(wrapped) == "nodelay=1"


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def get_extra_info(self, name: str) -> Any:
        return self._sock if name == "socket" else None


class _Cycle:
    """Holds a transport as uvicorn's request cycle does, over a socket that is not TCP."""

    def __init__(self, sock: socket.socket) -> None:
        self.transport = _Transport(sock)

    async def receive(self) -> dict[str, Any]:
        return {}


def test_a_receive_without_a_tcp_connection_is_left_alone() -> None:
    assert no_delay(None) is False
    assert no_delay(lambda: None) is False
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert no_delay(_Cycle(left).receive) is False
