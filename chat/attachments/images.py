"""Images -> an upright, metadata-free PNG or JPEG no larger than needed.

Every image is decoded and encoded again: that is what drops EXIF (GPS included), XMP and comments. The EXIF
orientation is applied first, CMYK and colour profiles become sRGB, animated images keep their first frame, and
JPEGs are decoded at a reduced scale (`draft`) when they are far larger than any model looks at.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from chat.attachments.model import Refusal, note, pixels, refuse
from chat.errors import AttachmentError
from chat.schema import ImagePart

MAX_SIDE = 2048
"""Longest side `convert` sends; `fit_images` then applies each provider's own limits."""
DRAFT_FLOOR = 1540
"""A JPEG is decoded at the smallest scale that keeps its longest side at least this (Mistral 3.x downscales
to 1540 px, the largest size any catalogue model is documented to look at)."""
MAX_SOURCE_PIXELS = 100_000_000
"""Largest image Charla opens (100 MP). Larger declared sizes are refused as possible decompression bombs."""
JPEG_QUALITY = 85
FEW_COLOURS = 4_096
"""A lossless source with at most this many colours (a screenshot, a chart) stays PNG to keep text sharp."""
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "HEIF", "AVIF")
_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Prepared:
    """An image ready to send, its upright size before downscaling, and what was done to it."""

    part: ImagePart
    original: tuple[int, int]
    notes: tuple[str, ...]


@lru_cache(maxsize=1)
def _setup() -> None:
    """Register the HEIF opener (lazily: it loads libheif) and set Pillow's bomb limit to ours."""
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # HEIC then fails with a clear "cannot be read" error
        pass


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def bomb(name: str, size: tuple[int, int] | None) -> Refusal:
    """The refusal of an image too large to open safely."""
    megapixels = MAX_SOURCE_PIXELS // 1_000_000
    if size:
        return refuse(name, "att.bomb", pixels=pixels(size), megapixels=megapixels)
    return refuse(name, "att.bomb_unknown", megapixels=megapixels)


def open_image(name: str, data: bytes) -> Image.Image:
    """Open `data` lazily (header only), refusing bombs, unreadable and unsupported images."""
    _setup()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=_FORMATS)
            check_size(name, im.size)
            if getattr(im, "is_animated", False):  # a bomb may hide in a later frame's extents
                im.seek(1)
                im.seek(0)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb(name, None) from None
    except UnidentifiedImageError:
        raise refuse(name, "att.image_unreadable") from None
    except AttachmentError:
        raise
    except Exception as exc:  # Pillow's parsers raise OSError, ValueError, SyntaxError, IndexError, … on damage
        raise refuse(name, "att.image_unreadable_detail", detail=_short(exc)) from None
    return im


def check_size(name: str, size: tuple[int, int]) -> None:
    """Refuse images declaring more than MAX_SOURCE_PIXELS, or no pixels at all."""
    if size[0] * size[1] > MAX_SOURCE_PIXELS:
        raise bomb(name, size)
    if size[0] < 1 or size[1] < 1:
        raise refuse(name, "att.empty_size", pixels=pixels(size))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return text[:120]


def prepare_image(name: str, data: bytes, *, max_side: int = MAX_SIDE) -> Prepared:
    """Decode, orient, clean and (if needed) downscale the image in `data`."""
    im = open_image(name, data)
    notes: list[str] = []
    if getattr(im, "is_animated", False):
        notes.append(note("att.note.animated"))
    orientation = _orientation(im)
    source_format = "JPEG" if im.format in ("JPEG", "MPO") else (im.format or "")
    w, h = im.size
    if source_format == "JPEG" and max(w, h) > max_side:
        scale = min(DRAFT_FLOOR, max_side) / max(w, h)
        im.draft(im.mode, (max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale))))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb(name, (w, h)) from None
    except Exception as exc:  # a damaged stream: Pillow raises many types
        if "truncated" in str(exc) or isinstance(exc, EOFError):
            raise refuse(name, "att.truncated") from None
        raise refuse(name, "att.undecodable_save", detail=_short(exc)) from None
    upright = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    if orientation not in (0, 1):
        im = ImageOps.exif_transpose(im)
        notes.append(note("att.note.rotated"))
    if _has_location(im):
        notes.append(note("att.note.location"))
    part, more = finish(im, name, source_format=source_format, max_side=max_side, original=upright)
    return Prepared(part, upright, (*notes, *more))


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block must not stop the image itself
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _has_location(im: Image.Image) -> bool:
    try:
        return bool(im.getexif().get_ifd(0x8825))
    except Exception:
        return False


def finish(
    im: Image.Image, name: str, *, source_format: str, max_side: int, original: tuple[int, int] | None = None
) -> tuple[ImagePart, tuple[str, ...]]:
    """Normalise the mode, downscale to `max_side`, convert to sRGB and encode without any metadata."""
    notes: list[str] = []
    icc = im.info.get("icc_profile") if isinstance(im.info.get("icc_profile"), bytes) else None
    if im.mode == "CMYK":
        notes.append(note("att.note.cmyk"))
    alpha = _wants_alpha(im)
    target = "RGBA" if alpha else ("L" if im.mode in ("1", "L", "I", "I;16", "F") else "RGB")
    if im.mode not in (target, "CMYK", "RGB"):
        im = im.convert("RGBA" if alpha else target)
    before = original or im.size
    if max(im.size) > max_side:
        im = im.resize(_fit_box(im.size, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if im.size != before:
        notes.append(note("att.note.downscaled", before=pixels(before), after=pixels(im.size)))
    im = _to_srgb(im, icc, target)
    if target == "RGBA" and im.getchannel("A").getextrema() == (255, 255):
        im, target = im.convert("RGB"), "RGB"
    png = target == "RGBA" or (
        source_format not in ("JPEG", "HEIF", "AVIF") and im.getcolors(maxcolors=FEW_COLOURS) is not None
    )
    data, mime = encode(im, png=png)
    part = ImagePart(data=data, mime_type=mime, name=name, width=im.width, height=im.height)
    return part, tuple(notes)


def _wants_alpha(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return True
    return "transparency" in im.info and im.mode in ("P", "L", "RGB", "1")


def _fit_box(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    scale = max_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _to_srgb(im: Image.Image, icc: bytes | None, target: str) -> Image.Image:
    """Apply the embedded colour profile (if any, and not already sRGB), landing in `target` mode."""
    if icc and b"sRGB" not in icc[:512]:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, source, _srgb(), outputMode=target)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken or mismatched profile: plain conversion below
    return im if im.mode == target else im.convert(target)


def encode(im: Image.Image, *, png: bool) -> tuple[bytes, str]:
    """PNG or JPEG bytes of `im` carrying no metadata at all."""
    im.info = {}
    out = io.BytesIO()
    if png:
        im.save(out, "PNG", compress_level=6)
        return out.getvalue(), "image/png"
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    im.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), "image/jpeg"
