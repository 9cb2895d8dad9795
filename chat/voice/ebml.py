"""The length of a WebM/Matroska file from its `Segment/Info/Duration` element (mutagen does not read Matroska).

Only the first few kilobytes are walked: EBML header, then Segment, then Info (Duration is a float counted in
`TimecodeScale` nanoseconds, 1 ms by default). A browser's MediaRecorder writes the Segment with an unknown size
and no Duration, so its recordings give None.
"""

from __future__ import annotations

import struct

SEGMENT = 0x18538067
INFO = 0x1549A966
CLUSTER = 0x1F43B675
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
SCAN_BYTES = 64 * 1024


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """A variable-length integer at `at`: (value, its length), or None past the end or when malformed.

    IDs keep their length marker bit; sizes drop it (and all ones means "unknown size", returned as -1).
    """
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (-1 if value == (1 << (7 * length)) - 1 else value), length


def _elements(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(id, payload start, payload end) of the elements between `start` and `end`, stopping at a Cluster."""
    found = []
    at = start
    while at < end:
        ident = _vint(data, at, keep_marker=True)
        size = ident and _vint(data, at + ident[1], keep_marker=False)
        if not ident or not size:
            break
        payload = at + ident[1] + size[1]
        stop = end if size[0] < 0 else min(end, payload + size[0])
        found.append((ident[0], payload, stop))
        if ident[0] == CLUSTER:
            break
        at = stop
    return found


def duration(data: bytes) -> float | None:
    """Seconds, or None when the file does not state its length."""
    head = data[:SCAN_BYTES]
    for ident, start, end in _elements(head, 0, len(head)):
        if ident != SEGMENT:
            continue
        for child, c_start, c_end in _elements(head, start, end):
            if child == INFO:
                return _info_duration(head[c_start:c_end])
    return None


def _info_duration(info: bytes) -> float | None:
    scale, length = 1_000_000, None
    for ident, start, end in _elements(info, 0, len(info)):
        value = info[start:end]
        if ident == TIMECODE_SCALE and value:
            scale = int.from_bytes(value, "big")
        elif ident == DURATION and len(value) in (4, 8):
            length = struct.unpack(">f" if len(value) == 4 else ">d", value)[0]
    if length is None or length <= 0:
        return None
    return float(length) * scale / 1e9
