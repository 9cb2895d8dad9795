"""Make a request's images fit one model: pixels and bytes per image, and (Groq) base64 bytes per request."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence

from PIL import Image

from chat.attachments.images import encode, finish, open_image
from chat.attachments.model import refuse, refuse_all
from chat.catalog import ModelSpec, vision_model_for
from chat.schema import ImagePart

_ATTEMPTS = 8
_SHRINK = 0.85
"""Extra linear shrink per attempt on top of the estimate, so the loop ends in a few rounds."""
_BASE64_OVERHEAD = 64
"""Bytes of `data:image/...;base64,` prefix and JSON around each image, counted against the request cap."""


def fit_images(images: Sequence[ImagePart], model: ModelSpec) -> list[ImagePart]:
    """New parts (same order) that respect `model`'s image limits; AttachmentError when they cannot."""
    if not images:
        return []
    if not model.vision:
        vision = vision_model_for(model.provider)
        raise refuse_all(_names(images), "att.no_vision", model=model.label, vision=vision.label)
    if len(images) > model.max_images:
        raise refuse_all(
            _names(images), "att.too_many_images", count=len(images), model=model.label, maximum=model.max_images
        )
    limits = _byte_limits([_size(p) for p in images], model)
    return [_fit_one(p, model.max_image_pixels, limit) for p, limit in zip(images, limits, strict=True)]


def _names(images: Sequence[ImagePart]) -> list[str]:
    return [p.name or "image" for p in images]


def _size(part: ImagePart) -> int:
    return part.size


def _byte_limits(sizes: list[int], model: ModelSpec) -> list[int]:
    """Per-image byte limit: the model's per-image cap, and a fair share of the request's base64 cap."""
    per_image = model.max_image_bytes or 2**62
    if not model.max_request_image_bytes:
        return [per_image] * len(sizes)
    remaining = model.max_request_image_bytes * 3 // 4 - _BASE64_OVERHEAD * len(sizes)
    limits = [per_image] * len(sizes)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for rank, i in enumerate(order):
        share = remaining // (len(sizes) - rank)
        limits[i] = max(1, min(per_image, share))
        remaining -= min(sizes[i], limits[i])
    return limits


def _fit_one(part: ImagePart, max_pixels: int, max_bytes: int) -> ImagePart:
    data = _bytes_of(part)
    if data is None:
        return part  # a remote URL: the provider fetches it, nothing to re-encode here
    name = part.name or "image"
    width, height = part.width, part.height
    if width and height and width * height <= max_pixels and len(data) <= max_bytes:
        return part if part.data is not None else part.model_copy(update={"data": data, "url": None})
    im = open_image(name, data)
    try:
        im.load()
    except Exception as exc:  # a damaged stream: Pillow raises many types
        raise refuse(name, "att.undecodable", detail=str(exc)[:120]) from None
    if im.width * im.height <= max_pixels and len(data) <= max_bytes:
        update = {"data": data, "url": None, "width": im.width, "height": im.height}
        return part.model_copy(update=update)
    return _shrink(im, name, part.mime_type, max_pixels, max_bytes, len(data))


def _shrink(im: Image.Image, name: str, mime: str, max_pixels: int, max_bytes: int, size: int) -> ImagePart:
    png = mime == "image/png"
    scale = min(1.0, math.sqrt(max_pixels / (im.width * im.height)), math.sqrt(max_bytes / size) * 0.95)
    for _ in range(_ATTEMPTS):
        box = (max(1, math.floor(im.width * scale)), max(1, math.floor(im.height * scale)))
        small = im.resize(box, Image.Resampling.LANCZOS, reducing_gap=3.0) if box != im.size else im.copy()
        part, _ = finish(small, name, source_format="PNG" if png else "JPEG", max_side=max(box))
        if part.size > max_bytes and part.mime_type == "image/png" and not _has_alpha(small):
            data, mime_type = encode(small.convert("RGB"), png=False)  # a busy PNG: JPEG is far smaller
            part = part.model_copy(update={"data": data, "mime_type": mime_type})
        if part.size <= max_bytes:
            return part
        scale *= min(_SHRINK, math.sqrt(max_bytes / part.size) * 0.95)
    raise refuse(name, "att.cannot_shrink", limit=max_bytes)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info


def _bytes_of(part: ImagePart) -> bytes | None:
    if part.data is not None:
        return part.data
    if part.url and part.url.startswith("data:"):
        try:
            return base64.b64decode(part.url.partition(",")[2], validate=False)
        except (binascii.Error, ValueError):
            raise refuse(part.name or "image", "att.bad_data_url") from None
    return None
