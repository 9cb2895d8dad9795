"""Attachments: detection from bytes, images (orientation, metadata, bombs), text files, fit_images, preflight.

Every fixture is generated here with Pillow; the real-world files come from ../shared/testdata beside the repo.
PDFs are in test_attachments_pdf.py.
"""

from __future__ import annotations

import base64
import codecs
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from chat.attachments import Attachment, convert, fit_images, preflight
from chat.catalog import OVERLAY, ModelSpec
from chat.errors import AttachmentError
from chat.schema import ImagePart, TextPart
from tests.samples import png_header

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
SMALL = OVERLAY["openai/gpt-oss-20b"]
SCOUT = OVERLAY["qwen/qwen3.8-27b"]
MINISTRAL = OVERLAY["ministral-14b-latest"]

RED, BLUE = (255, 0, 0), (0, 0, 255)


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def reopen(part: TextPart | ImagePart) -> Image.Image:
    assert isinstance(part, ImagePart) and part.data is not None
    image = Image.open(io.BytesIO(part.data))
    image.load()
    return image


def close_to(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def real_file(*parts: str) -> Path:
    path = TESTDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip("../shared/testdata not found beside the repo; real-world file cases skipped")
    return path


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    bands = [Image.effect_noise((width, height), 64) for _ in range(len(mode))]
    return Image.merge(mode, bands)


# --- a phone photo: 12 MP, EXIF orientation 6, GPS ------------------------------------------------------------


def phone_photo() -> bytes:
    """4000x3000 as stored by the sensor, red block top-left; EXIF says 'rotate 90° clockwise' and carries GPS."""
    image = Image.new("RGB", (4000, 3000), BLUE)
    image.paste(RED, (0, 0, 600, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (40.0, 26.0, 46.0), "W", (79.0, 58.0, 56.0)
    return encoded(image, "JPEG", exif=exif, quality=90)


def test_phone_photo_arrives_upright_downscaled_and_without_exif_or_gps() -> None:
    data = phone_photo()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture really carries GPS

    att = convert("IMG_0001.jpg", data)

    assert att.kind == "image" and att.mime_type == "image/jpeg" and att.byte_size == len(data)
    assert att.original_pixels == (3000, 4000)
    (part,) = att.parts
    assert isinstance(part, ImagePart) and part.mime_type == "image/jpeg" and part.name == "IMG_0001.jpg"
    image = reopen(part)
    assert image.size == (part.width, part.height) == (1500, 2000)  # portrait now, longest side <= 2048
    assert close_to(image.getpixel((image.width - 10, 10)), RED)  # the red corner turned to the top right
    assert close_to(image.getpixel((10, 10)), BLUE)
    assert not image.getexif() and "exif" not in image.info and b"Exif" not in part.data
    assert "rotated upright" in att.notes and "location data removed" in att.notes
    assert "downscaled from 3000×4000 to 1500×2000" in att.notes  # JPEG draft decoding at 1/2 did it


def test_exif_gps_real_photo_loses_gps_and_all_metadata() -> None:
    data = real_file("images", "exif_gps.jpg").read_bytes()
    att = convert("exif_gps.jpg", data)
    image = reopen(att.parts[0])
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    assert "location data removed" in att.notes


@pytest.mark.parametrize("name", ["hopper_orientation_6.jpg", "hopper_orientation_8.webp"])
def test_real_exif_orientations_arrive_upright(name: str) -> None:
    reference = Image.open(real_file("images", "hopper.png")).convert("RGB")
    image = reopen(convert(name, real_file("images", name).read_bytes()).parts[0]).convert("RGB")
    assert image.size == reference.size
    diff = sum(abs(a - b) for a, b in zip(image.tobytes(), reference.tobytes(), strict=True)) / len(image.tobytes())
    assert diff < 12  # same picture, same way up (a rotated hopper differs by ~60 per channel)


def test_orientation_rectangle_swaps_sides() -> None:
    att = convert("rect.jpg", real_file("images", "orientation_rectangle.jpg").read_bytes())
    assert att.original_pixels == (1, 2) and reopen(att.parts[0]).size == (1, 2)


# --- other image shapes -----------------------------------------------------------------------------------------


def test_alpha_png_stays_png_with_alpha() -> None:
    image = Image.new("RGBA", (64, 48), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 32, 48))
    part = convert("logo.png", encoded(image, "PNG")).parts[0]
    out = reopen(part)
    assert isinstance(part, ImagePart) and part.mime_type == "image/png" and out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (0, 0, 0, 0) and out.getpixel((63, 0)) == (*RED, 255)


def test_real_transparent_png_stays_png_with_alpha() -> None:
    out = reopen(convert("t.png", real_file("images", "transparent.png").read_bytes()).parts[0])
    assert out.format == "PNG" and out.mode == "RGBA" and out.getchannel("A").getextrema()[0] == 0


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_one_pixel_image_works(fmt: str) -> None:
    att = convert(f"dot.{fmt.lower()}", encoded(Image.new("RGB", (1, 1), RED), fmt))
    part = att.parts[0]
    assert isinstance(part, ImagePart) and (part.width, part.height) == (1, 1) and att.original_pixels == (1, 1)
    assert close_to(reopen(part).convert("RGB").getpixel((0, 0)), RED)


def test_screenshot_stays_png_and_photo_becomes_jpeg() -> None:
    shot = Image.new("RGB", (800, 600), (255, 255, 255))
    shot.paste((20, 20, 20), (100, 100, 700, 110))
    assert convert("shot.png", encoded(shot, "PNG")).parts[0].mime_type == "image/png"  # type: ignore[union-attr]
    photo = convert("photo.png", encoded(noise(400, 300), "PNG")).parts[0]
    assert isinstance(photo, ImagePart) and photo.mime_type == "image/jpeg"


def test_rotated_screenshot_png_stays_png() -> None:
    shot = Image.new("RGB", (300, 200), (255, 255, 255))
    shot.paste((20, 20, 20), (10, 10, 290, 20))
    exif = Image.Exif()
    exif[0x0112] = 8
    att = convert("shot.png", encoded(shot, "PNG", exif=exif))
    part = att.parts[0]
    assert isinstance(part, ImagePart) and part.mime_type == "image/png" and (part.width, part.height) == (200, 300)
    assert "rotated upright" in att.notes and not reopen(part).getexif()


def test_large_png_is_downscaled_to_2048_with_a_note() -> None:
    att = convert("wide.png", encoded(Image.new("RGB", (4096, 1024), BLUE), "PNG"))
    part = att.parts[0]
    assert isinstance(part, ImagePart) and (part.width, part.height) == (2048, 512)
    assert att.original_pixels == (4096, 1024) and "downscaled from 4096×1024 to 2048×512" in att.notes


def test_cmyk_becomes_rgb() -> None:
    att = convert("print.jpg", encoded(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG"))
    out = reopen(att.parts[0])
    assert out.mode == "RGB" and close_to(out.getpixel((5, 5)), RED, 60) and "CMYK converted to RGB" in att.notes


def test_real_cmyk_jpeg_becomes_rgb() -> None:
    out = reopen(convert("cmyk.jpg", real_file("images", "pil_sample_cmyk.jpg").read_bytes()).parts[0])
    assert out.mode == "RGB" and out.size == (100, 100)


def test_animated_gif_sends_its_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    att = convert("anim.gif", data)
    assert close_to(reopen(att.parts[0]).convert("RGB").getpixel((10, 10)), RED)
    assert "animated image: first frame only" in att.notes


def test_real_animated_gif_first_frame() -> None:
    data = real_file("images", "dispose_none_load_end.gif").read_bytes()
    expected = Image.open(io.BytesIO(data)).convert("RGBA")
    out = reopen(convert("anim.gif", data).parts[0]).convert("RGBA")
    assert out.size == expected.size == (200, 150) and out.tobytes() == expected.tobytes()


def test_iphone_heic_with_gps_opens_and_loses_gps() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (40.0, 26.0, 46.0)})
    data = encoded(Image.new("RGB", (64, 32), RED), "HEIF", exif=exif)
    att = convert("IMG_0002.HEIC", data)
    out = reopen(att.parts[0])
    assert att.mime_type == "image/heic" and out.size == (64, 32) and close_to(out.getpixel((5, 5)), RED)
    assert not out.getexif() and "location data removed" in att.notes


def test_avif_opens() -> None:
    att = convert("pic.avif", encoded(Image.new("RGB", (40, 30), RED), "AVIF"))
    assert att.mime_type == "image/avif" and close_to(reopen(att.parts[0]).getpixel((5, 5)), RED)


@pytest.mark.parametrize("name", ["hopper.heif", "hopper.webp", "hopper.bmp", "hopper.gif", "hopper.png"])
def test_real_formats_open(name: str) -> None:
    att = convert(name, real_file("images", name).read_bytes())
    assert att.kind == "image" and att.original_pixels == (128, 128)
    assert reopen(att.parts[0]).format in ("PNG", "JPEG")
    if name.endswith(".heif"):
        assert att.mime_type == "image/heic"


# --- images that must be refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(100_000, 100_000), (12_000, 10_000)])
def test_decompression_bomb_header_is_refused_quickly(size: tuple[int, int]) -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("bomb.png", png_header(*size))
    message = str(caught.value)
    assert message.startswith("bomb.png: the image declares") and "decompression bomb" in message
    assert "100 megapixels" in message


@pytest.mark.parametrize("name", ["decompression_bomb.gif", "decompression_bomb_extents.gif"])
def test_real_decompression_bombs_are_refused(name: str) -> None:
    with pytest.raises(AttachmentError, match="decompression bomb"):
        convert(name, real_file("images", name).read_bytes())


def test_truncated_jpeg_is_a_clear_error() -> None:
    data = encoded(noise(256, 256), "JPEG", quality=95)
    with pytest.raises(AttachmentError) as caught:
        convert("cut.jpg", data[: len(data) // 2])
    assert str(caught.value).startswith("cut.jpg: the image file is cut off (truncated)")


def test_random_bytes_named_png_say_what_they_are() -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("photo.png", bytes(range(256)) * 4)
    assert str(caught.value) == (
        "photo.png: this file is not an image (its bytes look like unrecognised binary data). "
        "Check that you picked the right file, or export it again."
    )


def test_text_named_png_is_refused_as_not_an_image() -> None:
    with pytest.raises(AttachmentError, match=r"not an image \(its bytes look like plain text\)"):
        convert("photo.png", b"hello")


def test_jpeg_named_png_is_read_as_jpeg() -> None:
    att = convert("photo.png", encoded(Image.new("RGB", (8, 8), RED), "JPEG"))
    assert att.mime_type == "image/jpeg" and att.kind == "image"


def test_declared_mime_is_used_when_the_name_has_no_extension() -> None:
    with pytest.raises(AttachmentError, match="not a PDF"):
        convert("upload", b"plain words", "application/pdf")


# --- text files ----------------------------------------------------------------------------------------------


def only_text(att: Attachment) -> str:
    (part,) = att.parts
    assert isinstance(part, TextPart) and part.source == att.name
    return part.text


def test_csv_becomes_one_fenced_text_part() -> None:
    att = convert("data.csv", b"a,b\n1,2\n")
    assert only_text(att) == "```csv title=data.csv\na,b\n1,2\n```"
    assert att.kind == "text" and att.chars == 8 and att.mime_type == "text/plain"


def test_backticks_inside_cannot_close_the_fence() -> None:
    text = "# Notes\n```python\nprint(1)\n```\n````\n"
    fenced = only_text(convert("notes.md", text.encode()))
    assert fenced.startswith("`````markdown title=notes.md\n") and fenced.endswith("\n`````")
    assert fenced.count("`````") == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (codecs.BOM_UTF8 + "ñandú,1\n".encode(), "ñandú,1"),
        (codecs.BOM_UTF16_LE + "ñandú,1\n".encode("utf-16-le"), "ñandú,1"),
        (codecs.BOM_UTF16_BE + "ñandú,1\n".encode("utf-16-be"), "ñandú,1"),
        ("año;peso\n".encode("cp1252"), "año;peso"),
    ],
)
def test_boms_and_windows_text_decode(raw: bytes, expected: str) -> None:
    text = only_text(convert("x.csv", raw))
    assert text.splitlines()[1] == expected and "\ufeff" not in text


def test_source_code_without_known_extension_is_text() -> None:
    att = convert("Makefile", b"all:\n\techo hi\n")
    assert only_text(att).startswith("```makefile title=Makefile\n")


def test_long_text_is_cut_with_a_note() -> None:
    line = "x" * 99 + "\n"
    att = convert("big.log", (line * 3_000).encode())
    assert att.chars <= 100_000 and att.chars >= 90_000
    assert att.notes == (f"characters {att.chars + 1:,}–300,000 not included (text cap 100,000)",)


def test_empty_file_is_refused() -> None:
    with pytest.raises(AttachmentError, match="^notes.txt: the file is empty"):
        convert("notes.txt", b"")


def test_binary_file_lists_what_is_supported() -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("report.docx", b"PK\x03\x04" + bytes(200))
    message = str(caught.value)
    assert "ZIP archive" in message and "Supported: images (PNG, JPEG, WebP, GIF, BMP, HEIC/HEIF, AVIF), PDF" in message


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(AttachmentError, match="unrecognised binary data"):
        convert("data.txt", b"abc\x00def")


def test_files_over_20_mb_are_refused_before_reading() -> None:
    with pytest.raises(AttachmentError, match="the largest attachment is 20.0 MB"):
        convert("huge.txt", b"a" * (20 * 1024 * 1024 + 1))


# --- no crash on any bytes -------------------------------------------------------------------------------------

NAMES = st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.txt", "a.csv", "a.heic", "a.gif", "noext", "a.docx"])
MAGIC = st.sampled_from(
    [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xe0",
        b"GIF89a",
        b"BM",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1miaf",
        b"%PDF-1.7\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES, magic=MAGIC, body=st.binary(max_size=600))
def test_random_bytes_never_crash(name: str, magic: bytes, body: bytes) -> None:
    try:
        att = convert(name, magic + body)
    except AttachmentError as exc:
        assert str(exc).startswith(f"{name}: ")
    else:
        assert att.parts and all(not isinstance(p, TextPart) or p.text.strip() for p in att.parts)


# --- fit_images -------------------------------------------------------------------------------------------------


def photo_part(name: str, width: int, height: int) -> ImagePart:
    data = encoded(noise(width, height), "PNG")
    return ImagePart(data=data, mime_type="image/png", name=name, width=width, height=height)


def test_fit_images_keeps_groq_under_its_4_mb_base64_request_cap() -> None:
    parts = [photo_part(f"p{i}.png", 1400, 1100) for i in range(3)]
    assert sum(len(base64.b64encode(p.data or b"")) for p in parts) > 4 * 1024 * 1024
    fitted = fit_images(parts, SCOUT)
    assert [p.name for p in fitted] == [p.name for p in parts]
    assert sum(len(p.data_url) for p in fitted) <= SCOUT.max_request_image_bytes
    assert all(p.size <= SCOUT.max_image_bytes and reopen(p).size == (p.width, p.height) for p in fitted)


def test_fit_images_enforces_pixels_per_image() -> None:
    tiny_limits = ModelSpec(
        "t",
        "mistral",
        "Tiny",
        1000,
        100,
        100,
        1.0,
        vision=True,
        max_images=2,
        max_image_pixels=250_000,
        max_image_bytes=10**7,
    )
    (fitted,) = fit_images([photo_part("big.png", 1000, 800)], tiny_limits)
    assert fitted.width and fitted.height and fitted.width * fitted.height <= 250_000
    assert abs(fitted.width / fitted.height - 1.25) < 0.02 and reopen(fitted).size == (fitted.width, fitted.height)


def test_fit_images_leaves_small_images_untouched_and_reads_data_urls() -> None:
    small = convert("s.png", encoded(Image.new("RGB", (10, 10), RED), "PNG")).images[0]
    as_url = ImagePart(url=small.data_url, mime_type="image/png", name="u.png")
    kept, from_url = fit_images([small, as_url], MINISTRAL)
    assert kept is small and from_url.data == small.data and (from_url.width, from_url.height) == (10, 10)


def test_fit_images_refuses_too_many_and_blind_models() -> None:
    parts = [convert("s.png", encoded(Image.new("RGB", (4, 4), RED), "PNG")).images[0]] * 6
    with pytest.raises(AttachmentError, match="6 images, but Qwen3.8 27B \\(vision\\) takes at most 3"):
        fit_images(parts, SCOUT)
    with pytest.raises(AttachmentError, match="cannot see images: switch to Qwen3.8 27B"):
        fit_images(parts[:1], SMALL)


# --- preflight ---------------------------------------------------------------------------------------------------


def test_preflight_image_on_a_text_model_names_a_vision_model() -> None:
    att = convert("cat.png", encoded(Image.new("RGB", (300, 200), RED), "PNG"))
    check = preflight(att, SMALL)
    assert not check.fits
    assert check.reason == "GPT-OSS 20B cannot see images: switch to Qwen3.8 27B (vision)."
    assert check.label() == "cat.png · 300×200 · ~2k tokens · does not fit"
    ok = preflight(att, SCOUT)
    assert ok.fits and ok.reason is None and ok.pixels_after == (300, 200)


def test_preflight_reports_downscale_for_the_model() -> None:
    att = convert("big.png", encoded(Image.new("RGB", (4000, 1000), RED), "PNG"))
    check = preflight(att, MINISTRAL)
    assert check.pixels_before == (4000, 1000) and check.pixels_after == (2048, 512)
    assert check.label().startswith("big.png · 4000×1000 → 2048×512 · ~")


def test_preflight_text_over_budget_says_how_much() -> None:
    words = " ".join(f"word{i}" for i in range(12_000))
    att = convert("long.txt", words.encode())
    check = preflight(att, SMALL)
    assert not check.fits and check.tokens > SMALL.input_budget()
    assert check.reason is not None and check.reason.startswith("needs ~")
    assert "GPT-OSS 20B takes ~7,000 per request" in check.reason
    assert preflight(att, SMALL, budget_tokens=10**6).fits


def test_preflight_label_for_text() -> None:
    check = preflight(convert("data.csv", b"a,b\n1,2\n"), SMALL)
    assert check.fits and check.label() == f"data.csv · 8 characters · ~{check.tokens} tokens · fits"
