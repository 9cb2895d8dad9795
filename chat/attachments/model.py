"""The result of converting one file, and the one way to refuse a file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chat.attachments.detect import Kind
from chat.attachments.words import Note, render
from chat.errors import AttachmentError
from chat.schema import ImagePart, TextPart
from chat.text import Lang, t, text_in

Progress = Callable[[int, int], None]
"""`progress(done, total)`, called while a long job (PDF pages) runs."""


@dataclass(frozen=True)
class Attachment:
    """A file turned into parts the chosen model can take."""

    name: str
    kind: Kind
    mime_type: str
    """Detected from the bytes, not the name."""
    parts: tuple[TextPart | ImagePart, ...]
    pages: int | None = None
    """Pages in the PDF (all of them, also those not sent)."""
    chars: int = 0
    """Characters of derived text (file text or PDF text, before fencing and page markers)."""
    original_pixels: tuple[int, int] | None = None
    """An image's upright size before any downscale."""
    notes: tuple[str, ...] = ()
    """What was done or cut, in plain English words (each is a :class:`Note`; see `notes_in`)."""
    byte_size: int = 0

    def notes_in(self, lang: Lang = "en") -> tuple[str, ...]:
        """The notes in `lang` (a plain-string note, from an older caller, stays as it is)."""
        return tuple(text_in(note, lang) for note in self.notes)

    @property
    def images(self) -> list[ImagePart]:
        """The image parts."""
        return [p for p in self.parts if isinstance(p, ImagePart)]

    @property
    def text(self) -> str:
        """All text parts joined."""
        return "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))


class Refusal(AttachmentError):
    """An AttachmentError whose reason is an "att.*" sentence, so `.message(lang)` is wholly in `lang`.

    `params` keeps what `AttachmentError` always had (`name`, and `reason` in English) plus `reason_key` and
    the reason's own parameters (numbers, names and ids), so it can be rendered again in any language.
    """

    def __init__(self, names: Sequence[str], reason_key: str, reason_params: dict[str, Any]) -> None:
        self.names = tuple(names)
        self.reason_key = reason_key
        self.reason_params = dict(reason_params)
        super().__init__(
            name=self.name_in("en"),
            reason=render(reason_key, "en", reason_params),
            reason_key=reason_key,
            **reason_params,
        )

    def name_in(self, lang: Lang = "en") -> str:
        """The file name, or up to three names and how many more, in `lang`."""
        shown = ", ".join(self.names[:3])
        more = len(self.names) - 3
        return t("att.names_more", lang, names=shown, more=more) if more > 0 else shown

    def reason_in(self, lang: Lang = "en") -> str:
        """Why the file is refused and what to do, in `lang`."""
        return render(self.reason_key, lang, self.reason_params)

    def message(self, lang: Lang = "en") -> str:
        """'{name}: {reason}' with the reason in `lang`."""
        return t(self.key, lang, name=self.name_in(lang), reason=self.reason_in(lang))


def refuse(name: str, key: str, **params: Any) -> Refusal:
    """The error for a file Charla cannot take; sentence `key` ("att.*") says why and what to do."""
    return Refusal((name,), key, params)


def refuse_all(names: Sequence[str], key: str, **params: Any) -> Refusal:
    """`refuse` for several files at once ('a.png, b.png, c.png and 2 more: …')."""
    return Refusal(names, key, params)


def note(key: str, **params: Any) -> Note:
    """A note ("att.note.*") for `Attachment.notes`: English as a string, any language with `.text(lang)`."""
    return Note(key, **params)


def pixels(size: tuple[int, int]) -> str:
    """'4000×3000' for a size."""
    return f"{size[0]}×{size[1]}"
