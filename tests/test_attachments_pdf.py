"""PDF attachments: page-marked text, caps, progress, encryption, damage, and scans (no text layer -> page images).

Fixtures are generated here (a hand-written text PDF, pypdf for encryption and copies, Pillow for scans); the
real-world files come from ../shared/testdata beside the repo.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from chat.attachments import convert, preflight
from chat.catalog import OVERLAY
from chat.errors import AttachmentError
from chat.schema import ImagePart, TextPart
from tests.samples import text_pdf

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
SMALL = OVERLAY["openai/gpt-oss-20b"]
SCOUT = OVERLAY["qwen/qwen3.8-27b"]
MISTRAL_SMALL = OVERLAY["mistral-small-latest"]
PASSWORD_ERROR = (
    "this PDF is password-protected. Remove the password (for example, print it to a new PDF) and attach it again."
)


def real_file(name: str) -> Path:
    path = TESTDATA / "pdf" / name
    if not path.exists():
        pytest.skip("../shared/testdata not found beside the repo; real-world file cases skipped")
    return path


def scanned_pdf(pages: int) -> bytes:
    """Pages that are only pictures (what a scanner makes): Pillow writes one image per page, no text."""
    images = [Image.new("RGB", (850, 1100), (255, 255, 255)) for _ in range(pages)]
    for number, image in enumerate(images):
        image.paste((30, 30, 30), (100, 100 + number * 10, 750, 140 + number * 10))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=100)
    return out.getvalue()


def the_text(parts: tuple[TextPart | ImagePart, ...]) -> str:
    (part,) = parts
    assert isinstance(part, TextPart)
    return part.text


# --- text PDFs --------------------------------------------------------------------------------------------------


def test_multi_page_pdf_gives_marked_pages_in_order_and_reports_progress() -> None:
    data = text_pdf(["Alpha first page", "Beta second page", "Gamma third page"])
    calls: list[tuple[int, int]] = []
    att = convert("report.pdf", data, progress=lambda done, total: calls.append((done, total)))
    assert att.kind == "pdf" and att.mime_type == "application/pdf" and att.pages == 3
    assert the_text(att.parts) == (
        "[report.pdf — page 1 of 3]\nAlpha first page\n\n"
        "[report.pdf — page 2 of 3]\nBeta second page\n\n"
        "[report.pdf — page 3 of 3]\nGamma third page"
    )
    assert att.chars == len("Alpha first page") * 3 and att.notes == () and att.byte_size == len(data)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_pdf_page_cap_leaves_later_pages_out_with_a_note() -> None:
    pages = [f"Page body number {n} with some words" for n in range(1, 206)]
    att = convert("long.pdf", text_pdf(pages))
    text = the_text(att.parts)
    assert att.pages == 205 and "[long.pdf — page 200 of 205]" in text and "page 201 of" not in text
    assert att.notes == ("pages 201–205 not included (page cap 200)",)


def test_pdf_character_cap_cuts_with_a_note() -> None:
    page = "\n".join(["lorem ipsum dolor sit amet " * 4] * 40)  # ~4,400 chars a page
    att = convert("thick.pdf", text_pdf([page] * 60))
    assert att.chars == 200_000
    assert re.fullmatch(r"page (\d+) cut; pages \d+–60 not included \(character cap 200,000\)", att.notes[0])


def test_pdf_with_a_blank_page_among_text_pages_says_so() -> None:
    att = convert("gap.pdf", text_pdf(["Plenty of words on the first page here", "", "And more words on page three"]))
    assert "[gap.pdf — page 2 of 3]\n(no text on this page)" in the_text(att.parts)
    assert att.notes == ("no text on page 2 (scanned or blank; not included)",)


# --- encryption -------------------------------------------------------------------------------------------------


def encrypted(user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["Secret quarterly numbers"]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_pdf_encrypted_with_empty_user_password_opens(algorithm: str) -> None:
    att = convert("locked.pdf", encrypted("", algorithm))
    assert "Secret quarterly numbers" in the_text(att.parts)
    assert att.notes == ("encrypted PDF opened (no password needed)",)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_with_a_password_says_so(algorithm: str) -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("locked.pdf", encrypted("s3cret", algorithm))
    assert str(caught.value) == f"locked.pdf: {PASSWORD_ERROR}"


# --- not PDFs, damaged PDFs ----------------------------------------------------------------------------------


def test_random_bytes_named_pdf_are_not_a_pdf() -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("report.pdf", bytes(range(255, 0, -1)) * 8)
    assert str(caught.value).startswith(
        "report.pdf: this file is not a PDF (its bytes look like unrecognised binary data)."
    )


def test_png_named_pdf_says_it_is_a_png() -> None:
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    with pytest.raises(AttachmentError, match=r"^scan.pdf: this file is not a PDF \(its bytes look like a PNG"):
        convert("scan.pdf", png.getvalue())


def test_damaged_pdf_is_a_clear_error() -> None:
    with pytest.raises(AttachmentError) as caught:
        convert("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 3)
    assert "the PDF is damaged and cannot be read" in str(caught.value)
    assert "export or print it to a new PDF" in str(caught.value)


def test_truncated_pdf_never_gives_empty_text() -> None:
    data = text_pdf(["Words that matter on page one"] * 3)
    try:
        att = convert("cut.pdf", data[: len(data) * 2 // 3])
    except AttachmentError as exc:
        assert str(exc).startswith("cut.pdf: ")
    else:
        assert "Words that matter" in att.text


# --- scans: no text layer -----------------------------------------------------------------------------------


def test_scanned_pdf_becomes_page_images_not_empty_text() -> None:
    att = convert("scan.pdf", scanned_pdf(3))
    assert att.kind == "pdf" and att.pages == 3 and att.chars == 0
    intro, *images = att.parts
    assert isinstance(intro, TextPart) and intro.text == "[scan.pdf — 3 pages, no text layer: 3 page images follow]"
    assert len(images) == 3 and all(isinstance(p, ImagePart) for p in images)
    assert [p.name for p in images] == ["scan.pdf — page 1", "scan.pdf — page 2", "scan.pdf — page 3"]
    first = images[0]
    assert isinstance(first, ImagePart) and first.data and (first.width, first.height) == (850, 1100)
    assert att.notes == ("no text layer: sent as 3 page images (needs a vision model)",)


def test_long_scan_sends_eight_page_images() -> None:
    att = convert("scan.pdf", scanned_pdf(10))
    assert len(att.images) == 8
    assert att.notes == (
        "no text layer: sent as 8 page images (needs a vision model)",
        "pages 9–10 not included (page-image cap 8)",
    )


def test_preflight_of_a_scan_on_a_text_model_names_a_vision_model() -> None:
    att = convert("scan.pdf", scanned_pdf(2))
    check = preflight(att, SMALL)
    assert not check.fits and check.reason == (
        "GPT-OSS 20B cannot see images, and this PDF has no text layer "
        "(it is sent as 2 page images): switch to Qwen3.8 27B (vision)."
    )
    assert preflight(att, SCOUT).fits
    eight = convert("scan.pdf", scanned_pdf(8))
    assert preflight(eight, SCOUT).reason == (
        "8 images, but Qwen3.8 27B (vision) takes at most 3 per request: send fewer pages or images."
    )
    assert preflight(eight, MISTRAL_SMALL).fits


def test_preflight_label_for_a_pdf() -> None:
    att = convert("report.pdf", text_pdf(["Alpha first page", "Beta second page"]))
    check = preflight(att, SMALL)
    assert check.label() == f"report.pdf · 2 pages · 32 characters · ~{check.tokens} tokens · fits"


# --- real-world PDFs ----------------------------------------------------------------------------------------------


def words(text: str) -> str:
    return "".join(text.split())


def test_crazyones_text_matches_its_expected_text() -> None:
    att = convert("crazyones.pdf", real_file("crazyones.pdf").read_bytes())
    text = the_text(att.parts)
    assert text.startswith("[crazyones.pdf — page 1 of 1]\n")
    body = text.split("\n", 1)[1]
    assert words(body) == words(real_file("crazyones.txt").read_text()) and att.pages == 1


def test_real_empty_password_pdf_opens() -> None:
    att = convert("r2.pdf", real_file("r2-empty-password.pdf").read_bytes())
    assert "pdf encryption test" in att.text


def test_real_r6_with_an_empty_owner_password_opens() -> None:
    # Its user password is "asdfzxcv" but its owner password is empty, so any reader (pypdf, pdf.js) opens it
    # without asking: the file is not actually protected, and Charla reads it.
    att = convert("r6.pdf", real_file("r6-user-password.pdf").read_bytes())
    assert "pdf encryption test" in att.text


@pytest.mark.parametrize(
    "name", ["r4-aes-user-password.pdf", "libreoffice-writer-password.pdf", "crazyones-encrypted-256.pdf"]
)
def test_real_password_pdfs_say_so(name: str) -> None:
    with pytest.raises(AttachmentError) as caught:
        convert(name, real_file(name).read_bytes())
    assert str(caught.value) == f"{name}: {PASSWORD_ERROR}"


@pytest.mark.parametrize(("name", "pages"), [("imagemagick-CCITTFaxDecode.pdf", 1), ("imagemagick-images.pdf", 6)])
def test_real_image_only_pdfs_take_the_image_path(name: str, pages: int) -> None:
    att = convert(name, real_file(name).read_bytes())
    assert att.kind == "pdf" and att.pages == pages and len(att.images) == pages
    assert all(p.data for p in att.images)
    assert f"no text layer: sent as {pages} page image{'s' if pages > 1 else ''} (needs a vision model)" in att.notes


def test_real_ocr_scan_with_text_layer_uses_the_text() -> None:
    att = convert("vicksburg.pdf", real_file("Seige_of_Vicksburg_Sample_OCR.pdf").read_bytes())
    assert att.pages == 6 and not att.images and att.chars > 12_000
    assert [int(n) for n in re.findall(r"\[vicksburg\.pdf — page (\d+) of 6\]", att.text)] == [1, 2, 3, 4, 5, 6]


def test_real_multilang_pdf() -> None:
    att = convert("multilang.pdf", real_file("multilang.pdf").read_bytes())
    assert att.chars > 100 and att.text.startswith("[multilang.pdf — page 1 of 1]\n")
