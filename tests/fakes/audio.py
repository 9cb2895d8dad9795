"""Fake speech endpoints of Groq and Mistral: transcription (multipart) and text to speech, in each vendor's shape.

Served by :class:`tests.fakes.FakeUpstream` through one hook in its `_dispatch`. Shapes follow the voice research
(Groq's and Mistral's API references, the SDKs' request and response models):

- Groq `POST /openai/v1/audio/transcriptions`: multipart `model`, `file` (its extension decides the format:
  anything else is a 400 `unsupported_audio_format`), `language`, `response_format` (json | verbose_json | text),
  `timestamp_granularities[]`; over 25 MB is a 413. verbose_json has `task, language` (a name, "English"),
  `duration, text, segments[{…, no_speech_prob}]` and `x_groq`.
- Groq `POST /openai/v1/audio/speech`: JSON `model, voice, input, response_format`; `input` over 200 characters
  is a 400 (message wording is a guess); the answer is `audio/wav` bytes.
- Mistral `POST /v1/audio/transcriptions`: multipart `model, file, language, stream, diarize, …`; the answer is
  `{model, text, language, segments, usage{prompt_audio_seconds, …}}`.
- Mistral `POST /v1/audio/speech`: JSON `model, input, voice_id, response_format, stream`; the answer is
  `{"audio_data": <base64>}` (always WAV here, whatever the format asked).

Deterministic: a WAV is "heard" as `Heard N.N seconds of audio.` (another format: `Heard some audio.`); a WAV whose
peak stays under -40 dBFS is silence: Groq answers Whisper's typical invented " Thank you." in a segment with
no_speech_prob 0.97, Mistral an empty text. Scripts (`script(fake, AudioScript(...))`, one per audio request)
override the text or answer an error with the vendor's body and headers. Everything received is kept:
`received(fake)` lists :class:`AudioRequest` (fields, file name, type and bytes, or the JSON body).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import math
import threading
import time
import wave
import weakref
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import wire
from tests.fakes.wire import GROQ, MISTRAL

TRANSCRIPTION_PATHS = {"/openai/v1/audio/transcriptions": GROQ, "/v1/audio/transcriptions": MISTRAL}
SPEECH_PATHS = {"/openai/v1/audio/speech": GROQ, "/v1/audio/speech": MISTRAL}
PATHS = {**TRANSCRIPTION_PATHS, **SPEECH_PATHS}

GROQ_STT_MODELS = {"whisper-large-v3", "whisper-large-v3-turbo"}
GROQ_EXTENSIONS = {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm"}
GROQ_MAX_BYTES = 25_000_000
GROQ_TTS_MODELS = {"canopylabs/orpheus-v1-english", "canopylabs/orpheus-arabic-saudi"}
GROQ_TTS_VOICES = {"autumn", "diana", "hannah", "austin", "daniel", "troy", "fahad", "sultan", "lulwa", "noura"}
GROQ_TTS_MAX_CHARS = 200
TTS_RATE = 24_000
TTS_SECONDS_PER_CHAR = 0.01
SILENT_PEAK = 328  # -40 dBFS of 16-bit
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German"}


@dataclass
class AudioScript:
    """One scripted answer to an audio request: a transcript's `text` / `language` / `no_speech_prob`, or an error
    `status` (with `retry_after` on a 429, and Groq's error `code` on a 400, e.g. "model_terms_required")."""

    text: str | None = None
    language: str | None = None
    no_speech_prob: float | None = None
    status: int = 200
    retry_after: int | None = None
    code: str | None = None


@dataclass
class AudioRequest:
    """One request to a speech endpoint, as received."""

    vendor: str
    kind: str
    """"transcription" or "speech"."""
    path: str
    headers: dict[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    """Multipart form fields (each name's values in order), or the JSON body's values as strings."""
    file_name: str | None = None
    file_type: str | None = None
    file_bytes: bytes = b""
    body: Any = None
    """The JSON body of a speech request."""

    def value(self, name: str) -> str | None:
        """The first value of form field `name`."""
        values = self.fields.get(name)
        return values[0] if values else None


class _State:
    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.requests: list[AudioRequest] = []
        self.scripts: deque[AudioScript] = deque()


_states: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _state(fake: Any) -> _State:
    """This fake's audio records and scripts (forgotten when the fake is reset)."""
    with _lock:
        state = _states.get(fake)
        if state is None or state.generation != fake._generation:
            state = _states[fake] = _State(fake._generation)
        return state


def script(fake: Any, *steps: AudioScript) -> None:
    """Queue answers; each audio request consumes the next one."""
    _state(fake).scripts.extend(steps)


def received(fake: Any, kind: str | None = None, vendor: str | None = None) -> list[AudioRequest]:
    """Audio requests received since the last reset, optionally of one kind ("transcription", "speech") or vendor."""
    return [
        r
        for r in list(_state(fake).requests)
        if (kind is None or r.kind == kind) and (vendor is None or r.vendor == vendor)
    ]


# --- the hook -----------------------------------------------------------------------------------------------------


def serve(handler: Any, raw: bytes, path: str) -> None:
    """Answer one request to a speech endpoint (called by FakeUpstream's `_dispatch`)."""
    from tests.fakes.upstream import Recorded, _authorized

    vendor = PATHS[path]
    headers = {k.lower(): v for k, v in handler.headers.items()}
    rec = _parse(vendor, path, headers, raw)
    state = _state(handler.fake)
    state.requests.append(rec)
    summary: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in rec.fields.items()}
    if rec.file_name is not None:
        summary["file"] = {"name": rec.file_name, "type": rec.file_type, "size": len(rec.file_bytes)}
    _, count = handler.fake._record(Recorded(vendor, handler.command, path, headers, summary, time.monotonic()))
    model = rec.value("model") or ""
    if not _authorized(headers.get("authorization", "")):
        _json(handler, 401, wire.error_body(vendor, 401, model, 0), wire.ratelimit_headers(vendor, count, False))
        return
    step = state.scripts.popleft() if state.scripts else AudioScript()
    status, body = _refusal(rec, step)
    limits = wire.ratelimit_headers(vendor, count, exhausted=status == 429)
    if status == 429:
        limits["retry-after"] = str(step.retry_after if step.retry_after is not None else 7)
    if status == 413 and vendor == MISTRAL:  # undocumented: a proxy's page is the likely shape
        _send(handler, 413, b"<html><body><h1>413 Request Entity Too Large</h1></body></html>", "text/html", limits)
    elif status != 200:
        _json(handler, status, body, limits)
    elif rec.kind == "speech":
        _speech(handler, rec, limits)
    else:
        _transcription(handler, rec, step, limits)


def _parse(vendor: str, path: str, headers: dict[str, str], raw: bytes) -> AudioRequest:
    kind = "speech" if path in SPEECH_PATHS else "transcription"
    rec = AudioRequest(vendor, kind, path, headers)
    ctype = headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if part.get_filename() is not None:
                rec.file_name, rec.file_type, rec.file_bytes = part.get_filename(), part.get_content_type(), data
            elif isinstance(name, str):
                rec.fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
    elif raw:
        try:
            rec.body = json.loads(raw)
        except ValueError:
            rec.body = None
        if isinstance(rec.body, dict):
            rec.fields = {k: [v if isinstance(v, str) else json.dumps(v)] for k, v in rec.body.items()}
    return rec


def _refusal(rec: AudioRequest, step: AudioScript) -> tuple[int, Any]:
    """The scripted error, else what the real endpoint refuses; (200, None) when it is accepted."""
    model = rec.value("model") or ""
    if step.status != 200:
        return step.status, _error_body(rec.vendor, step.status, model, step)
    if rec.kind == "speech":
        return _speech_refusal(rec, model)
    if rec.file_name is None:
        return 400, _error_body(rec.vendor, 400, model, AudioScript(code="missing_file"), "file is required")
    if rec.vendor == GROQ:
        ext = rec.file_name.rpartition(".")[2].lower() if "." in rec.file_name else ""
        if ext not in GROQ_EXTENSIONS:
            return 400, _error_body(
                GROQ,
                400,
                model,
                AudioScript(code="unsupported_audio_format"),
                "file must be one of the following types: [flac mp3 mp4 mpeg mpga m4a ogg opus wav webm]",
            )
        if len(rec.file_bytes) > GROQ_MAX_BYTES:
            return 413, _error_body(GROQ, 413, model, AudioScript())
        if model not in GROQ_STT_MODELS:
            return 404, wire.error_body(GROQ, 404, model, 0)
    elif not model.startswith("voxtral"):
        return 400, _error_body(MISTRAL, 400, model, AudioScript(code="invalid_model"), f"Invalid model: {model}")
    return 200, None


def _speech_refusal(rec: AudioRequest, model: str) -> tuple[int, Any]:
    text = rec.value("input") or ""
    if rec.vendor == GROQ:
        if model not in GROQ_TTS_MODELS:
            return 404, wire.error_body(GROQ, 404, model, 0)
        if rec.value("voice") not in GROQ_TTS_VOICES:
            return 400, _error_body(GROQ, 400, model, AudioScript(code="invalid_voice"), "voice is not valid")
        if len(text) > GROQ_TTS_MAX_CHARS:
            return 400, _error_body(
                GROQ, 400, model, AudioScript(), f"input must be at most {GROQ_TTS_MAX_CHARS} characters"
            )
    elif not text or not rec.value("voice_id"):
        return 422, {
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "input" if not text else "voice_id"],
                    "msg": "Field required",
                    "input": None,
                }
            ]
        }
    return 200, None


def _error_body(vendor: str, status: int, model: str, step: AudioScript, message: str | None = None) -> Any:
    """Each vendor's error body for a speech endpoint (Groq's ASH wording of a 429 is a guess)."""
    if vendor == GROQ:
        if status == 400:
            text = message or (
                f"The model {model} requires terms acceptance. Please have the org admin accept the "
                f"terms at https://console.groq.com/playground?model={model}"
                if step.code == "model_terms_required"
                else "Invalid request."
            )
            return wire._groq_error(text, "invalid_request_error", step.code)
        if status == 413:
            return wire._groq_error("Request Entity Too Large", "invalid_request_error", "request_too_large")
        if status == 429:
            return wire._groq_error(
                f"Rate limit reached for model `{model}` in organization `org_fake` service tier `on_demand` on "
                f"audio seconds per hour (ASH): Limit 7200, Used 7195, Requested 10. Please try again in "
                f"{step.retry_after or 7}s.",
                "audio_seconds",
                "rate_limit_exceeded",
            )
        return wire.error_body(GROQ, status, model, step.retry_after or 7)
    if status == 400:
        return {
            **wire._mistral_error(message or "Invalid request", step.code or "invalid_request_error", "1500"),
            "raw_status_code": 400,
        }
    if status == 429:
        return {**wire._mistral_error("Rate limit exceeded", "rate_limited", "1300"), "raw_status_code": 429}
    return wire.error_body(MISTRAL, status, model, 0)


# --- answers ------------------------------------------------------------------------------------------------------


def _heard(rec: AudioRequest) -> tuple[float | None, bool]:
    """(seconds, silent) of the uploaded file when it is a PCM WAV; (None, False) otherwise."""
    try:
        with wave.open(io.BytesIO(rec.file_bytes)) as w:
            seconds = w.getnframes() / w.getframerate()
            frames, width = w.readframes(w.getnframes()), w.getsampwidth()
    except (wave.Error, EOFError):
        return None, False
    samples = array("h", frames[: len(frames) // 2 * 2]) if width == 2 else array("h")
    return seconds, width == 2 and max((abs(s) for s in samples), default=0) < SILENT_PEAK


def _transcription(handler: Any, rec: AudioRequest, step: AudioScript, limits: dict[str, str]) -> None:
    seconds, silent = _heard(rec)
    language = step.language or rec.value("language") or "en"
    if step.text is not None:
        text, no_speech = step.text, step.no_speech_prob if step.no_speech_prob is not None else 0.01
    elif silent:
        text, no_speech = ("" if rec.vendor == MISTRAL else " Thank you."), 0.97
    else:
        text = f"Heard {seconds:.1f} seconds of audio." if seconds is not None else "Heard some audio."
        no_speech = 0.01
    length = seconds if seconds is not None else 1.0
    if rec.vendor == MISTRAL:
        _json(handler, 200, _mistral_transcript(rec, text, language, length), limits)
    elif rec.value("response_format") == "text":
        _send(handler, 200, text.encode(), "text/plain; charset=utf-8", limits)
    else:
        _json(handler, 200, _groq_transcript(rec, text, language, length, no_speech), limits)


def _mistral_transcript(rec: AudioRequest, text: str, language: str, length: float) -> dict[str, Any]:
    usage = {"prompt_audio_seconds": math.ceil(length), "prompt_tokens": 4, "completion_tokens": 8, "total_tokens": 12}
    return {"model": rec.value("model"), "text": text, "language": language, "segments": [], "usage": usage}


def _groq_transcript(rec: AudioRequest, text: str, language: str, length: float, no_speech: float) -> dict[str, Any]:
    x_groq = {"id": wire.new_ids(GROQ)["request_id"]}
    if rec.value("response_format") != "verbose_json":
        return {"text": text, "x_groq": x_groq}
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": round(length, 2),
        "text": text,
        "tokens": [50365],
        "temperature": 0.0,
        "avg_logprob": -0.28,
        "compression_ratio": 0.9,
        "no_speech_prob": no_speech,
    }
    return {
        "task": "transcribe",
        "language": LANGUAGE_NAMES.get(language, language),
        "duration": length,
        "text": text,
        "segments": [segment] if text else [],
        "x_groq": x_groq,
    }


def tone_wav(seconds: float, rate: int = TTS_RATE, hz: float = 220.0) -> bytes:
    """A mono 16-bit WAV tone (the fake's "speech")."""
    count = max(1, round(seconds * rate))
    samples = array("h", (round(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(count)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def _speech(handler: Any, rec: AudioRequest, limits: dict[str, str]) -> None:
    audio = tone_wav(len(rec.value("input") or "") * TTS_SECONDS_PER_CHAR)
    if rec.vendor == GROQ:
        _send(handler, 200, audio, "audio/wav", limits)
    else:
        _json(handler, 200, {"audio_data": base64.b64encode(audio).decode()}, limits)


def _json(handler: Any, status: int, body: Any, headers: dict[str, str]) -> None:
    _send(handler, status, json.dumps(body).encode(), "application/json", headers)


def _send(handler: Any, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("content-type", content_type)
    handler.send_header("content-length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
