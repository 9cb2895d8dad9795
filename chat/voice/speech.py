"""Text to speech through the official SDKs, in a voice that speaks the reply's language.

```python
lang = guess_language(reply_text, default=page_lang)           # the reply's language, not only the page's
provider = tts_provider(lang, config.keys_in_use(session_keys))  # Spanish -> Mistral; English -> Groq first
speech = speak(reply_text, lang=lang, provider=provider, key=key)
st.audio(speech.audio, format=speech.mime)                        # WAV from both providers
```

Groq's Orpheus speaks English only and takes 200 characters a request: longer text is split at sentence ends and
the WAV pieces joined into one file. Mistral's Voxtral TTS answers JSON with base64 audio; Charla asks both for
WAV so the pieces join the same way. Markdown, code and URLs are left out first (:func:`speakable`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from chat import errors
from chat.config import PROVIDERS, Provider
from chat.errors import MissingKeyError
from chat.voice import wav
from chat.voice.clients import as_secret, groq_client, mistral_client, vendor_errors
from chat.voice.errors import NothingToSpeak, NoVoice, SpeechTooLong
from chat.voice.limits import TTS, TTS_TIMEOUT
from chat.voice.text import speakable, split_text


@dataclass(frozen=True)
class Speech:
    """A reply read aloud: one WAV file."""

    audio: bytes
    mime: str
    provider: Provider
    model: str
    voice: str
    text: str
    """What was read (the reply after :func:`speakable`)."""
    pieces: int
    """Requests made."""


def _has(keys: Mapping[Provider, SecretStr | str | None], provider: Provider) -> bool:
    key = keys.get(provider)
    return key is not None and bool(key.get_secret_value() if isinstance(key, SecretStr) else key.strip())


def tts_provider(lang: str, keys: Mapping[Provider, SecretStr | str | None], *, chars: int = 0) -> Provider:
    """The provider that reads `lang` aloud with the keys at hand.

    English: Groq when it has a key and the text fits Groq's per-reply cap (`chars`, after :func:`speakable`),
    else Mistral. Other languages: Mistral, which has voices for them. NoVoice when no provider with a key has a
    voice for `lang`; MissingKeyError when neither provider has a key.
    """
    speaks = [p for p in PROVIDERS if lang in TTS[p].voices]
    if not speaks:
        raise NoVoice(lang, needs_mistral=False)
    usable = [p for p in speaks if _has(keys, p)]
    if not usable:
        if _has(keys, "groq") or _has(keys, "mistral"):
            raise NoVoice(lang, needs_mistral=True)
        raise MissingKeyError(speaks[0])
    fitting = [p for p in usable if chars <= TTS[p].max_chars]
    return (fitting or usable)[0]


def speak(
    text: str,
    *,
    lang: str,
    provider: Provider,
    key: SecretStr | str,
    timeout: float = TTS_TIMEOUT,
    before_send: Callable[[], object] | None = None,
) -> Speech:
    """`text` (a reply, Markdown) read aloud in `lang` by `provider`: one WAV.

    Raises NothingToSpeak, NoVoice (the provider has no voice for `lang`), SpeechTooLong (over the provider's
    per-reply cap) before sending; the vendor's ProviderError when a request fails. `before_send` runs once the
    text passed those checks, before the first request (the rate limit's count, which may refuse).
    """
    limits = TTS[provider]
    voice = limits.voices.get(lang)
    if voice is None:
        raise NoVoice(lang, needs_mistral=provider == "groq" and lang in TTS["mistral"].voices)
    words = speakable(text)
    if not words:
        raise NothingToSpeak()
    if len(words) > limits.max_chars:
        raise SpeechTooLong(len(words), limits.max_chars, provider)
    if before_send is not None:
        before_send()
    secret = as_secret(key)
    pieces = split_text(words, limits.chars_per_call)
    call = _groq if provider == "groq" else _mistral
    try:
        with vendor_errors(provider, limits.model):
            audio = [call(secret, piece, voice, timeout) for piece in pieces]
        joined = wav.join(audio)
    except ValueError:  # the provider answered something other than (base64) WAV
        raise errors.ProviderError(provider, status_code=200, model=limits.model) from None
    return Speech(joined, "audio/wav", provider, limits.model, voice, words, len(pieces))


def _groq(key: SecretStr, text: str, voice: str, timeout: float) -> bytes:
    response = groq_client(key, timeout).audio.speech.create(
        model=TTS["groq"].model, voice=voice, input=text, response_format="wav"
    )
    return response.read()


def _mistral(key: SecretStr, text: str, voice: str, timeout: float) -> bytes:
    response = mistral_client(key, timeout).audio.speech.complete(
        model=TTS["mistral"].model, voice_id=voice, input=text, response_format="wav"
    )
    return base64.b64decode(response.audio_data)
