"""What a file really is, from its first bytes (never from its name), and what its name promises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

Kind = Literal["image", "pdf", "text"]


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Sniffed:
    """A recognised format: `kind` is what Charla makes of it, `label` is for sentences."""

    kind: Kind
    mime_type: str
    label: str
    look: str = ""
    """The id of `label` in the "att.looks.*" sentences (for other languages)."""


def sniff(data: bytes) -> Sniffed | None:
    """The image or PDF format `data` starts with; None for anything else (text is decided elsewhere)."""
    head = data[:32]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png", "a PNG image", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg", "a JPEG image", "jpeg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "image/gif", "a GIF image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp", "a WebP image", "webp")
    if head[:2] == b"BM" and len(head) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return Sniffed("image", "image/bmp", "a BMP image", "bmp")
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands and brands[0] in (b"avif", b"avis"):
            return Sniffed("image", "image/avif", "an AVIF image", "avif")
        if any(b in _HEIF_BRANDS for b in brands):
            return Sniffed("image", "image/heic", "a HEIC/HEIF image", "heic")
    if b"%PDF-" in data[:1024]:
        return Sniffed("pdf", "application/pdf", "a PDF document", "pdf")
    return None


def _ftyp_brands(data: bytes) -> list[bytes]:
    """The major brand, then the compatible brands, of an ISO-BMFF `ftyp` box."""
    size = int.from_bytes(data[:4], "big")
    box = data[8 : min(max(size, 16), 64)]
    return [box[i : i + 4] for i in range(0, len(box) - 3, 4) if i != 4]


_OTHER_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"PK\x03\x04", 0, "zip"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!", 0, "rar"),
    (b"\xd0\xcf\x11\xe0", 0, "ole"),
    (b"\x7fELF", 0, "elf"),
    (b"MZ", 0, "exe"),
    (b"ID3", 0, "mp3"),
    (b"OggS", 0, "ogg"),
    (b"fLaC", 0, "flac"),
    (b"\x00\x00\x01\x00", 0, "ico"),
    (b"II*\x00", 0, "tiff"),
    (b"MM\x00*", 0, "tiff"),
    (b"{\\rtf", 0, "rtf"),
    (b"SQLite format 3", 0, "sqlite"),
)
"""Other formats Charla names in a refusal: magic bytes, offset, and the "att.looks.*" id."""


def look_of(data: bytes) -> str:
    """The id ("att.looks.<id>") of what `data` looks like: 'png', 'zip', 'text', 'binary', 'empty', …"""
    if not data:
        return "empty"
    found = sniff(data)
    if found:
        return found.look
    for magic, offset, look in _OTHER_SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return look
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"RIFF":
        return "riff"
    from chat.attachments.textfiles import decode_text

    if decode_text(data) is not None:
        return "text"
    return "binary"


_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp", ".heic", ".heif", ".hif", ".avif"}


def expected_kind(name: str, declared_mime: str | None) -> Kind | None:
    """The kind the file's name (or, failing that, its declared MIME type) promises; None if it promises none."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".pdf":
        return "pdf"
    if suffix in _IMAGE_EXT:
        return "image"
    if suffix:
        return "text" if suffix in TEXT_LANGUAGES else None
    mime = (declared_mime or "").split(";")[0].strip().lower()
    if mime == "application/pdf":
        return "pdf"
    if mime.startswith("image/"):
        return "image"
    if mime.startswith("text/"):
        return "text"
    return None


TEXT_LANGUAGES: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "rst",
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".conf": "text",
    ".xml": "xml",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".svg": "xml",
    ".py": "python",
    ".pyi": "python",
    ".ipynb": "json",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "jsx",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".kt": "kotlin",
    ".scala": "scala",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".go": "go",
    ".rs": "rust",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".m": "objectivec",
    ".r": "r",
    ".jl": "julia",
    ".lua": "lua",
    ".pl": "perl",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".ps1": "powershell",
    ".bat": "bat",
    ".sql": "sql",
    ".tex": "latex",
    ".bib": "bibtex",
    ".srt": "srt",
    ".vtt": "text",
    ".env": "text",
    ".dockerfile": "dockerfile",
    ".mk": "makefile",
    ".diff": "diff",
    ".patch": "diff",
    ".proto": "protobuf",
    ".graphql": "graphql",
    ".vue": "vue",
    ".svelte": "svelte",
    ".dart": "dart",
    ".ex": "elixir",
    ".exs": "elixir",
    ".erl": "erlang",
    ".hs": "haskell",
    ".clj": "clojure",
}
"""File extensions read as text, with the language named on the fence."""
