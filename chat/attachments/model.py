"""The result of converting one file, and the one way to refuse a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chat.attachments.detect import Kind
from chat.errors import AttachmentError
from chat.schema import ImagePart, TextPart

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
    """What was done or cut, in plain words."""
    byte_size: int = 0

    @property
    def images(self) -> list[ImagePart]:
        """The image parts."""
        return [p for p in self.parts if isinstance(p, ImagePart)]

    @property
    def text(self) -> str:
        """All text parts joined."""
        return "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart))


def refuse(name: str, reason: str) -> AttachmentError:
    """The error for a file Charla cannot take; `reason` says why and what to do ("{name}: {reason}")."""
    return AttachmentError(name=name, reason=reason)


def megabytes(size: int) -> str:
    """'3.4 MB' for a byte count."""
    return f"{size / 1_048_576:.1f} MB"


def pixels(size: tuple[int, int]) -> str:
    """'4000×3000' for a size."""
    return f"{size[0]}×{size[1]}"
