"""Speech to text through the official SDKs: Groq Whisper when Groq has a key, else Mistral Voxtral.

```python
provider = stt_provider(config.keys_in_use(session_keys))    # "groq", else "mistral", else MissingKeyError
ready = prepare(audio_bytes, provider=provider)               # refusals before anything is sent or counted
transcript = transcribe(ready, provider=provider, key=key, language="es")
```

Everything that can be refused is refused before a byte leaves: empty, unsupported, silent (PCM WAV), too long
for Charla, too large for the provider (a PCM WAV is cut into pieces that fit instead, at pauses). After the
call, a transcript with no speech in it is refused too (AudioSilent naming the provider), so an empty message is
never sent. SDK and transport failures become the vendors' Charla errors through their `translate()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from chat.config import PROVIDERS, Provider
from chat.errors import MissingKeyError
from chat.voice import wav
from chat.voice.audio import WAV, AudioInfo, Format, inspect
from chat.voice.clients import as_secret, groq_client, mistral_client, vendor_errors
from chat.voice.errors import AudioSilent, AudioTooLarge, AudioTooLong
from chat.voice.limits import MAX_SECONDS, NO_SPEECH_PROB, STT, STT_TIMEOUT

_LANGUAGE_CODES = {
    "english": "en",
    "spanish": "es",
    "castilian": "es",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "catalan": "ca",
    "dutch": "nl",
    "arabic": "ar",
    "chinese": "zh",
    "japanese": "ja",
}
"""Whisper's language names (Groq's verbose_json says "English", Mistral says "en")."""


@dataclass(frozen=True)
class Transcript:
    """What the provider heard."""

    text: str
    language: str | None
    """ISO 639-1 code: the one asked for, else the one the provider detected (None if it said none)."""
    duration: float | None
    """Seconds of audio (measured here, else as the provider reported it)."""
    provider: Provider
    model: str
    no_speech: bool = False
    """The provider heard no speech (then `text` is ""); only returned with `allow_silence=True`."""
    pieces: int = 1
    """Requests made: a long WAV is sent in several pieces (each one counts against the provider's limits)."""


@dataclass(frozen=True)
class Prepared:
    """Audio checked for one provider: the pieces to upload, each (file name, bytes, MIME type)."""

    data: bytes = field(repr=False)
    info: AudioInfo = field(repr=False)
    provider: Provider
    uploads: tuple[tuple[str, bytes, str], ...] = field(repr=False)
    silent: bool = False
    """Charla found only silence (PCM WAV): nothing will be sent."""


def stt_provider(keys: Mapping[Provider, SecretStr | str | None]) -> Provider:
    """Groq when it has a key (Whisper turbo: fast and cheap), else Mistral; MissingKeyError when neither has."""
    for provider in PROVIDERS:
        key = keys.get(provider)
        if key is not None and (key.get_secret_value() if isinstance(key, SecretStr) else key.strip()):
            return provider
    raise MissingKeyError("groq")


def prepare(
    audio: bytes, *, provider: Provider, max_seconds: float = MAX_SECONDS, refuse_silence: bool = True
) -> Prepared:
    """Check `audio` for `provider` without sending it; raise an AudioRefused that says why it cannot go.

    With `refuse_silence=False` a silent PCM WAV is returned with `silent=True` and no uploads instead.
    """
    info = inspect(audio)
    limits = STT[provider]
    if info.duration is not None and info.duration > max_seconds:
        raise AudioTooLong(info.duration, max_seconds)
    if info.pcm is not None and wav.is_silent(info.pcm):
        if refuse_silence:
            raise AudioSilent()
        return Prepared(audio, info, provider, (), silent=True)
    if info.size <= limits.max_bytes:
        return Prepared(audio, info, provider, (_upload(audio, info.format),))
    if info.pcm is None:
        raise AudioTooLarge(info.size, limits.max_bytes, provider)
    pieces = wav.cut(info.pcm, limits.max_bytes)
    return Prepared(audio, info, provider, tuple(_upload(wav.write(p), WAV) for p in pieces))


def _upload(data: bytes, fmt: Format) -> tuple[str, bytes, str]:
    # Groq decides the format from the file name's extension, so it always matches the bytes.
    return f"recording.{fmt.ext}", data, fmt.mime


def transcribe(
    audio: bytes | Prepared,
    *,
    provider: Provider,
    key: SecretStr | str,
    language: str | None = None,
    max_seconds: float = MAX_SECONDS,
    allow_silence: bool = False,
    timeout: float = STT_TIMEOUT,
) -> Transcript:
    """The text spoken in `audio` (raw bytes, or `prepare()`'s result for this provider).

    `language` is the page's language ("en", "es") or None to let the provider detect it. Raises an AudioRefused
    before sending; AudioSilent when Charla or the provider found no speech (with `allow_silence`, a Transcript
    with `no_speech=True` and empty text instead); the vendor's ProviderError (AuthError, RequestTooLarge,
    UpstreamRateLimited …) when the call fails.
    """
    ready = audio
    if not isinstance(ready, Prepared) or ready.provider != provider:
        data = ready.data if isinstance(ready, Prepared) else ready
        ready = prepare(data, provider=provider, max_seconds=max_seconds, refuse_silence=not allow_silence)
    secret = as_secret(key)
    texts: list[str] = []
    detected: str | None = None
    reported = 0.0
    for upload in ready.uploads:  # after the first piece, the language it was heard in is kept for the rest
        hint = language or (detected if detected and len(detected) == 2 else None)
        text, lang, seconds = _call(provider, secret, upload, hint, timeout)
        texts.append(text)
        detected = detected or lang
        reported += seconds or 0.0
    text = " ".join(t for t in texts if t)
    if not text and not allow_silence:
        raise AudioSilent(provider)
    duration = ready.info.duration if ready.info.duration is not None else (reported or None)
    model = STT[provider].model
    return Transcript(text, language or detected, duration, provider, model, not text, len(ready.uploads))


def _call(
    provider: Provider, key: SecretStr, upload: tuple[str, bytes, str], language: str | None, timeout: float
) -> tuple[str, str | None, float | None]:
    """(text, ISO language, seconds) for one upload."""
    call = _groq if provider == "groq" else _mistral
    with vendor_errors(provider, STT[provider].model):
        return call(key, upload, language, timeout)


def _groq(
    key: SecretStr, upload: tuple[str, bytes, str], language: str | None, timeout: float
) -> tuple[str, str | None, float | None]:
    params: dict[str, Any] = {"language": language} if language else {}
    result = groq_client(key, timeout).audio.transcriptions.create(
        model=STT["groq"].model, file=upload, response_format="verbose_json", **params
    )
    if isinstance(result, str):  # the SDK hands back text when the body is not JSON
        return result.strip(), None, None
    extra = result.model_extra or {}
    return _spoken(result.text, extra.get("segments")), iso_language(extra.get("language")), _seconds(extra)


def _spoken(text: str, segments: Any) -> str:
    """The text without the segments Whisper judged not speech (on silence it invents "Thank you." and the like)."""
    if not isinstance(segments, list) or not segments:
        return text.strip()
    kept = [s for s in segments if isinstance(s, dict) and float(s.get("no_speech_prob") or 0.0) <= NO_SPEECH_PROB]
    if len(kept) == len(segments):
        return text.strip()
    return " ".join(str(s.get("text", "")).strip() for s in kept).strip()


def _seconds(extra: Mapping[str, Any]) -> float | None:
    value = extra.get("duration")
    return float(value) if isinstance(value, int | float) else None


def _mistral(
    key: SecretStr, upload: tuple[str, bytes, str], language: str | None, timeout: float
) -> tuple[str, str | None, float | None]:
    name, data, mime = upload
    params: dict[str, Any] = {"language": language} if language else {}
    result = mistral_client(key, timeout).audio.transcriptions.complete(
        model=STT["mistral"].model, file={"file_name": name, "content": data, "content_type": mime}, **params
    )
    seconds = result.usage.prompt_audio_seconds if result.usage is not None else None
    return result.text.strip(), iso_language(result.language), float(seconds) if seconds else None


def iso_language(value: Any) -> str | None:
    """'en' for 'en', 'EN', 'English' or 'english'; None for nothing; an unknown name lower-cased."""
    if not isinstance(value, str) or not value.strip():
        return None
    name: str = value.strip().lower()
    return name if len(name) == 2 else _LANGUAGE_CODES.get(name, name)
