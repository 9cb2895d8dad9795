"""Warm-up at start: what the first reply would otherwise wait for, done once per process in a background thread.

The SDKs, the page's modules and the token encoder load, the store opens, the model lists of the providers the
server has keys for are read, and the MCP servers of `CHARLA_MCP_CONFIG` start, so that the first visitor waits no
longer than the second. A failure here is only logged: the page or reply that needs the part then loads it as
before and reports its own error.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from functools import partial

log = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None

MODULES = (
    "groq",
    "groq.resources.models",
    "mistralai",
    "httpcore",
    "encodings.idna",
    "babel.dates",
    "chat.providers.groq",
    "chat.providers.mistral",
    "chat.service",
    "chat.reply",
    "chat.render",
    "chat.turn",
)
"""What the first page and the first reply import on first use (the SDKs load their model lists and httpx its
transport lazily; dates are written with babel's)."""


def warm_up(pages: tuple[str, ...] = ()) -> threading.Thread:
    """Start the warm-up (once per process), importing the launcher's `pages` modules too; the thread, for whoever
    wants to wait for it."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_run, args=(MODULES + pages,), name="charla-warm-up", daemon=True)
            _thread.start()
        return _thread


def _run(modules: tuple[str, ...]) -> None:
    steps: dict[str, Callable[[], None]] = {
        "imports": partial(_imports, modules),
        "encoder": _encoder,
        "store": _store,
        "catalog": _catalog,
        "tools": _tools,
    }
    for name, step in steps.items():
        try:
            step()
        except Exception:  # noqa: BLE001 - logged; the first request meets the same problem and reports it
            log.warning("warm-up step %s failed", name, exc_info=True)


def _imports(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def _encoder() -> None:
    from chat.tokens import count_text

    count_text("warm up")


def _store() -> None:
    from chat.store import shared_store

    shared_store()


def _catalog() -> None:
    """The model lists the picker shows, read with the server's keys (kept for the catalog's TTL)."""
    from chat import config
    from chat.catalog import offer_for

    for provider in config.keys_in_use():
        offer_for(provider)


def _tools() -> None:
    from chat.tools.config import config_path

    if config_path() is not None:
        from chat.tools.shared import shared_hub

        shared_hub().start()
