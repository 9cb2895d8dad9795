"""chat.voice text to speech: what is read, who reads it, what the upstream received, the sentences on refusal."""

from __future__ import annotations

import io
import wave

import pytest
from pydantic import SecretStr

from chat import errors, voice
from chat.config import Provider
from chat.errors import MissingKeyError
from chat.voice import limits
from tests.fakes import FakeUpstream
from tests.fakes import audio as fake_audio
from tests.fakes.audio import TTS_RATE, TTS_SECONDS_PER_CHAR, AudioScript

BOTH: dict[Provider, SecretStr | str | None] = {"groq": SecretStr("test-key"), "mistral": SecretStr("test-key")}

REPLY = """## Answer

Use **`pip`** to install it, then read [the docs](https://docs.example.com/install?x=1) or https://example.org/faq.

```python
import charla
charla.run()
```

- first, _open_ the page
- then press `st.chat_input(accept_audio=True)` <b>now</b>

| key | value |
|-----|-------|
| a   | 1     |

![diagram](https://example.com/d.png) Done [happy].
"""


def seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return float(w.getnframes() / w.getframerate())


def test_speakable_leaves_out_code_urls_and_markup() -> None:
    text = voice.speakable(REPLY)
    assert text == (
        "Answer. Use pip to install it, then read the docs or. first, open the page. then press now. key, value. "
        "a, 1. Done (happy)."
    )
    for gone in ("```", "import charla", "http", "docs.example.com", "**", "#", "|", "<b>", "diagram", "[", "`"):
        assert gone not in text
    assert voice.speakable("```\nprint(1)\n```\n<think>plan</think>\nhttps://x.org") == ""


def test_split_text_keeps_every_word_within_the_limit() -> None:
    text = voice.speakable(" ".join(f"Sentence number {i} says something, and then a bit more." for i in range(20)))
    pieces = voice.split_text(text, 200)
    assert all(len(p) <= 200 for p in pieces)
    assert " ".join(pieces) == text
    assert all(p.endswith(".") for p in pieces)  # cut after sentences
    long_word = "a" * 450
    assert [len(p) for p in voice.split_text(long_word, 200)] == [200, 200, 50]


def test_groq_reads_english_in_pieces_of_200_characters(upstream: FakeUpstream) -> None:
    reply = " ".join(f"This is sentence {i} of a reply that Groq will read aloud." for i in range(9))
    speech = voice.speak(reply, lang="en", provider="groq", key="test-key")
    recs = fake_audio.received(upstream, kind="speech")
    assert speech.pieces == len(recs) == 3
    assert [r.path for r in recs] == ["/openai/v1/audio/speech"] * 3
    inputs = [r.body["input"] for r in recs]
    assert all(len(i) <= 200 for i in inputs) and " ".join(inputs) == speech.text == reply
    assert {(r.body["model"], r.body["voice"], r.body["response_format"]) for r in recs} == {
        ("canopylabs/orpheus-v1-english", "troy", "wav")
    }
    assert speech.mime == "audio/wav" and speech.provider == "groq"
    assert seconds(speech.audio) == pytest.approx(
        sum(round(len(i) * TTS_SECONDS_PER_CHAR * TTS_RATE) for i in inputs) / TTS_RATE
    )


def test_spanish_goes_to_mistral(upstream: FakeUpstream) -> None:
    reply = "¿Qué tal? Esta es la respuesta en español, con un [enlace](https://ejemplo.es)."
    lang = voice.guess_language(reply, default="en")
    assert lang == "es"
    provider = voice.tts_provider(lang, BOTH)
    assert provider == "mistral"
    speech = voice.speak(reply, lang=lang, provider=provider, key="test-key")
    [rec] = fake_audio.received(upstream, kind="speech")
    assert rec.path == "/v1/audio/speech"
    assert rec.body == {
        "input": "¿Qué tal? Esta es la respuesta en español, con un enlace.",
        "model": "voxtral-mini-tts-3-0",
        "stream": False,
        "voice_id": "voice_483",
        "response_format": "wav",
    }
    assert seconds(speech.audio) == pytest.approx(len(rec.body["input"]) * TTS_SECONDS_PER_CHAR, abs=1e-3)
    assert (speech.voice, speech.mime) == ("voice_483", "audio/wav")


def test_who_reads_what() -> None:
    assert voice.tts_provider("en", BOTH) == "groq"
    assert voice.tts_provider("en", BOTH, chars=limits.GROQ_TTS.max_chars + 1) == "mistral"
    assert voice.tts_provider("en", {"mistral": "k"}) == "mistral"
    assert voice.tts_provider("en", {"groq": "k"}, chars=10_000) == "groq"  # speak() then says it is too long
    with pytest.raises(voice.NoVoice) as caught:
        voice.tts_provider("es", {"groq": "k"})
    assert (caught.value.message("en"), caught.value.message("es")) == (
        "Reading Spanish aloud needs Mistral (Groq's voice speaks English only). Add a Mistral API key in Settings "
        "or MISTRAL_API_KEY.",
        "Leer en voz alta en español requiere Mistral (la voz de Groq solo habla inglés). Añade una clave de API "
        "de Mistral en Ajustes o en MISTRAL_API_KEY.",
    )
    with pytest.raises(voice.NoVoice) as caught:
        voice.tts_provider("ja", BOTH)
    assert caught.value.message("en") == "Charla has no voice for ja yet, so this reply cannot be read aloud."
    with pytest.raises(MissingKeyError):
        voice.tts_provider("es", {})


def test_refusals_send_nothing(upstream: FakeUpstream) -> None:
    with pytest.raises(voice.NoVoice):
        voice.speak("Hola, ¿qué tal?", lang="es", provider="groq", key="test-key")
    with pytest.raises(voice.NothingToSpeak) as nothing:
        voice.speak("```\nrm -rf /\n```\nhttps://example.com", lang="en", provider="groq", key="test-key")
    assert nothing.value.message("es") == (
        "No hay nada que leer en voz alta: esta respuesta solo tiene código, enlaces o formato."
    )
    with pytest.raises(voice.SpeechTooLong) as too_long:
        voice.speak("Word. " * 300, lang="en", provider="groq", key="test-key")
    assert too_long.value.message("en") == (
        "This reply has 1,799 characters to read (code and links left out); Groq reads at most 1,200 at a time. "
        "Ask for a shorter answer to hear it."
    )
    assert "1799 caracteres" in too_long.value.message("es")
    assert fake_audio.received(upstream) == []


@pytest.mark.parametrize(
    ("provider", "script", "cls"),
    [
        ("groq", AudioScript(status=400, code="model_terms_required"), errors.UpstreamBadRequest),
        ("groq", AudioScript(status=429, retry_after=4), errors.UpstreamRateLimited),
        ("mistral", AudioScript(status=429, retry_after=4), errors.UpstreamRateLimited),
        ("mistral", AudioScript(status=500), errors.UpstreamUnavailable),
    ],
)
def test_speech_errors_become_the_existing_classes(
    upstream: FakeUpstream, provider: Provider, script: AudioScript, cls: type[errors.ProviderError]
) -> None:
    fake_audio.script(upstream, script)
    with pytest.raises(cls) as caught:
        voice.speak("Hello there.", lang="en", provider=provider, key="test-key")
    assert caught.value.provider == provider
    if script.retry_after:
        assert caught.value.retry_after == 4 and "4 s" in caught.value.message("es")


def test_bad_key_is_an_auth_error(upstream: FakeUpstream) -> None:
    with pytest.raises(errors.AuthError) as caught:
        voice.speak("Hello there.", lang="en", provider="groq", key="bad-key")
    assert caught.value.message("en") == "Groq rejected the API key (401). Correct it in Settings or GROQ_API_KEY."
