"""HTTP routes served beside the UI (placeholder until the API lands)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request: Request) -> JSONResponse:
    """Liveness for load balancers."""
    return JSONResponse({"ok": True})


def routes() -> list[Route]:
    """The routes `app.py` passes to `st.App`."""
    return [Route("/healthz", healthz, methods=["GET"])]
