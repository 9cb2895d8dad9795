"""A reply's pieces as they stream: `Delta` (answer text or thinking), and splitting them out of a content stream.

`content_deltas` reads one streamed `delta.content` (a string, or Mistral's typed chunks with their `thinking`
blocks); `ThinkTags` splits `<think>…</think>` at the start of a string stream into reasoning and answer text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of the reply as it streams: answer text, or (`reasoning`) the model's thinking."""

    text: str
    reasoning: bool = False


_OPEN, _CLOSE = "<think>", "</think>"


def _held(text: str, tag: str) -> int:
    """Length of the longest end of `text` that could begin `tag` (kept back until the next delta)."""
    return next((n for n in range(min(len(tag) - 1, len(text)), 0, -1) if tag.startswith(text[-n:])), 0)


class ThinkTags:
    """Splits `<think>…</think>` at the start of a content stream into reasoning and answer text.

    Groq's Qwen models put their thinking there unless asked for `reasoning_format: "parsed"` (Charla asks), and a
    listed model Charla does not know may do the same; tags may be split across deltas.
    """

    def __init__(self) -> None:
        self._mode = "start"
        self._pending = ""

    def feed(self, text: str) -> list[Delta]:
        """The deltas `text` completes (some of it may be held back until the next call)."""
        if self._mode == "text":
            return [Delta(text)] if text else []
        self._pending += text
        out: list[Delta] = []
        while self._pending and self._mode != "text":
            if not self._step(out):
                return out
        if self._mode == "text" and self._pending:
            out.append(Delta(self._pending))
            self._pending = ""
        return out

    def _step(self, out: list[Delta]) -> bool:
        """Advance once; False when more text is needed to decide."""
        if self._mode in ("start", "after"):
            stripped = self._pending.lstrip()
            if not stripped:
                return False
            if self._mode == "start" and stripped.startswith(_OPEN):
                self._pending, self._mode = stripped[len(_OPEN) :], "think"
                return True
            if self._mode == "start" and _OPEN.startswith(stripped):
                return False
            self._pending, self._mode = stripped, "text"
            return True
        end = self._pending.find(_CLOSE)
        if end >= 0:
            if end:
                out.append(Delta(self._pending[:end], reasoning=True))
            self._pending, self._mode = self._pending[end + len(_CLOSE) :], "after"
            return True
        keep = _held(self._pending, _CLOSE)
        if len(self._pending) > keep:
            out.append(Delta(self._pending[: len(self._pending) - keep], reasoning=True))
            self._pending = self._pending[len(self._pending) - keep :]
        return False

    def flush(self) -> list[Delta]:
        """Whatever is still held, at the end of the stream."""
        pending, self._pending = self._pending, ""
        if not pending or (self._mode in ("start", "after") and not pending.strip()):
            return []
        return [Delta(pending, reasoning=self._mode == "think")]


def content_deltas(content: Any, tags: ThinkTags) -> list[Delta]:
    """The deltas of one `delta.content`: a string (think tags split off), or Mistral's typed chunks."""
    if isinstance(content, str):
        return tags.feed(content) if content else []
    out: list[Delta] = []
    for chunk in content if isinstance(content, list) else ():
        if not isinstance(chunk, dict):
            continue
        if chunk.get("type") == "text" and chunk.get("text"):
            out.extend(tags.feed(str(chunk["text"])))
        elif chunk.get("type") == "thinking":
            inner = chunk.get("thinking")
            parts = inner if isinstance(inner, list) else [{"type": "text", "text": inner}]
            text = "".join(str(p.get("text") or "") for p in parts if isinstance(p, dict) and p.get("type") == "text")
            if text:
                out.append(Delta(text, reasoning=True))
    return out
