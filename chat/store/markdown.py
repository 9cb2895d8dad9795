"""Export a conversation as Markdown, for people to read (no thumbnails, no derived text, no drafts)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chat.store.models import INTERRUPTED, AttachmentMeta, Conversation, StoredMessage

TOOL_OUTPUT_SHOWN = 500
"""Characters of a tool's result a Markdown export shows (the JSON export keeps all of it)."""


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _settings_line(settings: dict[str, Any]) -> str:
    bits = []
    if settings.get("temperature") is not None:
        bits.append(f"temperature {settings['temperature']}")
    if settings.get("max_tokens") is not None:
        bits.append(f"max tokens {settings['max_tokens']}")
    return " · ".join(bits) or "model defaults"


def _status_note(m: StoredMessage) -> str | None:
    if m.interrupted:
        return INTERRUPTED
    notes: dict[str, str] = {
        "streaming": "Still streaming when exported; the text above is what had arrived.",
        "stopped": "Stopped; the text above is what arrived.",
        "cut": "Cut: the reply streamed longer than allowed; the text above is what arrived.",
        "failed": "Failed" + (f": {m.error}" if m.error else "."),
    }
    note = notes.get(m.status)
    if note and m.error and m.status in ("stopped", "cut"):
        note += f" ({m.error})"
    return note


def _attachment_label(p: AttachmentMeta) -> str:
    details = [p.kind]
    if p.pages:
        details.append(f"{p.pages} pages")
    if p.chars:
        details.append(f"{p.chars} characters")
    return f"{p.name} ({', '.join(details)})" + (f" — {'; '.join(p.notes)}" if p.notes else "")


def _numbers_line(m: StoredMessage) -> str | None:
    bits = []
    if m.usage:
        bits.append(f"{m.usage[0]} prompt + {m.usage[1]} completion tokens")
    if m.ttft is not None:
        bits.append(f"first token after {m.ttft:.2f} s")
    if m.duration is not None:
        bits.append(f"{m.duration:.2f} s in all")
    if m.feedback:
        bits.append("rated 👍" if m.feedback > 0 else "rated 👎")
    return " · ".join(bits) or None


def _fence(text: str) -> str:
    """A fence longer than any run of backticks in `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _tool_lines(steps: Any) -> list[str]:
    """A reply's tool calls: which tool, with what, and what it gave (cut to a few hundred characters)."""
    lines: list[str] = []
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        name = f"{step.get('server') or '?'}/{step.get('tool') or step.get('function')}"
        stored = step.get("result")
        result: dict[str, Any] = stored if isinstance(stored, dict) else {}
        status = "waiting for approval" if step.get("state") == "pending" else str(result.get("status", "not run"))
        output = str(result.get("output") or "")
        lines += [f"- Tool `{name}` ({status}), arguments `{step.get('arguments')}`"]
        if output:
            shown = output if len(output) <= TOOL_OUTPUT_SHOWN else output[:TOOL_OUTPUT_SHOWN] + " …"
            fence = _fence(shown)
            lines += ["", f"  {fence}text", *(f"  {line}" for line in shown.splitlines()), f"  {fence}"]
    return [*lines, ""] if lines else []


def _message_markdown(m: StoredMessage) -> list[str]:
    heading = f"## {m.role.capitalize()}"
    if m.role == "assistant" and m.model:
        heading += f" — {m.model}" + (f" ({m.provider})" if m.provider else "")
    lines = [f"{heading} — {_when(m.created_at)}", ""]
    lines += _tool_lines(m.details.get("steps"))
    lines += [m.text or "_(no text)_", ""]
    if m.parts:
        lines += ["*Attachments:* " + ", ".join(_attachment_label(p) for p in m.parts), ""]
    note = _status_note(m)
    if note:
        lines += [f"*{note}*", ""]
    numbers = _numbers_line(m)
    if numbers:
        lines += [f"*{numbers}*", ""]
    return lines


def export_markdown(conv: Conversation, messages: list[StoredMessage]) -> str:
    """The conversation as Markdown for people: header with model and settings, then each message (no drafts)."""
    messages = [m for m in messages if m.status != "blocked"]
    lines = [
        f"# {conv.title}",
        "",
        f"- **Model:** `{conv.model}`",
        f"- **Settings:** {_settings_line(conv.settings)}",
    ]
    if conv.settings.get("system_prompt"):
        lines.append("- **System prompt:** " + " ".join(str(conv.settings["system_prompt"]).split()))
    lines += [
        f"- **Created:** {_when(conv.created_at)} · **Updated:** {_when(conv.updated_at)}",
        f"- Exported from Charla on {_when(datetime.now(UTC))}",
        "",
        "---",
        "",
    ]
    for m in messages:
        lines += _message_markdown(m)
    return "\n".join(lines).rstrip() + "\n"
