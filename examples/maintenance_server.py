"""A small MCP server for Charla's demo and tests: equipment status and maintenance tasks of a plant's HVAC.

    python examples/maintenance_server.py               # stdio (what examples/mcp.json starts)
    python examples/maintenance_server.py --http 8765   # streamable HTTP on http://127.0.0.1:8765/mcp

Environment: MAINTENANCE_LOG names a file where the server appends what it does (start, calibrations and their
cancellation) — the tests read it; MAINTENANCE_TOKEN, with --http, requires `Authorization: Bearer <token>`.
stdout is the protocol channel in stdio mode, so nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from starlette.types import ASGIApp, Receive, Scope, Send

EQUIPMENT: dict[str, dict[str, Any]] = {
    "UMA-001": {
        "name": "Air handling unit, 1st floor offices",
        "category": "HVAC",
        "site": "Building A",
        "state": "running",
        "supply_air_c": 14.2,
        "filter_pressure_drop_pa": 145,
        "runtime_hours": 12_480,
    },
    "UMA-002": {
        "name": "Air handling unit, laboratory",
        "category": "HVAC",
        "site": "Building A",
        "state": "running with alarm",
        "alarm": "filter pressure drop high",
        "supply_air_c": 15.8,
        "filter_pressure_drop_pa": 310,
        "runtime_hours": 20_915,
    },
    "UMA-003": {
        "name": "Air handling unit, warehouse",
        "category": "HVAC",
        "site": "Building B",
        "state": "stopped for maintenance",
        "supply_air_c": None,
        "filter_pressure_drop_pa": None,
        "runtime_hours": 8_022,
    },
    "CHL-001": {
        "name": "Water chiller, roof",
        "category": "HVAC",
        "site": "Building A",
        "state": "running",
        "chilled_water_out_c": 7.1,
        "runtime_hours": 31_204,
    },
    "BMB-001": {
        "name": "Booster pump, domestic water",
        "category": "Plumbing",
        "site": "Building B",
        "state": "running",
        "discharge_bar": 4.6,
        "runtime_hours": 15_730,
    },
}

TASKS: list[dict[str, str]] = [
    {
        "id": "OT-1041",
        "equipment_id": "UMA-002",
        "task": "Replace F7 bag filters",
        "due": "2026-12-04",
        "priority": "high",
    },
    {
        "id": "OT-1042",
        "equipment_id": "UMA-001",
        "task": "Quarterly belt tension and bearing check",
        "due": "2026-12-15",
        "priority": "normal",
    },
    {
        "id": "OT-1043",
        "equipment_id": "UMA-003",
        "task": "Replace supply fan motor",
        "due": "2026-12-02",
        "priority": "high",
    },
    {
        "id": "OT-1044",
        "equipment_id": "CHL-001",
        "task": "Check refrigerant charge",
        "due": "2027-01-10",
        "priority": "normal",
    },
]

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def log(event: str) -> None:
    """Append `event` to MAINTENANCE_LOG, when set (stderr otherwise; stdout is the protocol)."""
    path = os.environ.get("MAINTENANCE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{event}\n")


def _known(equipment_id: str) -> dict[str, Any]:
    found = EQUIPMENT.get(equipment_id.strip().upper())
    if found is None:
        raise ToolError(f"unknown equipment {equipment_id!r}; known: {', '.join(EQUIPMENT)}")
    return found


def build_server() -> MCPServer:
    """The server with its tools (a fresh task list each time)."""
    server = MCPServer(
        name="maintenance",
        version="1.0.0",
        instructions="Equipment status and maintenance tasks of the plant's HVAC and pumps (demo data).",
        log_level="WARNING",
    )
    tasks = [dict(task) for task in TASKS]

    @server.tool(title="List equipment", annotations=READ_ONLY)
    def list_equipment(category: str | None = None) -> dict[str, list[dict[str, str]]]:
        """List the plant's equipment (id, name, category, site), optionally only one category such as HVAC."""
        found = [
            {"equipment_id": key, "name": item["name"], "category": item["category"], "site": item["site"]}
            for key, item in EQUIPMENT.items()
            if category is None or item["category"].lower() == category.lower()
        ]
        return {"equipment": found}

    @server.tool(title="Equipment status", annotations=READ_ONLY)
    def equipment_status(equipment_id: str) -> dict[str, Any]:
        """Current state and readings of one piece of equipment, e.g. UMA-001."""
        return {"equipment_id": equipment_id.strip().upper(), **_known(equipment_id)}

    @server.tool(title="Pending maintenance tasks", annotations=READ_ONLY)
    def pending_maintenance_tasks(equipment_id: str | None = None) -> dict[str, list[dict[str, str]]]:
        """Maintenance work orders not yet done, soonest first; optionally for one piece of equipment."""
        if equipment_id is not None:
            _known(equipment_id)
        wanted = [t for t in tasks if equipment_id is None or t["equipment_id"] == equipment_id.strip().upper()]
        return {"tasks": sorted(wanted, key=lambda t: t["due"])}

    @server.tool(
        title="Schedule maintenance",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
        ),
    )
    def schedule_maintenance(equipment_id: str, task: str, date: str) -> dict[str, str]:
        """Create a maintenance work order for `date` (YYYY-MM-DD); the equipment is taken out of service then."""
        _known(equipment_id)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise ToolError(f"date must be YYYY-MM-DD, got {date!r}") from None
        order = {
            "id": f"OT-{1041 + len(tasks)}",
            "equipment_id": equipment_id.strip().upper(),
            "task": task.strip(),
            "due": day.isoformat(),
            "priority": "normal",
        }
        tasks.append(order)
        log(f"scheduled {order['id']}")
        return order

    @server.tool(
        title="Calibrate sensors",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def calibrate(equipment_id: str, ctx: Context, seconds: float = 3.0) -> str:
        """Recalibrate the sensors of one piece of equipment; takes `seconds` (at most 60), reporting progress."""
        _known(equipment_id)
        seconds = min(max(seconds, 0.0), 60.0)
        log(f"calibrate start {equipment_id}")
        steps = max(int(seconds * 4), 1)
        try:
            for step in range(steps):
                await ctx.report_progress(step, steps, f"calibrating {equipment_id}")
                await anyio.sleep(seconds / steps)
        except anyio.get_cancelled_exc_class():
            log(f"calibrate cancelled {equipment_id}")
            raise
        log(f"calibrate done {equipment_id}")
        return f"{equipment_id}: sensors calibrated"

    return server


class BearerToken:
    """ASGI middleware: every request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != self.expected:
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
            return
        await self.app(scope, receive, send)


def http_app(token: str | None = None) -> ASGIApp:
    """The server over streamable HTTP at /mcp (behind a bearer token when one is given)."""
    app: ASGIApp = build_server().streamable_http_app(streamable_http_path="/mcp")
    return BearerToken(app, token) if token else app


def sse_app(token: str | None = None) -> ASGIApp:
    """The server over the older HTTP+SSE transport: the event stream at /sse, messages POSTed to /messages/."""
    app: ASGIApp = build_server().sse_app()
    return BearerToken(app, token) if token else app


def main(argv: list[str]) -> None:
    """Run over stdio, over streamable HTTP with `--http PORT`, or over HTTP+SSE with `--sse PORT`."""
    log(f"start pid={os.getpid()} env={','.join(sorted(os.environ))}")
    if len(argv) == 2 and argv[0] in ("--http", "--sse"):
        import uvicorn

        app = (http_app if argv[0] == "--http" else sse_app)(os.environ.get("MAINTENANCE_TOKEN"))
        uvicorn.run(app, host="127.0.0.1", port=int(argv[1]))
        return
    if argv:
        sys.exit(f"usage: {sys.argv[0]} [--http PORT | --sse PORT]")
    build_server().run()


if __name__ == "__main__":
    main(sys.argv[1:])
