"""chat.voice against the fake Groq + Mistral speech endpoints: what the upstream received, what the person reads.

The audio is made here: WAV with the standard library (`wave`, `array`, `math`), other formats with soundfile
(libsndfile) from numpy samples.
"""

from __future__ import annotations

import dataclasses
import io
import math
import random
import wave
from array import array
from collections.abc import Callable

import numpy as np
import pytest
import soundfile
from PIL import Image
from pydantic import SecretStr

from chat import config, errors, voice
from chat.config import Provider
from chat.errors import MissingKeyError
from chat.providers.clients import CLIENTS
from chat.voice import limits, wav
from chat.voice.errors import AudioTooLarge
from tests.fakes import FakeUpstream
from tests.fakes import audio as fake_audio
from tests.fakes.audio import AudioScript

RATE = 16_000


def wav_bytes(samples: list[int] | array[int], rate: int = RATE) -> bytes:
    """A mono 16-bit PCM WAV, as Streamlit's recorder makes it."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array("h", samples).tobytes())
    return out.getvalue()


def tone_samples(seconds: float, hz: float = 440.0, level: float = 0.3) -> list[int]:
    """A sine tone at `level` of full scale."""
    return [round(level * 32767 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(int(seconds * RATE))]


def tone(seconds: float = 2.0) -> bytes:
    """A 440 Hz tone as a WAV."""
    return wav_bytes(tone_samples(seconds))


def silence(seconds: float = 2.0) -> bytes:
    """Digital silence."""
    return wav_bytes([0] * int(seconds * RATE))


def room_noise(seconds: float = 2.0, dbfs: float = -60.0) -> bytes:
    """A quiet room: random noise around `dbfs` RMS."""
    rng = random.Random(13)
    sigma = 32768 * 10 ** (dbfs / 20)
    return wav_bytes([max(-32768, min(32767, round(rng.gauss(0, sigma)))) for _ in range(int(seconds * RATE))])


def encoded(fmt: str, subtype: str | None = None, seconds: float = 1.0) -> bytes:
    """A 440 Hz tone in `fmt` through libsndfile."""
    t = np.arange(int(seconds * RATE)) / RATE
    out = io.BytesIO()
    soundfile.write(out, 0.3 * np.sin(2 * np.pi * 440 * t), RATE, format=fmt, subtype=subtype)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def both(err: errors.ChatError) -> tuple[str, str]:
    return err.message("en"), err.message("es")


# --- what a file is -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "subtype", "name", "pcm"),
    [
        ("WAV", "PCM_16", "wav", True),
        ("WAV", "PCM_24", "wav", True),
        ("WAV", "PCM_U8", "wav", True),
        ("WAV", "FLOAT", "wav", False),  # not PCM: `wave` cannot read it, mutagen gives its length
        ("FLAC", None, "flac", False),
        ("OGG", "VORBIS", "ogg", False),
        ("OGG", "OPUS", "ogg", False),
        ("MP3", "MPEG_LAYER_III", "mp3", False),
    ],
)
def test_format_and_length_come_from_the_bytes(fmt: str, subtype: str, name: str, pcm: bool) -> None:
    info = voice.inspect(encoded(fmt, subtype, seconds=1.5))
    assert info.format.name == name
    assert info.duration == pytest.approx(1.5, abs=0.06)
    assert (info.pcm is not None) is pcm


def pcm(data: bytes) -> wav.Pcm:
    found = voice.inspect(data).pcm
    assert found is not None
    return found


def test_silence_is_found_in_every_pcm_width() -> None:
    assert not wav.is_silent(pcm(tone()))
    assert wav.is_silent(pcm(silence()))
    assert wav.is_silent(pcm(room_noise()))
    assert not wav.is_silent(pcm(room_noise(dbfs=-30)))
    for subtype in ("PCM_U8", "PCM_24", "PCM_32"):
        assert not wav.is_silent(pcm(encoded("WAV", subtype)))


def test_webm_length_from_its_info_element() -> None:
    # No encoder writes WebM here, so the EBML elements are put together by hand (ids from the Matroska spec).
    def element(ident: int, payload: bytes) -> bytes:
        return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + bytes([0x80 | len(payload)]) + payload

    header = element(0x1A45DFA3, element(0x4282, b"webm"))
    info = element(0x1549A966, element(0x2AD7B1, (1_000_000).to_bytes(3, "big")) + element(0x4489, b"\x45\x1c\x40\x00"))
    with_length = header + element(0x18538067, info)
    assert voice.inspect(with_length).format.name == "webm"
    assert voice.inspect(with_length).duration == pytest.approx(2.5)
    recorder = header + element(0x18538067, element(0x1549A966, element(0x2AD7B1, b"\x0f\x42\x40")))
    assert voice.inspect(recorder).duration is None


@pytest.mark.parametrize("data", [png(), encoded("AIFF", "PCM_16"), b"just some text, not audio"])
def test_unsupported_audio_is_refused_with_the_formats(data: bytes) -> None:
    with pytest.raises(voice.AudioUnsupported) as caught:
        voice.inspect(data)
    en, es = both(caught.value)
    assert "Send WAV, MP3, M4A/MP4, OGG (Opus or Vorbis), WebM or FLAC." in en
    assert "Envía WAV, MP3, M4A/MP4, OGG (Opus o Vorbis), WebM o FLAC." in es
    if data.startswith(b"\x89PNG"):
        assert "a PNG image" in en and "una imagen PNG" in es


@pytest.mark.parametrize("data", [b"", silence(0.0), silence(0.05)])
def test_empty_recording_is_refused(data: bytes) -> None:
    with pytest.raises(voice.AudioEmpty) as caught:
        voice.inspect(data)
    assert both(caught.value) == (
        "The recording is empty, so nothing was sent. Record again and speak before you stop.",
        "La grabación está vacía, así que no se envió nada. Graba de nuevo y habla antes de detenerla.",
    )


# --- transcription --------------------------------------------------------------------------------------------


def test_groq_transcribes_a_tone_in_the_page_language(upstream: FakeUpstream) -> None:
    audio = tone()
    heard = voice.transcribe(audio, provider="groq", key=SecretStr("test-key"), language="es")
    assert heard == voice.Transcript(
        "Heard 2.0 seconds of audio.", "es", 2.0, "groq", "whisper-large-v3-turbo", False, 1
    )
    [rec] = fake_audio.received(upstream)
    assert (rec.vendor, rec.path) == ("groq", "/openai/v1/audio/transcriptions")
    assert rec.fields == {"model": ["whisper-large-v3-turbo"], "language": ["es"], "response_format": ["verbose_json"]}
    assert (rec.file_name, rec.file_type, rec.file_bytes) == ("recording.wav", "audio/wav", audio)
    assert rec.headers["authorization"] == "Bearer test-key"


def test_mistral_transcribes_and_detects_the_language(upstream: FakeUpstream) -> None:
    fake_audio.script(upstream, AudioScript(text="Hola, ¿qué tal?", language="es"))
    heard = voice.transcribe(encoded("OGG", "OPUS"), provider="mistral", key="test-key")
    assert (heard.text, heard.language, heard.model) == ("Hola, ¿qué tal?", "es", "voxtral-mini-transcribe-3-0")
    assert heard.duration == pytest.approx(1.0, abs=0.05)
    [rec] = fake_audio.received(upstream)
    assert rec.path == "/v1/audio/transcriptions"
    assert rec.fields == {"model": ["voxtral-mini-transcribe-3-0"], "stream": ["false"], "diarize": ["false"]}
    assert (rec.file_name, rec.file_type) == ("recording.ogg", "audio/ogg")


def test_groq_language_name_becomes_a_code(upstream: FakeUpstream) -> None:
    fake_audio.script(upstream, AudioScript(text="Hola", language="es"))
    heard = voice.transcribe(encoded("FLAC"), provider="groq", key="test-key")
    assert heard.language == "es"  # verbose_json says "Spanish"
    assert fake_audio.received(upstream)[0].file_name == "recording.flac"


@pytest.mark.parametrize("make", [silence, room_noise])
def test_silence_is_refused_before_sending(upstream: FakeUpstream, make: Callable[[], bytes]) -> None:
    with pytest.raises(voice.AudioSilent) as caught:
        voice.transcribe(make(), provider="groq", key="test-key")
    assert both(caught.value) == (
        "The recording is silent, so nothing was sent. Check that the microphone is on and record again.",
        "La grabación está en silencio, así que no se envió nada. Comprueba que el micrófono esté activo y graba "
        "de nuevo.",
    )
    assert fake_audio.received(upstream) == []
    quiet = voice.transcribe(silence(), provider="groq", key="test-key", allow_silence=True)
    assert (quiet.text, quiet.no_speech, quiet.pieces) == ("", True, 0)
    assert fake_audio.received(upstream) == []


@pytest.mark.parametrize(
    ("provider", "script"),
    [("groq", AudioScript(text=" Thank you.", no_speech_prob=0.97)), ("mistral", AudioScript(text=""))],
)
def test_no_speech_heard_by_the_provider_is_refused(
    upstream: FakeUpstream, provider: Provider, script: AudioScript
) -> None:
    fake_audio.script(upstream, script, script)
    with pytest.raises(voice.AudioSilent) as caught:
        voice.transcribe(encoded("FLAC"), provider=provider, key="test-key")
    name = provider.capitalize()
    assert both(caught.value) == (
        f"{name} heard no speech in the recording, so nothing was sent. Speak closer to the microphone and record "
        "again.",
        f"{name} no oyó ninguna voz en la grabación, así que no se envió nada. Habla más cerca del micrófono y "
        "graba de nuevo.",
    )
    heard = voice.transcribe(encoded("FLAC"), provider=provider, key="test-key", allow_silence=True)
    assert (heard.text, heard.no_speech) == ("", True)


def test_fake_hears_silence_as_whisper_does(upstream: FakeUpstream) -> None:
    """Groq's Whisper invents "Thank you." on silence, with a high no_speech_prob: Charla drops it."""
    prepared = voice.prepare(silence(), provider="groq", refuse_silence=False)
    ready = dataclasses.replace(prepared, uploads=(("recording.wav", silence(), "audio/wav"),), silent=False)
    with pytest.raises(voice.AudioSilent):
        voice.transcribe(ready, provider="groq", key="test-key")
    assert len(fake_audio.received(upstream)) == 1


def test_unsupported_file_is_not_sent(upstream: FakeUpstream) -> None:
    with pytest.raises(voice.AudioUnsupported):
        voice.transcribe(png(), provider="mistral", key="test-key")
    assert fake_audio.received(upstream) == [] and upstream.requests == []


def test_too_long_recording_is_refused_with_the_limit(upstream: FakeUpstream) -> None:
    with pytest.raises(voice.AudioTooLong) as caught:
        voice.transcribe(tone(2.0), provider="groq", key="test-key", max_seconds=1.5)
    assert both(caught.value) == (
        "The recording lasts 2 s; Charla transcribes at most 1.5 s per message. Split it into shorter recordings.",
        "La grabación dura 2 s; Charla transcribe como máximo 1,5 s por mensaje. Divídela en grabaciones más cortas.",
    )
    assert fake_audio.received(upstream) == []
    assert voice.AudioTooLong(1000.0, limits.MAX_SECONDS).message() == (
        "The recording lasts 16 min 40 s; Charla transcribes at most 15 min per message. Split it into shorter "
        "recordings."
    )


def test_too_large_file_that_cannot_be_cut_is_refused(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(limits.STT, "groq", dataclasses.replace(limits.GROQ_STT, max_bytes=5_000))
    with pytest.raises(AudioTooLarge) as caught:
        voice.transcribe(encoded("FLAC", seconds=2.0), provider="groq", key="test-key")
    assert caught.value.limit == 5_000
    assert fake_audio.received(upstream) == []
    assert both(AudioTooLarge(26_300_000, limits.GROQ_STT.max_bytes, "groq")) == (
        "The audio is 26.3 MB; Groq takes at most 25 MB per file. Send a shorter recording, or save it as MP3, OGG "
        "or FLAC to make it smaller.",
        "El audio ocupa 26,3 MB; Groq admite como máximo 25 MB por archivo. Envía una grabación más corta, o "
        "guárdala como MP3, OGG o FLAC para que ocupe menos.",
    )


def test_long_wav_is_cut_into_pieces_that_fit(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(limits.STT, "groq", dataclasses.replace(limits.GROQ_STT, max_bytes=40_000))
    audio = wav_bytes(tone_samples(1.2) + [0] * (RATE // 4) + tone_samples(1.0))  # a pause after 1.2 s
    heard = voice.transcribe(audio, provider="groq", key="test-key")
    recs = fake_audio.received(upstream)
    assert heard.pieces == len(recs) == 2
    assert all(len(r.file_bytes) <= 40_000 for r in recs)
    seconds = [pcm(r.file_bytes).duration for r in recs]
    assert sum(seconds) == pytest.approx(2.45)
    assert 1.2 <= seconds[0] <= 1.25  # cut inside the pause, not in the tone
    assert heard.text == " ".join(f"Heard {s:.1f} seconds of audio." for s in seconds)
    assert recs[0].value("language") is None and recs[1].value("language") == "en"  # the first piece's language
    assert heard.duration == pytest.approx(2.45)


@pytest.mark.parametrize("provider", ["groq", "mistral"])
@pytest.mark.parametrize(
    ("key", "script", "cls", "en", "es"),
    [
        (
            "bad-key",
            None,
            errors.AuthError,
            "{p} rejected the API key (401). Correct it in Settings or {env}.",
            "{p} rechazó la clave de API (401). Corrígela en Ajustes o en {env}.",
        ),
        (
            "test-key",
            AudioScript(status=413),
            errors.RequestTooLarge,
            "The request is too large for {m} on {p} (413)",
            "La solicitud es demasiado grande para {m} en {p} (413)",
        ),
        (
            "test-key",
            AudioScript(status=429, retry_after=3),
            errors.UpstreamRateLimited,
            "{p} is rate limiting this key (429). Try again in 3 s.",
            "{p} está limitando esta clave (429). Inténtalo de nuevo en 3 s.",
        ),
    ],
)
def test_upstream_errors_become_the_existing_classes(
    upstream: FakeUpstream,
    provider: Provider,
    key: str,
    script: AudioScript | None,
    cls: type[errors.ProviderError],
    en: str,
    es: str,
) -> None:
    if script:
        fake_audio.script(upstream, script)
    with pytest.raises(cls) as caught:
        voice.transcribe(tone(), provider=provider, key=key)
    p, m, env = provider.capitalize(), limits.STT[provider].model, f"{provider.upper()}_API_KEY"
    message_en, message_es = both(caught.value)
    assert en.format(p=p, m=m, env=env) in message_en
    assert es.format(p=p, m=m, env=env) in message_es
    assert "test-key" not in message_en and "bad-key" not in message_en
    if script and script.retry_after:
        assert caught.value.retry_after == 3


def test_stt_provider_prefers_groq_then_mistral() -> None:
    assert voice.stt_provider({"groq": SecretStr("g"), "mistral": SecretStr("m")}) == "groq"
    assert voice.stt_provider({"groq": SecretStr(""), "mistral": "m"}) == "mistral"
    with pytest.raises(MissingKeyError):
        voice.stt_provider({"groq": None})


def test_clients_are_not_cached_by_the_raw_key(upstream: FakeUpstream) -> None:
    voice.transcribe(tone(), provider="groq", key="test-key")
    idents = list(CLIENTS._items)
    assert idents and all("test-key" not in part for ident in idents for part in map(str, ident))
    assert any(config.key_digest(SecretStr("test-key")) in ident for ident in idents)


def test_a_speech_model_that_is_gone_is_not_found_not_a_chat_successor(
    upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(limits.STT, "groq", dataclasses.replace(limits.GROQ_STT, model="whisper-large-v2"))
    with pytest.raises(errors.ModelNotFound) as caught:
        voice.transcribe(tone(), provider="groq", key="test-key")
    assert caught.value.message("en").startswith("Groq does not serve the model whisper-large-v2 (404).")
