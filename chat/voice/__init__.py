"""Voice: speech to text for a recorded or uploaded message, text to speech for "Read aloud". No streamlit.

```python
from chat import voice

provider = voice.stt_provider(keys)                          # Groq when it has a key, else Mistral
ready = voice.prepare(audio, provider=provider)              # refusals first: nothing sent, nothing counted
heard = voice.transcribe(ready, provider=provider, key=keys[provider], language="es")
heard.text, heard.language, heard.duration                  # the message text; AudioSilent if none was heard

lang = voice.guess_language(reply, default="es")
speaker = voice.tts_provider(lang, keys, chars=len(voice.speakable(reply)))
speech = voice.speak(reply, lang=lang, provider=speaker, key=keys[speaker])
speech.audio, speech.mime                                    # one WAV
```

Every failure is a :class:`chat.errors.ChatError`: the refusals of :mod:`chat.voice.errors` (with "voice.*"
sentences in English and Spanish) before anything is sent, and the vendors' ProviderErrors (401, 413, 429 …)
through `chat.providers.groq.translate` / `chat.providers.mistral.translate`. Limits and their sources are in
:mod:`chat.voice.limits`.
"""

from __future__ import annotations

from chat.voice.audio import AudioInfo, Format, inspect, sniff
from chat.voice.errors import (
    AudioEmpty,
    AudioRefused,
    AudioSilent,
    AudioTooLarge,
    AudioTooLong,
    AudioUnsupported,
    NothingToSpeak,
    NoVoice,
    SpeechRefused,
    SpeechTooLong,
)
from chat.voice.speech import Speech, speak, tts_provider
from chat.voice.text import guess_language, speakable, split_text
from chat.voice.transcribe import Prepared, Transcript, prepare, stt_provider, transcribe

__all__ = [
    "AudioEmpty",
    "AudioInfo",
    "AudioRefused",
    "AudioSilent",
    "AudioTooLarge",
    "AudioTooLong",
    "AudioUnsupported",
    "Format",
    "NoVoice",
    "NothingToSpeak",
    "Prepared",
    "Speech",
    "SpeechRefused",
    "SpeechTooLong",
    "Transcript",
    "guess_language",
    "inspect",
    "prepare",
    "sniff",
    "speak",
    "speakable",
    "split_text",
    "stt_provider",
    "transcribe",
    "tts_provider",
]
