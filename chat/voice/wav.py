"""PCM WAV with the standard library: read, measure loudness, cut into pieces, join pieces.

Streamlit's recorder always gives 16 kHz mono 16-bit PCM WAV. Python 3.11's `wave` reads PCM only (format 1);
float or WAVE_FORMAT_EXTENSIBLE files are not `Pcm` here, and callers fall back to mutagen for their length.
"""

from __future__ import annotations

import io
import math
import operator
import sys
import wave
from array import array
from dataclasses import dataclass, field

WINDOW_SECONDS = 0.02
"""Loudness is measured over 20 ms windows (a syllable spans several)."""
SILENCE_DBFS = -45.0
"""A recording whose loudest 20 ms window stays below this RMS level is silence: a quiet room through a laptop
microphone sits near -60 to -50 dBFS; speech at arm's length reaches -35 to -20 dBFS."""
CUT_SEARCH_SECONDS = 3.0
"""A long recording is cut at the quietest window within this many seconds before each piece's size limit."""
HEADER_BYTES = 44


@dataclass(frozen=True)
class Pcm:
    """Interleaved little-endian PCM samples and their format."""

    channels: int
    width: int
    """Bytes per sample: 1 (unsigned), 2, 3 or 4 (signed)."""
    rate: int
    frames: bytes = field(repr=False)

    @property
    def frame_size(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.channels * self.width

    @property
    def nframes(self) -> int:
        """Frames held."""
        return len(self.frames) // self.frame_size

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.nframes / self.rate

    def slice(self, start: int, end: int) -> Pcm:
        """Frames `start` to `end`."""
        size = self.frame_size
        return Pcm(self.channels, self.width, self.rate, self.frames[start * size : end * size])


def read(data: bytes) -> Pcm | None:
    """The PCM in a WAV file; None when it is not PCM WAV that `wave` reads.

    A WAV written while streaming may state a data size of 0 or 0xFFFFFFFF: the bytes that follow the `data`
    chunk header are taken as they are (whole frames only).
    """
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError, ValueError):
        return None
    if channels < 1 or rate < 1 or width not in (1, 2, 3, 4):
        return None
    if not frames:
        at = data.find(b"data", 12)
        frames = data[at + 8 :] if at >= 0 else b""
    whole = len(frames) - len(frames) % (channels * width)
    return Pcm(channels, width, rate, frames[:whole])


def write(pcm: Pcm) -> bytes:
    """A WAV file of `pcm`."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(pcm.channels)
        w.setsampwidth(pcm.width)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.frames)
    return out.getvalue()


def join(pieces: list[bytes]) -> bytes:
    """One WAV of `pieces` in order (they must share channels, width and rate); ValueError otherwise."""
    pcms = [read(p) for p in pieces]
    first = pcms[0] if pcms else None
    if first is None or any(
        p is None or (p.channels, p.width, p.rate) != (first.channels, first.width, first.rate) for p in pcms
    ):
        raise ValueError("the pieces are not PCM WAV of one format")
    if len(pieces) == 1:
        return pieces[0]
    return write(Pcm(first.channels, first.width, first.rate, b"".join(p.frames for p in pcms if p)))


def samples16(pcm: Pcm) -> array[int]:
    """All samples as signed 16-bit values (24/32-bit keep their top 16 bits, 8-bit is centred and scaled)."""
    raw = pcm.frames
    if pcm.width == 2:
        out = bytearray(raw)
    else:
        count = len(raw) // pcm.width
        out = bytearray(2 * count)
        if pcm.width == 1:  # unsigned 8-bit: flip the sign bit, use it as the high byte
            out[1::2] = raw.translate(bytes((b ^ 0x80) for b in range(256)))
        else:
            out[0::2] = raw[pcm.width - 2 :: pcm.width]
            out[1::2] = raw[pcm.width - 1 :: pcm.width]
    samples = array("h", out)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _window_len(pcm: Pcm) -> int:
    return max(1, round(pcm.rate * WINDOW_SECONDS)) * pcm.channels


def _rms(window: array[int]) -> float:
    n = len(window)
    mean = sum(window) / n
    power = sum(map(operator.mul, window, window)) / n - mean * mean
    return math.sqrt(max(power, 0.0))


def loudest_dbfs(pcm: Pcm, *, stop_above: float | None = None) -> float:
    """The RMS level of the loudest 20 ms window, in dBFS (-inf for no samples).

    `stop_above`: return as soon as a window is louder than this level (a recording with speech is known to be
    not silent after its first syllable).
    """
    samples = samples16(pcm)
    if not samples:
        return -math.inf
    if max(samples) - min(samples) < 2:  # flat: digital silence or a DC offset
        return -math.inf
    size = _window_len(pcm)
    limit = None if stop_above is None else 32768 * 10 ** (stop_above / 20)
    loudest = 0.0
    for start in range(0, len(samples), size):
        loudest = max(loudest, _rms(samples[start : start + size]))
        if limit is not None and loudest > limit:
            break
    return 20 * math.log10(loudest / 32768) if loudest > 0 else -math.inf


def is_silent(pcm: Pcm, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when no 20 ms window reaches `threshold_dbfs`."""
    return loudest_dbfs(pcm, stop_above=threshold_dbfs) < threshold_dbfs


def cut(pcm: Pcm, max_bytes: int) -> list[Pcm]:
    """Pieces of `pcm` whose WAV files are at most `max_bytes` each, cut at the quietest moment near each limit."""
    per_piece = (max_bytes - HEADER_BYTES) // pcm.frame_size
    if per_piece < pcm.rate:
        raise ValueError("pieces this small would be shorter than a second")
    pieces: list[Pcm] = []
    start = 0
    while pcm.nframes - start > per_piece:
        end = _quiet_point(pcm, start + per_piece // 2, start + per_piece)
        pieces.append(pcm.slice(start, end))
        start = end
    pieces.append(pcm.slice(start, pcm.nframes))
    return pieces


def _quiet_point(pcm: Pcm, earliest: int, limit: int) -> int:
    """The frame between `earliest` and `limit` (at most CUT_SEARCH_SECONDS before it) that starts the quietest
    window: a pause, so no word is cut in two."""
    window = max(1, round(pcm.rate * WINDOW_SECONDS))
    first = max(earliest, limit - round(pcm.rate * CUT_SEARCH_SECONDS))
    region = samples16(pcm.slice(first, limit))
    best, best_rms = limit, math.inf
    step = window * pcm.channels
    for offset in range(0, len(region) - step + 1, step):
        level = _rms(region[offset : offset + step])
        if level < best_rms:
            best, best_rms = first + offset // pcm.channels, level
    return best
