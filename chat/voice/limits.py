"""Models, voices and limits of each provider's speech APIs, each with where it comes from.

Sources (read 2026-12; see the voice research notes): Groq's "Speech to Text" page (Audio File Limitations),
Groq's Orpheus TTS page, Groq's rate-limits page, and Mistral's audio pages (models, voices, migrate from
Voxtral 2). Where a provider does not publish a limit, or the published page could not be read, the value here is
a conservative choice and its docstring says so. Change them here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat.config import Provider


@dataclass(frozen=True)
class SttLimits:
    """What one provider's transcription endpoint takes in one request."""

    model: str
    max_bytes: int
    """The most bytes of audio sent in one request; a longer WAV is cut into pieces below it."""
    formats: frozenset[str]
    """Format names (see :mod:`chat.voice.audio`) the endpoint transcribes."""


@dataclass(frozen=True)
class TtsLimits:
    """What one provider's speech endpoint takes."""

    model: str
    voices: dict[str, str]
    """Language (ISO 639-1) -> the voice Charla uses for it."""
    chars_per_call: int
    """The most characters sent in one request; longer text is split at sentence ends and the WAVs joined."""
    max_chars: int
    """The most characters of one reply Charla reads aloud through this provider (it refuses beyond)."""


ALL_FORMATS = frozenset({"wav", "mp3", "mp4", "m4a", "ogg", "webm", "flac"})

GROQ_STT = SttLimits(
    model="whisper-large-v3-turbo",
    max_bytes=25_000_000,
    formats=ALL_FORMATS,
)
"""Groq Whisper. "Max file size 25 MB (free tier), 100 MB (dev tier)"; files: flac, mp3, mp4, mpeg, mpga, m4a, ogg,
wav, webm. The free tier's 25 MB is applied to every key (Charla cannot tell the tier), counted in decimal
megabytes, the smaller reading of "MB". Each request is billed at least 10 s of audio."""

MISTRAL_STT = SttLimits(
    model="voxtral-mini-transcribe-3-0",
    max_bytes=25_000_000,
    formats=ALL_FORMATS,
)
"""Mistral Voxtral Mini Transcribe 3 (pinned; `voxtral-mini-transcribe-latest` is its alias). Mistral's pages
render the accepted formats and the size limit dynamically and they could not be read: the formats are the ones
third-party apps send it successfully, and the size cap is Groq's 25 MB (the strictest published). Unconfirmed
both; Mistral's general file-upload limit is 512 MB and its context (65,536 tokens) holds well over 30 minutes."""

STT: dict[Provider, SttLimits] = {"groq": GROQ_STT, "mistral": MISTRAL_STT}

MAX_SECONDS = 15 * 60
"""Charla's own cap on one message's recording, whichever the provider: a host's shared key has a free-tier
budget of 7,200 audio seconds per hour on Groq (ASH), and one message should not spend an eighth of it. A
16 kHz mono WAV of this length is 28.8 MB, so Groq gets it in two pieces."""

MIN_SECONDS = 0.1
"""Shorter than a syllable: refused as empty (Groq's own minimum is 0.01 s)."""

NO_SPEECH_PROB = 0.6
"""A Whisper segment whose `no_speech_prob` is above this is silence or noise, not speech (Whisper's own
`no_speech_threshold`); Groq's docs: a value near 1 means silence. Such segments are dropped from the text."""

GROQ_TTS = TtsLimits(
    model="canopylabs/orpheus-v1-english",
    voices={"en": "troy"},
    chars_per_call=200,
    max_chars=1_200,
)
"""Groq Orpheus: English only, `input` at most 200 characters, WAV only. Free-tier rate limits are 10 requests
and 1,200 tokens a minute: `max_chars` keeps one reply to 6 requests and (if a token is a character, which Groq
does not say) within the minute's tokens. The model needs its terms accepted once by the org admin in Groq's
console; until then Groq answers 400 `model_terms_required`."""

MISTRAL_TTS = TtsLimits(
    model="voxtral-mini-tts-3-0",
    voices={
        "en": "voice_478",  # Sarah
        "es": "voice_483",  # Esmeralda
        "it": "voice_482",  # Andrea
        "de": "voice_481",  # Fiona
        "pt": "voice_480",  # Marina
        "ar": "voice_479",  # Linda
    },
    chars_per_call=1_000,
    max_chars=5_000,
)
"""Mistral Voxtral TTS 3 (pinned: `voxtral-mini-tts-latest` still pointed at the previous model when read) and
its preset voices per language from Mistral's voices page. There is no language parameter: the voice and the text
carry it. Mistral publishes no input limit that could be read: 1,000 characters per request is a conservative
guess, and 5,000 per reply keeps one "Read aloud" to five requests."""

TTS: dict[Provider, TtsLimits] = {"groq": GROQ_TTS, "mistral": MISTRAL_TTS}

STT_TIMEOUT = 120.0
"""Seconds a transcription may take to answer: the reply comes only when the whole file is transcribed."""
TTS_TIMEOUT = 60.0
"""Seconds one speech request may take."""
