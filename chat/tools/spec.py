"""Value objects: a tool as offered to the model (:class:`ToolSpec`) and what one call gave (:class:`ToolResult`)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chat.text import Lang, Sentence
from chat.tools.texts import sentence

if TYPE_CHECKING:
    from mcp.types import CallToolResult, Tool

MAX_RESULT_CHARS = 16_000
"""Characters of one tool result kept for the model and the person; the rest is cut, with a note."""

MAX_NAME = 64
"""OpenAI-style function names (Groq, Mistral) match ^[a-zA-Z0-9_-]{1,64}$."""

Status = Literal["ok", "error", "timeout", "cancelled", "unavailable", "denied"]


@dataclass(frozen=True)
class ToolSpec:
    """One tool of one server, as the model sees it, with what Charla decides about running it."""

    server: str
    tool: str
    function: str
    """The provider-safe name the model calls it by (`server__tool`, sanitised, unique)."""
    description: str
    input_schema: Mapping[str, Any]
    read_only: bool
    """MCP `readOnlyHint` (unset: false)."""
    destructive: bool
    """MCP `destructiveHint`; unset it is true, except for a read-only tool, where the spec says it means nothing."""
    auto_approve: bool = False
    title: str | None = None

    @property
    def needs_approval(self) -> bool:
        """UI: ask the person first (the tool may change something and is not auto-approved)."""
        return not self.auto_approve and (self.destructive or not self.read_only)

    @property
    def api_allowed(self) -> bool:
        """API: run it (auto-approved or read-only); otherwise report it denied, never run it silently."""
        return self.auto_approve or (self.read_only and not self.destructive)

    def openai_tool(self) -> dict[str, Any]:
        """The `{"type": "function", "function": {...}}` definition Groq and Mistral both take."""
        schema = dict(self.input_schema) or {"type": "object"}
        schema.setdefault("properties", {})
        return {
            "type": "function",
            "function": {"name": self.function, "description": self.description, "parameters": schema},
        }

    @classmethod
    def from_mcp(cls, server: str, tool: Tool, *, function: str, auto_approve: bool = False) -> ToolSpec:
        """Build the spec of `tool` as listed by `server`."""
        hints = tool.annotations
        read_only = bool(hints and hints.read_only_hint)
        explicit = hints.destructive_hint if hints else None
        title = tool.title or (hints.title if hints else None)
        return cls(
            server=server,
            tool=tool.name,
            function=function,
            description=(tool.description or title or tool.name).strip(),
            input_schema=dict(tool.input_schema),
            read_only=read_only,
            destructive=explicit if explicit is not None else not read_only,
            auto_approve=auto_approve,
            title=title,
        )


def function_name(server: str, tool: str, taken: set[str]) -> str:
    """`server__tool` made provider-safe and unique among `taken` (which it joins)."""
    base = re.sub(r"[^a-zA-Z0-9_-]", "_", f"{server}__{tool}")
    if len(base) > MAX_NAME:
        digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()[:8]
        base = f"{base[: MAX_NAME - 9]}_{digest}"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"_{n}"
        name = base[: MAX_NAME - len(suffix)] + suffix
    taken.add(name)
    return name


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: the tool's own text (capped), or Charla's sentence when it did not run or failed."""

    output: str = ""
    """The tool's text, cut to the cap; untrusted: show it as plain text, never as HTML or Markdown images."""
    status: Status = "ok"
    elapsed: float = 0.0
    """Seconds from the call to its result."""
    truncated: bool = False
    total_chars: int = 0
    """Characters the tool returned before the cut."""
    reason: Sentence | None = None
    """Charla's own sentence (timeout, stopped, unavailable, denied…), when there is one."""
    tool: str = ""
    """The function name the model called."""

    @property
    def is_error(self) -> bool:
        """The call did not give a normal result (the model is told so, the AI SDK gets `tool-output-error`)."""
        return self.status != "ok"

    @property
    def text(self) -> str:
        """What the model reads, as the `tool` message content (Charla's sentences in English)."""
        return self.message("en")

    def message(self, lang: Lang = "en") -> str:
        """The result in `lang` for the person: Charla's sentence, or the tool's text with a note when cut."""
        parts = [self.reason.text(lang)] if self.reason else []
        if self.output:
            parts.append(self.output)
        if self.truncated:
            parts.append(sentence("tools.result.cut", total=self.total_chars, kept=len(self.output)).text(lang))
        if not parts:
            parts.append(sentence("tools.result.empty", tool=self.tool).text(lang))
        return "\n\n".join(parts)

    @classmethod
    def denied(cls, spec: ToolSpec, *, by_api: bool = False) -> ToolResult:
        """The result for a call the person denied, or that the API may not run (`tool-output-denied`)."""
        key = "tools.result.denied_api" if by_api else "tools.result.denied"
        return cls(status="denied", reason=sentence(key, tool=spec.tool, server=spec.server), tool=spec.function)

    @classmethod
    def failed(cls, status: Status, reason: Sentence, *, tool: str = "", elapsed: float = 0.0) -> ToolResult:
        """A call that gave no tool output: `reason` says why."""
        return cls(status=status, reason=reason, tool=tool, elapsed=elapsed)


def cap(text: str, limit: int = MAX_RESULT_CHARS) -> tuple[str, bool]:
    """`text` cut to `limit` characters, and whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit], True)


def to_result(spec: ToolSpec, raw: CallToolResult, *, elapsed: float, limit: int = MAX_RESULT_CHARS) -> ToolResult:
    """Turn an MCP `tools/call` result into a ToolResult (text joined; structured content as compact JSON)."""
    text = result_text(raw)
    output, truncated = cap(text, limit)
    reason = None
    if raw.is_error and not text.strip():
        reason = sentence("tools.result.failed", tool=spec.tool, server=spec.server)
    return ToolResult(
        output=output,
        status="error" if raw.is_error else "ok",
        elapsed=elapsed,
        truncated=truncated,
        total_chars=len(text),
        reason=reason,
        tool=spec.function,
    )


def result_text(raw: CallToolResult) -> str:
    """The text blocks of `raw`, joined; else its structured content as compact JSON; other blocks named only."""
    from mcp.types import EmbeddedResource, ResourceLink, TextContent, TextResourceContents

    pieces: list[str] = []
    for block in raw.content:
        if isinstance(block, TextContent):
            pieces.append(block.text)
        elif isinstance(block, EmbeddedResource) and isinstance(block.resource, TextResourceContents):
            pieces.append(block.resource.text)
        elif isinstance(block, ResourceLink):
            pieces.append(f"[resource {block.name}: {block.uri}]")
        else:
            pieces.append(f"[{block.type} content omitted]")
    if not any(piece.strip() for piece in pieces) and raw.structured_content is not None:
        return json.dumps(raw.structured_content, ensure_ascii=False, separators=(",", ":"))
    return "\n".join(pieces)
