"""Attachments in Spanish: every refusal, note, preflight reason and chip renders in the user's language, while the
English sentences stay exactly as they were (other code and tests compare them)."""

from __future__ import annotations

import io
import pickle
import re
import string
from collections.abc import Callable

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from chat.attachments import Refusal, convert, fit_images, preflight
from chat.attachments.images import check_size
from chat.attachments.model import note
from chat.attachments.words import Note, page_list, refusal_message
from chat.catalog import OVERLAY
from chat.errors import AttachmentError
from chat.schema import MAX_FILE_BYTES, ImagePart
from chat.text import t
from chat.text.attachments import TEXT as CATALOG
from tests.samples import png_header, text_pdf

SMALL = OVERLAY["openai/gpt-oss-20b"]
SCOUT = OVERLAY["qwen/qwen3.8-27b"]
RED = (255, 0, 0)


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def password_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["Secret quarterly numbers"]))))
    writer.encrypt(user_password="s3cret", owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    image = Image.effect_noise((256, 256), 64).convert("RGB")
    data = encoded(image, "JPEG", quality=95)
    return data[: len(data) // 2]


def small_png(name: str = "s.png") -> ImagePart:
    return convert(name, encoded(Image.new("RGB", (4, 4), RED), "PNG")).images[0]


def refused(action: Callable[[], object]) -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        action()
    return caught.value


MB20 = f"{MAX_FILE_BYTES / 1_048_576:.1f} MB"
MB20_ES = MB20.replace(".", ",")

# (id, action, the English message exactly as before, a Spanish word or phrase the Spanish message contains)
CASES: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "empty",
        lambda: convert("notes.txt", b""),
        "notes.txt: the file is empty. Attach it again once it has content.",
        "está vacío",
    ),
    (
        "too_big",
        lambda: convert("big.txt", b"a" * (MAX_FILE_BYTES + 1)),
        f"big.txt: the file is {MB20}; the largest attachment is {MB20}. Send a smaller or shorter version.",
        f"el adjunto más grande admitido es de {MB20_ES}",
    ),
    (
        "not_pdf",
        lambda: convert("report.pdf", bytes(range(255, 0, -1)) * 8),
        "report.pdf: this file is not a PDF (its bytes look like unrecognised binary data). "
        "Check that you picked the right file, or export it again.",
        "no es un PDF (sus bytes parecen datos binarios no reconocidos)",
    ),
    (
        "png_named_pdf",
        lambda: convert("scan.pdf", encoded(Image.new("RGB", (4, 4)), "PNG")),
        "scan.pdf: this file is not a PDF (its bytes look like a PNG image). "
        "Check that you picked the right file, or export it again.",
        "una imagen PNG",
    ),
    (
        "not_image",
        lambda: convert("photo.png", b"hello"),
        "photo.png: this file is not an image (its bytes look like plain text). "
        "Check that you picked the right file, or export it again.",
        "no es una imagen (sus bytes parecen texto plano)",
    ),
    (
        "unsupported",
        lambda: convert("data.bin", bytes(range(256)) * 4),
        "data.bin: Charla cannot read this file (its bytes look like unrecognised binary data). Supported: images "
        "(PNG, JPEG, WebP, GIF, BMP, HEIC/HEIF, AVIF), PDF, and text files (TXT, MD, CSV, JSON, source code).",
        "Charla no puede leer este archivo",
    ),
    (
        "zip",
        lambda: convert("report.docx", b"PK\x03\x04" + bytes(range(256)) * 2),
        "report.docx: Charla cannot read this file (its bytes look like a ZIP archive (for example .docx, .xlsx, "
        ".pptx or .zip)). Supported: images (PNG, JPEG, WebP, GIF, BMP, HEIC/HEIF, AVIF), PDF, and text files "
        "(TXT, MD, CSV, JSON, source code).",
        "un archivo ZIP (por ejemplo",
    ),
    (
        "password",
        lambda: convert("locked.pdf", password_pdf()),
        "locked.pdf: this PDF is password-protected. Remove the password (for example, print it to a new PDF) "
        "and attach it again.",
        "protegido con contraseña",
    ),
    (
        "corrupt_pdf",
        lambda: convert("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 3),
        "",
        "el PDF está dañado y no se puede leer",
    ),
    (
        "bomb",
        lambda: convert("bomb.png", png_header(12_000, 10_000)),
        "bomb.png: the image declares an enormous size, more than the 100 megapixels Charla opens (it may be a "
        "decompression bomb). Resize it and attach it again.",
        "la imagen declara un tamaño enorme, más que los 100 megapíxeles",
    ),
    (
        "bomb_size",
        lambda: check_size("page.png", (20_000, 10_000)),
        "page.png: the image declares 20000×10000 pixels, more than the 100 megapixels Charla opens (it may be a "
        "decompression bomb). Resize it and attach it again.",
        "la imagen declara 20000×10000 píxeles",
    ),
    (
        "empty_size",
        lambda: check_size("page.png", (0, 10)),
        "page.png: the image declares an empty size (0×10).",
        "un tamaño vacío (0×10)",
    ),
    (
        "truncated",
        lambda: convert("cut.jpg", truncated_jpeg()),
        "cut.jpg: the image file is cut off (truncated), probably by an interrupted download or copy. "
        "Get the complete file and attach it again.",
        "está cortado (truncado)",
    ),
    (
        "too_many_images",
        lambda: fit_images([small_png()] * 6, SCOUT),
        "s.png, s.png, s.png and 3 more: 6 images, but Qwen3.8 27B (vision) takes at most 3 per request. "
        "Remove some and send them in another message.",
        "s.png, s.png, s.png y 3 más: 6 imágenes, pero Qwen3.8 27B (vision) admite como máximo 3",
    ),
    (
        "no_vision",
        lambda: fit_images([small_png()], SMALL),
        "s.png: GPT-OSS 20B cannot see images: switch to Qwen3.8 27B (vision).",
        "no puede ver imágenes: cambia a",
    ),
    (
        "bad_data_url",
        lambda: fit_images([ImagePart(url="data:image/png;base64,a", mime_type="image/png", name="u.png")], SCOUT),
        "u.png: its data: URL is not valid base64.",
        "no es base64 válido",
    ),
]


def reason_words(en: str, name: str, detail: str) -> list[str]:
    """Runs of four English words of the reason (after '{name}: ', without the library's `detail`), none of which
    the Spanish sentence may contain."""
    reason = en.removeprefix(f"{name}: ").replace(detail, "")
    words = re.findall(r"[A-Za-z']+", reason)
    return [" ".join(words[i : i + 4]) for i in range(len(words) - 3)]


@pytest.mark.parametrize(("case", "action", "english", "spanish"), CASES, ids=[c[0] for c in CASES])
def test_refusal_is_spanish_in_spanish_and_unchanged_in_english(
    case: str, action: Callable[[], object], english: str, spanish: str
) -> None:
    err = refused(action)
    en, es = err.message("en"), err.message("es")
    assert isinstance(err, Refusal)
    if english:
        assert en == english
    assert str(err) == en and err.params["reason"] == err.reason_in("en")
    assert en == t("error.attachment", "en", name=err.params["name"], reason=err.params["reason"])
    assert es != en and spanish in es
    assert "{" not in es and "}" not in es
    name = err.name_in("en")
    assert es.startswith(f"{err.name_in('es')}: ")
    runs = reason_words(en, name, str(err.params.get("detail", "")))
    english_runs = [run for run in runs if not re.search(r"PNG|JPEG|PDF|HEIC|AVIF|Llama|ZIP", run)]
    assert not [run for run in english_runs if run in es], es


def test_corrupt_pdf_english_unchanged() -> None:
    err = refused(lambda: convert("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 3))
    assert re.fullmatch(
        r"broken\.pdf: the PDF is damaged and cannot be read \(.+\)\. "
        r"Open it and export or print it to a new PDF, then attach that\.",
        str(err),
    )
    detail = err.params["detail"]
    assert err.message("es") == (
        f"broken.pdf: el PDF está dañado y no se puede leer ({detail}). "
        "Ábrelo y expórtalo o imprímelo en un PDF nuevo; después adjunta ese."
    )


def test_refusal_params_stay_plain_for_the_store_and_the_api() -> None:
    err = refused(lambda: convert("big.txt", b"a" * (MAX_FILE_BYTES + 1)))
    assert err.key == "error.attachment"
    assert set(err.params) == {"name", "reason", "reason_key", "size", "limit"}
    assert all(isinstance(v, str | int) for v in err.params.values())
    assert err.params["reason_key"] == "att.too_big" and err.params["size"] == MAX_FILE_BYTES + 1


# --- notes -----------------------------------------------------------------------------------------------------


def phone_photo() -> bytes:
    image = Image.new("RGB", (3000, 2000), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 26.0, 46.0)
    return encoded(image, "JPEG", exif=exif, quality=90)


def test_image_notes_in_spanish() -> None:
    att = convert("photo.jpg", phone_photo())
    assert "rotated upright" in att.notes and "location data removed" in att.notes
    assert any(n.startswith("downscaled from ") for n in att.notes)
    es = att.notes_in("es")
    assert "girada a su posición vertical" in es and "datos de ubicación eliminados" in es
    assert any(re.fullmatch(r"reducida de \d+×\d+ a \d+×\d+", n) for n in es)
    assert att.notes_in("en") == att.notes and all(isinstance(n, str) for n in att.notes)


def test_text_notes_in_spanish() -> None:
    att = convert("big.txt", (("x" * 99 + "\n") * 3_000).encode())
    assert att.notes == (f"characters {att.chars + 1:,}–300,000 not included (text cap 100,000)",)
    assert att.notes_in("es") == (
        f"caracteres {att.chars + 1:,}–300.000 no incluidos (límite de texto 100.000)".replace(",", "."),
    )
    cp = convert("old.csv", "café;niño\n".encode("cp1252"))
    assert cp.notes == ("read as Windows-1252 (not UTF-8)",) and cp.notes_in("es") == (
        "leído como Windows-1252 (no UTF-8)",
    )


def test_pdf_notes_in_spanish() -> None:
    att = convert("report.pdf", text_pdf(["Alpha first page", "", "Gamma third page"]))
    assert att.notes == ("no text on page 2 (scanned or blank; not included)",)
    assert att.notes_in("es") == ("sin texto en página 2 (escaneadas o en blanco; no incluidas)",)


def test_note_values_render_every_language_and_survive_pickling() -> None:
    n = note("att.note.page_cap", first_page=201, last_page=1500, cap=200)
    assert n == "pages 201–1500 not included (page cap 200)"
    assert n.text("es") == "páginas 201–1500 no incluidas (límite de 200 páginas)"
    again = pickle.loads(pickle.dumps(n))
    assert isinstance(again, Note) and again == n and again.text("es") == n.text("es")
    assert note("att.note.no_text_on", pages=tuple(range(1, 13))) == (
        "no text on pages 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more (scanned or blank; not included)"
    )
    assert page_list((3,), "es") == "página 3" and page_list((1, 2), "es") == "páginas 1, 2"


# --- preflight ---------------------------------------------------------------------------------------------------


def test_preflight_reason_and_label_in_spanish() -> None:
    att = convert("cat.png", encoded(Image.new("RGB", (300, 200), RED), "PNG"))
    check = preflight(att, SMALL)
    assert check.reason == "GPT-OSS 20B cannot see images: switch to Qwen3.8 27B (vision)."
    assert check.reason_in("es") == "GPT-OSS 20B no puede ver imágenes: cambia a Qwen3.8 27B (vision)."
    assert check.label() == "cat.png · 300×200 · ~2k tokens · does not fit"
    assert check.label("es") == "cat.png · 300×200 · ~2k tokens · no cabe"
    ok = preflight(att, SCOUT)
    assert ok.reason is None and ok.reason_in("es") is None and ok.label("es").endswith(" · cabe")


def test_preflight_token_reason_in_spanish() -> None:
    att = convert("long.txt", ("word " * 60_000).encode())
    check = preflight(att, SMALL, budget_tokens=4_900)
    assert check.reason is not None and check.reason.startswith("needs ~")
    assert "GPT-OSS 20B takes ~4,900 per request: attach fewer text, lower the max output" in check.reason
    es = check.reason_in("es")
    assert (
        es is not None and es.startswith("necesita ~") and "admite ~4900 por solicitud" in es
    )  # CLDR: Spanish groups no four-digit number
    assert "{" not in es
    label = check.label("es")
    assert " caracteres · ~" in label and label.endswith(" · no cabe") and "100.000 caracteres" in label


def test_preflight_label_of_a_pdf_in_spanish() -> None:
    check = preflight(convert("report.pdf", text_pdf(["Alpha first page", "Beta second page"])), SMALL)
    assert check.label() == f"report.pdf · 2 pages · 32 characters · ~{check.tokens} tokens · fits"
    assert check.label("es") == f"report.pdf · 2 páginas · 32 caracteres · ~{check.tokens} tokens · cabe"


# --- the catalogue ----------------------------------------------------------------------------------------------

SAME_IN_BOTH = {"att.chip.tokens"}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_sentence_has_spanish_with_the_same_placeholders(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == {"en", "es"}

    def fields(text: str | dict[str, str]) -> set[str]:
        forms = text.values() if isinstance(text, dict) else [text]
        return {f for form in forms for _, f, _, _ in string.Formatter().parse(form) if f}

    assert fields(entry["en"]) == fields(entry["es"])
    if key not in SAME_IN_BOTH:
        assert entry["es"] != entry["en"]


def test_refusal_message_from_stored_params() -> None:
    err = refused(lambda: convert("big.txt", b"a" * (MAX_FILE_BYTES + 1)))
    assert refusal_message(dict(err.params), "es") == err.message("es")
    assert refusal_message(dict(err.params), "en") == str(err)
    assert refusal_message({"name": "x", "reason": "y"}, "es") is None
