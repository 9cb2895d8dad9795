"""`CHARLA_MCP_CONFIG`: the JSON file of MCP servers, in the shape other MCP clients already use.

```json
{"mcpServers": {
  "maintenance": {"command": "python", "args": ["examples/maintenance_server.py"], "env": {}, "cwd": null,
                  "tools": ["equipment_status"], "autoApprove": ["equipment_status"], "timeout": 30},
  "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer …"}},
  "older": {"url": "https://example.com/sse", "type": "sse"}}}
```

A `url` is a streamable-HTTP server, or one on the older HTTP+SSE transport when `type` is `"sse"` or, with no
`type`, when the URL's path ends in `/sse` (the convention of such servers). Keys other clients add (`disabled`,
`description`, …) are accepted; `disabled: true` skips a server.
A bare `python` or `python3` command runs Charla's own interpreter, so the example works from the repo whether or
not the virtualenv is activated; any other command is looked up on PATH. Relative paths (`args`, `cwd`) are
relative to Charla's working directory. Values are taken literally: no `${VAR}` expansion.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chat.errors import ConfigError
from chat.text import Lang, Sentence
from chat.tools.texts import sentence

ENV_VAR = "CHARLA_MCP_CONFIG"
DEFAULT_TIMEOUT = 30.0
"""Seconds one tool call may take when the server's config does not say."""

PROTECTED_ENV = ("GROQ_API_KEY", "MISTRAL_API_KEY")
"""Charla's keys: never given to a tool server (nor is anything named `CHARLA_*`)."""


def is_protected(name: str) -> bool:
    """Whether `name` is one of Charla's own variables, which no tool server may receive."""
    return name.upper() in PROTECTED_ENV or name.upper().startswith("CHARLA_")


class _Server(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    tools: tuple[str, ...] | None = None
    """The tools offered to the model; None offers every tool the server lists."""
    auto_approve: tuple[str, ...] = Field((), validation_alias=AliasChoices("autoApprove", "auto_approve"))
    """Tools that run without asking the person (and may run through the API)."""
    timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600)
    """Seconds one tool call may take."""
    disabled: bool = False

    def offers(self, tool: str) -> bool:
        """Whether the allow-list lets the model see `tool`."""
        return self.tools is None or tool in self.tools


class StdioServer(_Server):
    """A server Charla starts as a subprocess and talks to over stdin/stdout."""

    command: str = Field(min_length=1)
    args: tuple[str, ...] = ()
    env: dict[str, str] = {}
    cwd: str | None = None

    @field_validator("env")
    @classmethod
    def _no_charla_env(cls, env: dict[str, str]) -> dict[str, str]:
        for name in env:
            if is_protected(name):
                raise PydanticCustomError("protected_env", "env may not set {name}", {"name": name})
        return env


class HttpServer(_Server):
    """A server Charla reaches over streamable HTTP."""

    url: str
    headers: dict[str, str] = {}

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.lower().startswith(("http://", "https://")):
            raise PydanticCustomError("url_scheme", "url must start with http:// or https://")
        return url


class SseServer(HttpServer):
    """A server Charla reaches over the older HTTP+SSE transport (a GET event stream, messages POSTed beside it)."""


def _kind(entry: Any) -> str | None:
    if not isinstance(entry, dict) or ("command" in entry) == ("url" in entry):
        return None
    if "command" in entry:
        return "stdio"
    kind = str(entry.get("type") or "").lower()
    if kind == "sse" or (not kind and urlsplit(str(entry["url"])).path.rstrip("/").endswith("/sse")):
        return "sse"
    return "http"


ServerConfig = Annotated[
    Annotated[StdioServer, Tag("stdio")] | Annotated[HttpServer, Tag("http")] | Annotated[SseServer, Tag("sse")],
    Discriminator(
        _kind,
        custom_error_type="server_kind",
        custom_error_message="give either command or url",
    ),
]


class ToolsConfig(BaseModel):
    """The parsed file: servers by name, in the file's order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    servers: dict[str, ServerConfig] = Field(validation_alias=AliasChoices("mcpServers", "servers"))

    @field_validator("servers")
    @classmethod
    def _named(cls, servers: dict[str, Any]) -> dict[str, Any]:
        if any(not name.strip() for name in servers):
            raise PydanticCustomError("empty_name", "a server name is empty")
        return servers

    def enabled(self) -> dict[str, StdioServer | HttpServer]:
        """The servers to start (not `disabled`)."""
        return {
            name: server
            for name, server in self.servers.items()
            if isinstance(server, StdioServer | HttpServer) and not server.disabled
        }


class ToolConfigError(ConfigError):
    """The MCP config file cannot be used; the chat goes on without tools."""

    key = "tools.config_bad"

    def __init__(self, path: str | Path, problem: Sentence) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(path=self.path, problem=problem)

    def message(self, lang: Lang = "en") -> str:
        """The sentence in `lang`, with the problem in the same language."""
        return Sentence(self.key, path=self.path, problem=self.problem).text(lang)


def config_path() -> Path | None:
    """The file `CHARLA_MCP_CONFIG` names, or None when tools are off."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def load_config(path: str | Path) -> ToolsConfig:
    """Read and validate `path`; ToolConfigError says which file and what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ToolConfigError(path, sentence("tools.cfg.missing")) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ToolConfigError(path, sentence("tools.cfg.unreadable", reason=reason)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = sentence("tools.cfg.not_json", line=exc.lineno, column=exc.colno, reason=exc.msg)
        raise ToolConfigError(path, problem) from None
    return parse_config(data, path)


def parse_config(data: Any, path: str | Path = "<config>") -> ToolsConfig:
    """Validate already-parsed JSON (`path` only names it in errors)."""
    if not isinstance(data, dict):
        raise ToolConfigError(path, sentence("tools.cfg.no_servers"))
    try:
        return ToolsConfig.model_validate(data)
    except ValidationError as exc:
        raise ToolConfigError(path, _problem(exc)) from None


_OWN_PROBLEMS = {
    "server_kind": "tools.cfg.kind",
    "url_scheme": "tools.cfg.url",
    "protected_env": "tools.cfg.env",
    "empty_name": "tools.cfg.name",
    "no_servers": "tools.cfg.no_servers",
}
"""Problems Charla words itself (in both languages); pydantic's own messages stay in English."""


def _problem(exc: ValidationError) -> Sentence:
    errors = exc.errors(include_url=False)
    first = errors[0]
    # The union's tag ("stdio"/"http") is pydantic's bookkeeping, not a key the user wrote.
    where = ".".join(str(part) for part in first["loc"] if part not in ("stdio", "http", "sse"))
    kind = "no_servers" if first["type"] == "missing" and where == "mcpServers" else first["type"]
    key = _OWN_PROBLEMS.get(kind)
    reason = sentence(key, **first.get("ctx", {})) if key else str(first["msg"])
    found = (
        sentence("tools.cfg.no_servers")
        if kind == "no_servers"
        else sentence("tools.cfg.invalid", where=where, reason=reason)
    )
    if len(errors) == 1:
        return found
    return sentence("tools.cfg.with_more", found=found, more=sentence("tools.cfg.more", count=len(errors) - 1))
