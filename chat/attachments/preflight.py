"""Before sending: can this model take this attachment, and what will it cost? The one rule, and the one chip.

`reason()` decides for one attachment (its images and its estimated tokens against a model and a token budget);
`total_reason()` for a message whose attachments fit one by one but not together. A fresh upload (`preflight()`),
a stored draft re-checked after a model switch, and the chip on screen all go through them; each reason is a `Note`,
so the chip and the refusal say it in the page's language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chat.attachments.model import Attachment
from chat.attachments.words import Note, render
from chat.catalog import ModelSpec, larger_model_than, vision_model_for
from chat.schema import ImagePart
from chat.text import Lang, text_in
from chat.tokens import count_image, count_text, with_margin


def tokens_of(text: str, images: Sequence[ImagePart], model: ModelSpec) -> int:
    """Estimated tokens of an attachment's derived text and images for `model`."""
    return count_text(text) + sum(count_image(i, model) for i in images)


def reason(kind: str, images: Sequence[ImagePart], tokens: int, model: ModelSpec, budget: int) -> Note | None:
    """Why an attachment cannot go to `model` within `budget` prompt tokens (None: it can)."""
    if images and not model.vision:
        vision = vision_model_for(model.provider).label
        if kind == "image":
            return Note("att.no_vision", model=model.label, vision=vision)
        return Note("att.pf.no_vision_pdf", model=model.label, count=len(images), vision=vision)
    if len(images) > model.max_images:
        return Note("att.pf.too_many_images", count=len(images), model=model.label, maximum=model.max_images)
    if tokens > budget:
        bigger = larger_model_than(model)
        switch = bigger.label if bigger.request_budget > model.request_budget else ""
        key = "att.pf.tokens_pages" if kind == "pdf" else "att.pf.tokens_text"
        need, room = math.ceil(tokens / 100) * 100, max(0, budget // 100 * 100)
        return Note(key, need=need, model=model.label, room=room, switch=switch)
    return None


def total_reason(text: str, attachment_tokens: Sequence[int], model: ModelSpec, budget: int) -> Note | None:
    """Why a message whose attachments each fit cannot go as a whole (None: it can)."""
    total = with_margin(count_text(text) + sum(attachment_tokens))
    if not attachment_tokens or total <= budget:
        return None
    return Note("att.pf.total", tokens=total, model=model.label, budget=budget)


def fitted_size(image: ImagePart, model: ModelSpec) -> tuple[int, int] | None:
    """The size `fit_images` would send for `model` (pixels only; bytes may shrink it a little further)."""
    if not (image.width and image.height):
        return None
    limit = model.max_image_pixels
    if not limit or image.width * image.height <= limit:
        return image.width, image.height
    scale = math.sqrt(limit / (image.width * image.height))
    return max(1, math.floor(image.width * scale)), max(1, math.floor(image.height * scale))


def pixels_text(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str | None:
    """'4000×3000 → 2000×1500', or the size alone when nothing changes (None without a size)."""
    if before is None:
        return None
    text = f"{before[0]}×{before[1]}"
    return text + f" → {after[0]}×{after[1]}" if after is not None and after != before else text


def chip(
    name: str,
    *,
    tokens: int,
    fits: bool,
    pages: int | None = None,
    chars: int = 0,
    pixels: str | None = None,
    unreadable: bool = False,
    lang: Lang = "en",
) -> str:
    """One line for an attachment: 'report.pdf · 12 pages · 34,120 characters · ~8.5k tokens · fits'."""
    if unreadable:
        return f"{name} · {render('att.chip.unreadable', lang)}"
    bits = [name]
    if pages is not None:
        bits.append(render("att.chip.pages", lang, {"count": pages}))
    if pixels:
        bits.append(pixels)
    if chars:
        bits.append(render("att.chip.chars", lang, {"chars": chars}))
    bits.append(render("att.chip.tokens", lang, {"tokens": tokens}))
    bits.append(render("att.chip.fits" if fits else "att.chip.no_fit", lang))
    return " · ".join(bits)


@dataclass(frozen=True)
class Preflight:
    """One converted file checked against one model: sizes, estimated tokens, and whether (and why not) it fits."""

    name: str
    kind: str
    pages: int | None
    chars: int
    pixels_before: tuple[int, int] | None
    pixels_after: tuple[int, int] | None
    tokens: int
    reason: Note | None
    """Why it does not fit, naming what to do (None when it fits)."""

    @property
    def fits(self) -> bool:
        """True when the model can take the file."""
        return self.reason is None

    @property
    def pixels(self) -> str | None:
        """An image's size before and after fitting: '4000×3000 → 2000×1500' (None for other files)."""
        return pixels_text(self.pixels_before, self.pixels_after)

    def reason_in(self, lang: Lang = "en") -> str | None:
        """`reason` in `lang`; None when it fits."""
        return None if self.reason is None else text_in(self.reason, lang)

    def label(self, lang: Lang = "en") -> str:
        """The file's chip in `lang`."""
        return chip(
            self.name,
            tokens=self.tokens,
            fits=self.fits,
            pages=self.pages,
            chars=self.chars,
            pixels=self.pixels,
            lang=lang,
        )


def preflight(att: Attachment, model: ModelSpec, *, budget_tokens: int | None = None) -> Preflight:
    """Check `att` against `model`; `budget_tokens` defaults to the model's input budget per request."""
    images = att.images
    budget = model.input_budget() if budget_tokens is None else budget_tokens
    tokens = tokens_of(att.text, images, model)
    after = fitted_size(images[0], model) if len(images) == 1 and att.kind == "image" and model.vision else None
    return Preflight(
        name=att.name,
        kind=att.kind,
        pages=att.pages,
        chars=att.chars,
        pixels_before=att.original_pixels,
        pixels_after=after,
        tokens=tokens,
        reason=reason(att.kind, images, tokens, model, budget),
    )
