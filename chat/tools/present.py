"""What the chat page shows of tools: a step's label and state, its arguments and result as text, the servers."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from chat.text import Lang, t
from chat.tools.steps import ToolStep

if TYPE_CHECKING:
    from chat.tools.hub import ServerStatus, ToolHub

PREVIEW_CHARS = 1_500
"""Characters of a tool's result shown before "Show all"."""

Look = Literal["running", "complete", "error"]


def step_label(step: ToolStep, lang: Lang) -> str:
    """'equipment_status · maintenance — 0.4 s', 'calibrate · maintenance — waiting for your approval', …"""
    names = {"tool": _plain(step.tool or step.function), "server": _plain(step.server or "?")}
    result = step.result
    if step.state == "pending":
        return t("tools.ui.pending", lang, **names)
    if result is None:
        return t("tools.ui.running", lang, **names)
    seconds = f"{result.elapsed:.1f}"
    key = {"ok": "tools.ui.done", "denied": "tools.ui.denied", "cancelled": "tools.ui.stopped"}
    return t(key.get(result.status, "tools.ui.failed"), lang, seconds=seconds, **names)


def _plain(name: str) -> str:
    """A name as label text: a status label renders Markdown (links, images), and the model may call a tool by any
    name, so only letters, digits and `_ . -` stay."""
    return re.sub(r"[^\w.\-]", "?", name)[:64] or "?"


def step_look(step: ToolStep) -> Look:
    """How the step's status box looks: still running, done, or gone wrong (also denied or stopped)."""
    if step.result is None:
        return "running" if step.state != "pending" else "complete"
    return "complete" if step.result.status == "ok" else "error"


def arguments_text(step: ToolStep) -> str:
    """The call's arguments, indented JSON when they parse (as the model wrote them otherwise)."""
    try:
        return json.dumps(json.loads(step.arguments or "{}"), indent=2, ensure_ascii=False)
    except ValueError:
        return step.arguments


@dataclass(frozen=True)
class ResultView:
    """A step's result for the page: the start of it, and all of it when that is longer."""

    preview: str
    full: str

    @property
    def cut(self) -> bool:
        """The preview is not all of it."""
        return len(self.full) > len(self.preview)


def result_view(step: ToolStep, lang: Lang) -> ResultView | None:
    """The result as plain text (None before there is one)."""
    if step.result is None:
        return None
    full = step.message(lang)
    preview = full if len(full) <= PREVIEW_CHARS else full[:PREVIEW_CHARS] + " …"
    return ResultView(preview=preview, full=full)


def server_line(server: ServerStatus, lang: Lang) -> str:
    """'maintenance — 5 tool(s)', 'remote — down: cannot connect to https://…'."""
    if server.state == "down":
        return t("tools.ui.server_down", lang, server=server.name, reason=server.error_text(lang))
    if server.state != "up":
        return t("tools.ui.server_starting", lang, server=server.name)
    return t("tools.ui.server_up", lang, server=server.name, count=len(server.tools))


def tool_flags(server: ServerStatus, lang: Lang) -> list[tuple[str, str, str]]:
    """Per tool of an up server: its name, its description, and whether it reads only, asks first or runs."""
    out = []
    for spec in server.tools:
        if spec.read_only and not spec.destructive:
            flag = t("tools.ui.read_only", lang)
        else:
            flag = t("tools.ui.asks_first", lang) if spec.needs_approval else t("tools.ui.auto", lang)
        out.append((spec.tool, spec.description, flag))
    return out


def tool_servers(lang: Lang) -> tuple[str | None, list[ServerStatus]] | None:
    """Why the config cannot be used (or None) and its servers; None when no MCP config is set.

    Never waits: a server not started yet reads as starting, and starts in the background (the app's warm-up
    usually started it already)."""
    from chat.tools.config import config_path

    if config_path() is None:
        return None
    from chat.tools.shared import shared_hub  # the MCP SDK loads only where a config asks for it

    hub = shared_hub()
    error = hub.config_error
    servers = hub.servers()
    if any(s.state == "not_started" for s in servers):  # started in the background: the next draw shows how it went
        _start_once(hub)
    return (error.message(lang) if error is not None else None), servers


_starting: dict[int, threading.Thread] = {}
_starting_lock = threading.Lock()


def _start_once(hub: ToolHub) -> None:
    """Start the hub's servers in a background thread, unless one is already at it."""
    with _starting_lock:
        running = _starting.get(id(hub))
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(target=hub.start, name="charla-mcp-start", daemon=True)
        _starting[id(hub)] = thread
    thread.start()
