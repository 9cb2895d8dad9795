"""PDFs -> page-marked text (pypdf), or page images when the PDF has no text layer (a scan). Never empty text."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from chat.attachments.images import MAX_SIDE, check_size, finish
from chat.attachments.model import Attachment, Progress, note, refuse
from chat.errors import AttachmentError
from chat.schema import ImagePart, TextPart

MAX_PDF_PAGES = 200
"""Pages whose text is read; later pages are left out, with a note."""
MAX_PDF_CHARS = 200_000
"""Characters of PDF text sent; the rest is cut, with a note."""
MAX_PAGE_IMAGES = 8
"""Pages of a scanned PDF sent as images (Mistral takes 8 images per request)."""
MIN_CHARS_PER_PAGE = 20
"""Below this many extracted characters per page on average, a PDF is treated as having no text layer."""
"""The (English) reason for a scanned PDF whose page images cannot be extracted."""


def marker(name: str, page: int, total: int) -> str:
    """The line that opens each page's text: '[report.pdf — page 3 of 12]'."""
    return f"[{name} — page {page} of {total}]"


def convert_pdf(name: str, data: bytes, progress: Progress | None = None) -> Attachment:
    """Text of each page (with page markers), or page images for a scan; caps noted."""
    notes: list[str] = []
    reader = _open(name, data, notes)
    try:
        total = len(reader.pages)
    except Exception as exc:
        raise _damaged(name, exc) from None
    if total == 0:
        raise refuse(name, "att.pdf_no_pages")
    texts = _extract(name, reader, total, progress)
    extracted = sum(len(t) for t in texts)
    if extracted < MIN_CHARS_PER_PAGE * len(texts):
        images = _page_images(name, reader, total)
        if images:
            return _scanned(name, data, images, texts, total, notes)
        if not extracted:
            raise refuse(name, "att.pdf_no_text")
    if total > len(texts):
        notes.append(note("att.note.page_cap", first_page=len(texts) + 1, last_page=total, cap=MAX_PDF_PAGES))
    blocks, chars = _join(name, texts, total, notes)
    part = TextPart(text="\n\n".join(blocks), source=name)
    return Attachment(name, "pdf", "application/pdf", (part,), total, chars, None, tuple(notes), len(data))


def _open(name: str, data: bytes, notes: list[str]) -> Any:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged-but-readable files warn on every object
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise refuse(name, "att.password")
            notes.append(note("att.note.pdf_encrypted"))
    except DependencyError:
        raise refuse(name, "att.pdf_aes") from None
    except RecursionError:
        raise refuse(name, "att.pdf_nested") from None
    except AttachmentError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input
        raise _damaged(name, exc) from None
    return reader


def _damaged(name: str, exc: BaseException) -> Exception:
    detail = str(exc).strip().splitlines()[0][:100] if str(exc).strip() else type(exc).__name__
    return refuse(name, "att.pdf_damaged", detail=detail)


def _extract(name: str, reader: Any, total: int, progress: Progress | None) -> list[str]:
    count = min(total, MAX_PDF_PAGES)
    texts: list[str] = []
    for index in range(count):
        try:
            text = reader.pages[index].extract_text() or ""
        except Exception:  # one broken page (or a recursion bomb) must not lose the others
            text = ""
        texts.append(_tidy(text))
        if progress is not None:
            progress(index + 1, count)
    return texts


_SPACES = re.compile(r"[ \t\u00a0]+\n")
_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _BLANKS.sub("\n\n", _SPACES.sub("\n", text)).strip()


def _join(name: str, texts: list[str], total: int, notes: list[str]) -> tuple[list[str], int]:
    blocks: list[str] = []
    chars = 0
    empty: list[int] = []
    for number, text in enumerate(texts, start=1):
        if not text:
            empty.append(number)
        room = MAX_PDF_CHARS - chars
        if len(text) > room:
            blocks.append(f"{marker(name, number, total)}\n{text[:room]}")
            chars += room
            last = len(texts)
            if number < last:
                notes.append(
                    note("att.note.char_cut", page=number, first_page=number + 1, last_page=last, cap=MAX_PDF_CHARS)
                )
            else:
                notes.append(note("att.note.char_cut_last", page=number, cap=MAX_PDF_CHARS))
            break
        blocks.append(f"{marker(name, number, total)}\n{text or '(no text on this page)'}")
        chars += len(text)
    if empty:
        notes.append(note("att.note.no_text_on", pages=tuple(empty)))
    return blocks, chars


def _page_images(name: str, reader: Any, total: int) -> list[ImagePart]:
    """The pictures of the first MAX_PAGE_IMAGES pages (one per page), for a PDF without a text layer."""
    images: list[ImagePart] = []
    for number in range(1, min(total, MAX_PAGE_IMAGES) + 1):
        part = _page_image(name, reader, number)
        if part is not None:
            images.append(part)
    return images


def _scanned(
    name: str, data: bytes, images: list[ImagePart], texts: list[str], total: int, notes: list[str]
) -> Attachment:
    """A PDF without a text layer: its pages' pictures become image parts for a vision model (with the few
    characters that were found, so nothing is lost)."""
    pages = min(total, MAX_PAGE_IMAGES)
    notes.append(note("att.note.scanned", count=len(images)))
    if total > pages:
        notes.append(note("att.note.image_cap", first_page=pages + 1, last_page=total, cap=MAX_PAGE_IMAGES))
    lines = [
        f"[{name} — {total} page{'s' if total != 1 else ''}, no text layer: "
        f"{len(images)} page image{'s follow' if len(images) != 1 else ' follows'}]"
    ]
    lines += [f"{marker(name, n, total)}\n{t}" for n, t in enumerate(texts, start=1) if t]
    intro = TextPart(text="\n\n".join(lines), source=name)
    parts: tuple[TextPart | ImagePart, ...] = (intro, *images)
    chars = sum(len(t) for t in texts)
    return Attachment(name, "pdf", "application/pdf", parts, total, chars, None, tuple(notes), len(data))


def _page_image(name: str, reader: Any, number: int) -> ImagePart | None:
    """The largest picture on page `number`, ready to send; None if it has none pypdf can decode."""
    best = None
    try:
        for item in reader.pages[number - 1].images:
            image = item.image
            if image is not None and (best is None or image.width * image.height > best.width * best.height):
                best = image
    except Exception:  # an image filter pypdf cannot decode: the page is skipped
        return None
    if best is None:
        return None
    check_size(name, best.size)
    part, _ = finish(best, f"{name} — page {number}", source_format=best.format or "PNG", max_side=MAX_SIDE)
    return part
