"""What an audio file is, from its bytes (never its name or declared type), and how long it lasts.

Formats are the intersection of what Groq's Whisper takes (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm) and
what Charla can recognise: WAV (RIFF/WAVE), MP3 (ID3 tag or MPEG audio frame), MP4/M4A (ISO `ftyp`, image
brands excluded), Ogg with Opus or Vorbis inside, WebM/Matroska (EBML; sent as .webm) and FLAC.

Length: PCM WAV through the standard library's `wave`; every other format through `mutagen` (a pure-Python,
typed, long-maintained tag and stream-info reader, no native code, no ffmpeg), which reads the length from the
stream headers without decoding. mutagen does not read Matroska, so a WebM's length comes from its `Info/Duration`
element (:mod:`chat.voice.ebml`); a browser's MediaRecorder writes none, and such a file's length is unknown here
(only the size cap applies before sending).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import mutagen

from chat.attachments.detect import look_of
from chat.voice import ebml, wav
from chat.voice.errors import AudioEmpty, AudioUnsupported
from chat.voice.limits import MIN_SECONDS


@dataclass(frozen=True)
class Format:
    """An audio format Charla sends: `name` for limits, `ext` for the upload's file name (Groq reads it)."""

    name: str
    label: str
    ext: str
    mime: str


WAV = Format("wav", "WAV", "wav", "audio/wav")
MP3 = Format("mp3", "MP3", "mp3", "audio/mpeg")
M4A = Format("m4a", "M4A", "m4a", "audio/mp4")
MP4 = Format("mp4", "MP4", "mp4", "audio/mp4")
OGG = Format("ogg", "OGG", "ogg", "audio/ogg")
WEBM = Format("webm", "WebM", "webm", "audio/webm")
FLAC = Format("flac", "FLAC", "flac", "audio/flac")

_IMAGE_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
    b"crx ",
}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


@dataclass(frozen=True)
class AudioInfo:
    """One audio file as Charla sees it before sending."""

    format: Format
    size: int
    duration: float | None
    """Seconds; None when the file does not say (a MediaRecorder WebM)."""
    pcm: wav.Pcm | None = field(default=None, repr=False)
    """The samples, for PCM WAV only (silence check, cutting)."""


def sniff(data: bytes) -> Format | None:
    """The audio format `data` starts with, or None."""
    head = data[:64]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG if _ogg_codec(data) in ("opus", "vorbis") else None
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return None
        return M4A if brand in _M4A_BRANDS else MP4
    if head[:3] == b"ID3" or _mpeg_audio_frame(head):
        return MP3
    return None


def _ogg_codec(data: bytes) -> str | None:
    """'opus' or 'vorbis' when the Ogg stream's first packet says so; None for any other codec."""
    if len(data) < 28:
        return None
    start = 27 + data[26]  # page header, then the segment table
    packet = data[start : start + 8]
    if packet.startswith(b"OpusHead"):
        return "opus"
    if packet.startswith(b"\x01vorbis"):
        return "vorbis"
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (sync, a real layer, a usable bitrate and rate): MP3 without an ID3 tag.

    AAC in ADTS has the same sync but layer 0, and is not MP3.
    """
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def duration_of(data: bytes, fmt: Format) -> float | None:
    """Seconds of audio in `data` (read from the headers, nothing decoded); None when the file does not say."""
    if fmt is WEBM:
        return ebml.duration(data)
    try:
        found = mutagen.File(io.BytesIO(data))
    except (mutagen.MutagenError, ValueError, EOFError, IndexError):
        return None
    length = getattr(getattr(found, "info", None), "length", None)
    return float(length) if isinstance(length, int | float) and length > 0 else None


def inspect(data: bytes) -> AudioInfo:
    """Format, size and length of `data`; AudioEmpty or AudioUnsupported when it cannot be sent."""
    if not data:
        raise AudioEmpty()
    fmt = sniff(data)
    if fmt is None:
        raise AudioUnsupported(look_of(data))
    pcm = wav.read(data) if fmt is WAV else None
    duration = pcm.duration if pcm is not None else duration_of(data, fmt)
    if duration is not None and duration < MIN_SECONDS:
        raise AudioEmpty()
    return AudioInfo(fmt, len(data), duration, pcm)
