"""The one hub per process, for `CHARLA_MCP_CONFIG`."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from chat.tools.config import config_path
from chat.tools.hub import ToolHub

_shared_lock = threading.Lock()
_shared: tuple[tuple[str, int] | None, ToolHub] | None = None


def shared_hub() -> ToolHub:
    """The process-wide hub for `CHARLA_MCP_CONFIG`, rebuilt when the variable or the file changes."""
    global _shared
    path = config_path()
    key = (str(path), _mtime(path)) if path else None
    with _shared_lock:
        if _shared is not None and _shared[0] == key:
            return _shared[1]
        old = _shared[1] if _shared else None
        hub = ToolHub.from_file(path) if path else ToolHub()
        _shared = (key, hub)
    if old is not None:
        old.close()
    return hub


def close_shared() -> None:
    """Close the process-wide hub (at exit, so no server outlives Charla)."""
    global _shared
    with _shared_lock:
        old, _shared = _shared, None
    if old is not None:
        old[1].close()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


atexit.register(close_shared)
