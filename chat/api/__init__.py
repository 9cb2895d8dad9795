"""HTTP routes served beside the UI by `st.App(..., routes=routes(), middleware=middleware())`: `POST /api/chat`
and `GET /healthz`; the middleware (:mod:`~chat.api.nodelay`) makes every connection, the UI's too, send at once.

Modules: :mod:`~chat.api.route` (the handler), :mod:`~chat.api.body` (size cap, JSON, request shape),
:mod:`~chat.api.clientip` (client IP, trusted proxies, production rules), :mod:`~chat.api.envelope` (every error
response, rate-limit headers), :mod:`~chat.api.stream` (the SSE response relaying a reply, thread model),
:mod:`~chat.api.encoder` (the AI SDK UI-message stream events) and :mod:`~chat.api.workers` (the API's own worker
threads, the shared ticker).

Routes run outside any Streamlit session: the per-IP rate limit is the one the UI also uses (this process's, or
every replica's in Redis). :mod:`~chat.api.health` answers `GET /healthz` (the store and Redis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.middleware import Middleware
    from starlette.routing import Route

__all__ = ["middleware", "routes"]


def routes() -> list[Route]:
    """The routes `app.py` passes to `st.App` (Starlette is imported here, not when `chat` is)."""
    from starlette.routing import Route

    from chat.api.health import healthz
    from chat.api.route import chat

    return [
        Route("/api/chat", chat, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]


def middleware() -> list[Middleware]:
    """The middleware `app.py` passes to `st.App`: TCP_NODELAY on every connection (:mod:`chat.api.nodelay`)."""
    from starlette.middleware import Middleware

    from chat.api.nodelay import NoDelay

    return [Middleware(NoDelay)]
