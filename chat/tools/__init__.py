"""Tools from MCP servers (`CHARLA_MCP_CONFIG`), for the chat loop, the settings page and the API.

```python
hub = shared_hub()                                    # one per process; never raises
hub.config_error                                      # ToolConfigError when the file is bad (no tools then)
specs = hub.tools()                                   # starts servers lazily; only those that are up
payload_tools = [spec.openai_tool() for spec in specs]
spec = hub.tool(call_name)                            # None: the model made the name up
if spec and spec.needs_approval: ...                  # UI: ask first (API: `not spec.api_allowed` -> denied)
call = hub.submit(call_name, arguments_json)          # or hub.call(...) to block
while not call.wait(0.1): ...                         # poll for Stop; call.cancel() sends MCP cancellation
result = call.result()                                # ToolResult: .text for the model, .message(lang) to show
result = await call.aresult()                         # async callers: cancelling the awaiting task cancels it
hub.servers()                                         # ServerStatus per server: up / down + reason / not started
```

Results are untrusted text, capped at :data:`MAX_RESULT_CHARS`. A stdio server gets only HOME, LOGNAME, PATH,
SHELL, TERM, USER and its config's `env`: never Charla's keys or `CHARLA_*` settings.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chat.text import Sentence
    from chat.tools.calls import ToolCall
    from chat.tools.config import DEFAULT_TIMEOUT, ENV_VAR, ToolConfigError, ToolsConfig, load_config, parse_config
    from chat.tools.hub import ServerStatus, ToolHub
    from chat.tools.shared import close_shared, shared_hub
    from chat.tools.spec import MAX_RESULT_CHARS, ToolResult, ToolSpec

_WHERE = {
    "Sentence": "chat.text",
    "ToolCall": "chat.tools.calls",
    **dict.fromkeys(
        ("DEFAULT_TIMEOUT", "ENV_VAR", "ToolConfigError", "ToolsConfig", "load_config", "parse_config"),
        "chat.tools.config",
    ),
    **dict.fromkeys(("ServerStatus", "ToolHub"), "chat.tools.hub"),
    **dict.fromkeys(("close_shared", "shared_hub"), "chat.tools.shared"),
    **dict.fromkeys(("MAX_RESULT_CHARS", "ToolResult", "ToolSpec"), "chat.tools.spec"),
}


def __getattr__(name: str) -> Any:
    """The package's names, imported when first used: the MCP SDK loads only when tools are used."""
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_VAR",
    "MAX_RESULT_CHARS",
    "Sentence",
    "ServerStatus",
    "ToolCall",
    "ToolConfigError",
    "ToolHub",
    "ToolResult",
    "ToolSpec",
    "ToolsConfig",
    "close_shared",
    "load_config",
    "parse_config",
    "shared_hub",
]
