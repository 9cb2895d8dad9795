"""The voice layer's own refusals, in Charla's one error tree, with their sentences in English and Spanish.

```
ChatError
 ├─ ConfigError
 │   └─ NoVoice                   no provider with a key reads this language aloud
 └─ RequestError
     ├─ AttachmentError
     │   └─ AudioRefused          audio Charla will not send (the API answers 400, path ["messages"])
     │       ├─ AudioEmpty        no bytes, or shorter than a syllable
     │       ├─ AudioSilent       silence: found here before sending, or the provider heard no speech
     │       ├─ AudioUnsupported  not a format the providers transcribe
     │       ├─ AudioTooLarge     bigger than the provider takes per file, and it cannot be cut
     │       └─ AudioTooLong      longer than Charla transcribes per message
     └─ SpeechRefused             a reply Charla will not read aloud
         ├─ NothingToSpeak        only code, links or markup
         └─ SpeechTooLong         more characters than the provider reads per reply
```

Upstream failures (401, 413, 429 …) are not here: the vendors' `translate()` functions in :mod:`chat.providers`
map them to the existing :class:`chat.errors.ProviderError` classes. Parameters are numbers, names and ids only;
:meth:`VoiceError.message` turns them into words for the language asked (sizes in MB, durations, language names).
"""

from __future__ import annotations

from typing import Any

from chat.attachments.words import looks
from chat.errors import AttachmentError, ConfigError, RequestError, provider_label
from chat.text import Lang, has_sentence, number, t


def duration_words(seconds: float, lang: Lang = "en") -> str:
    """'2 min 5 s', '40 s' or '1.5 s' ('1,5 s' in Spanish; the units are the same)."""
    if seconds < 10:
        return f"{number(round(seconds, 1), lang)} s"
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def megabytes(size: int, lang: Lang = "en") -> str:
    """'25 MB' or '25.3 MB' in decimal megabytes, as the providers state their limits ('25,3 MB' in Spanish)."""
    return f"{number(round(size / 1_000_000, 1), lang)} MB"


def language_name(code: str, lang: Lang = "en") -> str:
    """'Spanish' / 'español' for 'es'; an unknown code is shown as it is."""
    return t(f"voice.lang.{code}", lang) if has_sentence(f"voice.lang.{code}") else code


def _word(name: str, value: Any, lang: Lang) -> Any:
    if name in ("size", "limit_bytes") and isinstance(value, int):
        return megabytes(value, lang)
    if name in ("duration", "limit_seconds") and isinstance(value, int | float):
        return duration_words(float(value), lang)
    if name == "looks" and isinstance(value, str):
        return looks(value, lang)
    if name == "language" and isinstance(value, str):
        return language_name(value, lang)
    if name == "provider" and isinstance(value, str):
        return provider_label(value)
    return value


_RENAMED = {"limit_bytes": "limit", "limit_seconds": "limit"}


class VoiceError:
    """Mixin: render the error's parameters as words of the language asked for."""

    key: str
    params: dict[str, Any]

    def message(self, lang: Lang = "en") -> str:
        """The sentence for the user, in `lang`."""
        return voice_message(self.key, self.params, lang)


def voice_message(key: str, params: dict[str, Any], lang: Lang = "en") -> str:
    """A "voice.*" sentence with its parameters as words of `lang` (also for an error kept as key and parameters)."""
    words = {_RENAMED.get(k, k): _word(k, v, lang) for k, v in params.items()}
    return t(key, lang, **words)


class AudioRefused(VoiceError, AttachmentError):
    """Audio Charla will not send to a provider."""

    key = "voice.empty"


class AudioEmpty(AudioRefused):
    """No bytes, no frames, or shorter than a syllable."""

    key = "voice.empty"


class AudioSilent(AudioRefused):
    """Silence. `provider` is set when the provider, not Charla, found no speech (the quota was spent)."""

    key = "voice.silent"

    def __init__(self, provider: str | None = None) -> None:
        self.provider = provider
        super().__init__("voice.no_speech" if provider else None, **({"provider": provider} if provider else {}))


class AudioUnsupported(AudioRefused):
    """Not a format the providers transcribe; `looks` is the "att.looks.*" id of what the bytes look like."""

    key = "voice.unsupported"

    def __init__(self, looks: str) -> None:
        super().__init__(looks=looks)


class AudioTooLarge(AudioRefused):
    """More bytes than the provider takes per file, in a format Charla cannot cut."""

    key = "voice.too_large"

    def __init__(self, size: int, limit: int, provider: str) -> None:
        self.size, self.limit = size, limit
        super().__init__(size=size, limit_bytes=limit, provider=provider)


class AudioTooLong(AudioRefused):
    """Longer than Charla transcribes per message."""

    key = "voice.too_long"

    def __init__(self, duration: float, limit: float) -> None:
        self.duration, self.limit = duration, limit
        super().__init__(duration=duration, limit_seconds=limit)


class NoVoice(VoiceError, ConfigError):
    """No provider with a key reads `language` aloud (`needs_mistral`: a Mistral key would)."""

    key = "voice.no_voice"

    def __init__(self, language: str, *, needs_mistral: bool) -> None:
        self.language = language
        super().__init__("voice.no_voice_key" if needs_mistral else None, language=language)


class SpeechRefused(VoiceError, RequestError):
    """A reply Charla will not read aloud."""

    key = "voice.nothing_to_speak"


class NothingToSpeak(SpeechRefused):
    """Once code, links and markup are left out, nothing is left."""

    key = "voice.nothing_to_speak"


class SpeechTooLong(SpeechRefused):
    """More characters than Charla sends to the provider for one reply."""

    key = "voice.speech_too_long"

    def __init__(self, chars: int, limit: int, provider: str) -> None:
        self.chars, self.limit = chars, limit
        super().__init__(chars=chars, limit=limit, provider=provider)


__all__ = [
    "AudioEmpty",
    "AudioRefused",
    "AudioSilent",
    "AudioTooLarge",
    "AudioTooLong",
    "AudioUnsupported",
    "NoVoice",
    "NothingToSpeak",
    "SpeechRefused",
    "SpeechTooLong",
    "VoiceError",
]
