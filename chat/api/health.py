"""`GET /healthz` for load balancers: whether this replica's conversation store and Redis answer."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse

from chat import ratelimit
from chat.api.workers import run_blocking


def health() -> dict[str, Any]:
    """Whether this replica can serve: its conversation store answers (`store`: ok/down) and, when the rate
    limits live in Redis, Redis answers (`redis`: ok/down, or off when the limits are in memory)."""
    from chat.store import shared_store

    try:
        store = "ok" if shared_store().ping() else "down"
    except (sa.exc.SQLAlchemyError, OSError):  # could not even open it (unreachable, or migrating failed)
        store = "down"
    limiter = ratelimit.backend()
    redis = "off" if limiter.name == "memory" else ("ok" if limiter.ping() else "down")
    return {"ok": store == "ok" and redis != "down", "store": store, "redis": redis}


async def healthz(request: Request) -> JSONResponse:
    """200 when the store and Redis answer, 503 saying which one did not.

    Each check is bounded (Redis: its socket timeout, 0.5 s; PostgreSQL: its connect timeout, 5 s)."""
    report = await run_blocking(health)
    return JSONResponse(report, status_code=200 if report["ok"] else 503)
