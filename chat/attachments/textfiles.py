"""Text files (TXT, MD, CSV, JSON, source code) -> one fenced text part the model reads with the file name."""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from chat.attachments.detect import TEXT_LANGUAGES
from chat.attachments.words import Note

MAX_TEXT_CHARS = 100_000
"""Characters of one text file sent to the model; the rest is cut, with a note."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
"""Control characters no text file contains (tab, newlines and form feed are allowed)."""


def decode_text(data: bytes) -> tuple[str, str] | None:
    """`(text, encoding)` when `data` is text: a BOM'd Unicode file, or UTF-8 without NUL/control bytes.

    Falls back to Windows-1252 for 8-bit files that are clearly text (no control characters), since spreadsheets
    on Windows still export CSV that way. None means binary.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return None
            return None if _CONTROL.search(text) else (text, encoding)
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            text, encoding = data[: exc.start].decode("utf-8"), "utf-8"  # a cut multi-byte character at the end
        else:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                return None
    if _CONTROL.search(text):
        return None
    return text, encoding


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside `text`, so the file cannot close it early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def language_for(name: str) -> str:
    """The language tag for the fence, from the file extension ('text' when unknown)."""
    path = PurePath(name)
    if path.name.lower() in {"dockerfile", "makefile"}:
        return path.name.lower()
    return TEXT_LANGUAGES.get(path.suffix.lower(), "text")


def safe_title(name: str) -> str:
    """The file name as it may appear on the fence line: one line, no backticks."""
    return re.sub(r"[\s`]+", " ", name).strip() or "file"


def text_block(name: str, text: str) -> tuple[str, int, tuple[str, ...]]:
    """`(fenced_text, chars, notes)` for the text file `name`; capped at MAX_TEXT_CHARS."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    notes: list[str] = []
    total = len(text)
    if total > MAX_TEXT_CHARS:
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        cut = cut if cut > MAX_TEXT_CHARS * 0.9 else MAX_TEXT_CHARS
        text = text[:cut]
        notes.append(Note("att.note.text_cut", first=cut + 1, total=total, cap=MAX_TEXT_CHARS))
    fence = fence_for(text)
    body = text if text.endswith("\n") or not text else text + "\n"
    fenced = f"{fence}{language_for(name)} title={safe_title(name)}\n{body}{fence}"
    return fenced, len(text), tuple(notes)
