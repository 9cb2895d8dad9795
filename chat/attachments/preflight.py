"""Before sending: can this model take this attachment, and how many tokens will it cost?"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chat.attachments.model import Attachment
from chat.attachments.words import Note, render
from chat.catalog import ModelSpec, larger_model_than, vision_model_for
from chat.schema import ImagePart
from chat.text import Lang
from chat.tokens import compact, count_image, count_text


@dataclass(frozen=True)
class Preflight:
    """One attachment checked against one model: sizes, estimated tokens, and whether (and why not) it fits."""

    name: str
    kind: str
    pages: int | None
    chars: int
    pixels_before: tuple[int, int] | None
    pixels_after: tuple[int, int] | None
    tokens: int
    fits: bool
    reason: str | None
    """Why it does not fit, naming what to do, in English (a :class:`Note`); None when it fits."""

    def reason_in(self, lang: Lang = "en") -> str | None:
        """`reason` in `lang`; None when it fits."""
        if self.reason is None:
            return None
        return self.reason.text(lang) if isinstance(self.reason, Note) else self.reason

    @property
    def pixels(self) -> str | None:
        """An image's size before and after fitting: '4000×3000 → 2000×1500' (None for other files)."""
        if self.pixels_before is None:
            return None
        size = f"{self.pixels_before[0]}×{self.pixels_before[1]}"
        if self.pixels_after is not None and self.pixels_after != self.pixels_before:
            size += f" → {self.pixels_after[0]}×{self.pixels_after[1]}"
        return size

    def label(self, lang: Lang = "en") -> str:
        """One line for the file's chip: 'report.pdf · 12 pp · 34,120 chars · ~8.5k tokens · fits'."""
        bits = [self.name]
        if self.pages is not None:
            bits.append(render("att.chip.pages", lang, {"count": self.pages}))
        if self.pixels:
            bits.append(self.pixels)
        if self.chars:
            bits.append(render("att.chip.chars", lang, {"chars": self.chars}))
        bits.append(render("att.chip.tokens", lang, {"tokens": compact(self.tokens)}))
        bits.append(render("att.chip.fits" if self.fits else "att.chip.no_fit", lang))
        return " · ".join(bits)


def _after(image: ImagePart, model: ModelSpec) -> tuple[int, int] | None:
    """The size `fit_images` would send for `model` (pixels only; bytes may shrink it a little further)."""
    if not (image.width and image.height):
        return None
    limit = model.max_image_pixels
    if not limit or image.width * image.height <= limit:
        return image.width, image.height
    scale = math.sqrt(limit / (image.width * image.height))
    return max(1, math.floor(image.width * scale)), max(1, math.floor(image.height * scale))


def preflight(att: Attachment, model: ModelSpec, *, budget_tokens: int | None = None) -> Preflight:
    """Check `att` against `model`; `budget_tokens` defaults to the model's input budget per request."""
    images = att.images
    budget = model.input_budget() if budget_tokens is None else budget_tokens
    tokens = count_text(att.text) + sum(count_image(i, model) for i in images)
    after = _after(images[0], model) if len(images) == 1 and att.kind == "image" else None
    reason = _reason(att, model, images, tokens, budget)
    return Preflight(
        name=att.name,
        kind=att.kind,
        pages=att.pages,
        chars=att.chars,
        pixels_before=att.original_pixels,
        pixels_after=after if model.vision else None,
        tokens=tokens,
        fits=reason is None,
        reason=reason,
    )


def _reason(att: Attachment, model: ModelSpec, images: list[ImagePart], tokens: int, budget: int) -> Note | None:
    if images and not model.vision:
        vision = vision_model_for(model.provider).label
        if att.kind == "image":
            return Note("att.no_vision", model=model.label, vision=vision)
        return Note("att.pf.no_vision_pdf", model=model.label, count=len(images), vision=vision)
    if len(images) > model.max_images:
        return Note("att.pf.too_many_images", count=len(images), model=model.label, maximum=model.max_images)
    if tokens > budget:
        need = math.ceil(tokens / 100) * 100
        room = max(0, budget // 100 * 100)
        bigger = larger_model_than(model)
        switch = bigger.label if bigger.request_budget > model.request_budget else ""
        key = "att.pf.tokens_pages" if att.kind == "pdf" else "att.pf.tokens_text"
        return Note(key, need=need, model=model.label, room=room, switch=switch)
    return None
