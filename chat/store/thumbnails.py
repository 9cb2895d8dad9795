"""Small previews of images for the history: ≤256 px on the long side, ≤64 KB, JPEG (PNG if transparent)."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from chat.store.models import THUMBNAIL_MAX_BYTES, THUMBNAIL_MAX_PX


def make_thumbnail(data: bytes) -> tuple[str, str] | None:
    """(base64 data, MIME type) of a preview of the image `data`, or None if it cannot be read or made small.

    Put the pair in an attachment's `thumbnail` / `thumbnail_mime`; the full image is never stored.
    """
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            small = ImageOps.exif_transpose(img) or img
            small.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
            transparent = small.mode in ("RGBA", "LA", "PA") or "transparency" in small.info
            if transparent:
                small = small.convert("RGBA")
            elif small.mode != "RGB":
                small = small.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    for quality in (80, 60, 40):
        out = io.BytesIO()
        if transparent:
            small.save(out, format="PNG", optimize=True)
        else:
            small.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= THUMBNAIL_MAX_BYTES:
            return base64.b64encode(out.getvalue()).decode("ascii"), "image/png" if transparent else "image/jpeg"
        if transparent:
            small = small.convert("RGB")
            transparent = False
    return None
