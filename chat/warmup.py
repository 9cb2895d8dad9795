"""Warm-up at start: what the first reply would otherwise wait for, done once per process in a background thread.

The SDKs and the token encoder load, the store opens, and the MCP servers of `CHARLA_MCP_CONFIG` start, so that
the first visitor waits no longer than the second. A failure here is only logged: the reply that needs the part
then loads it as before and reports its own error.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None

MODULES = (
    "groq",
    "mistralai",
    "chat.providers.groq",
    "chat.providers.mistral",
    "chat.service",
    "chat.reply",
    "chat.render",
    "chat.turn",
)


def warm_up() -> threading.Thread:
    """Start the warm-up (once per process); the thread, for whoever wants to wait for it."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_run, name="charla-warm-up", daemon=True)
            _thread.start()
        return _thread


def _run() -> None:
    for step in (_imports, _encoder, _store, _tools):
        try:
            step()
        except Exception:  # noqa: BLE001 - logged; the first request meets the same problem and reports it
            log.warning("warm-up step %s failed", step.__name__, exc_info=True)


def _imports() -> None:
    for name in MODULES:
        importlib.import_module(name)


def _encoder() -> None:
    from chat.tokens import count_text

    count_text("warm up")


def _store() -> None:
    from chat.store import shared_store

    shared_store()


def _tools() -> None:
    from chat.tools.config import config_path

    if config_path() is not None:
        from chat.tools.shared import shared_hub

        shared_hub().start()
