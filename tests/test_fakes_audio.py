"""The fake speech endpoints are accepted by the raw groq and mistralai SDKs, refusals included (no Charla code)."""

from __future__ import annotations

import base64
import io
import json
import math
import urllib.request
import wave
from array import array

import groq
import pytest
from groq import Groq
from mistralai.client import Mistral, errors

from tests.fakes import FakeUpstream
from tests.fakes import audio as fake_audio
from tests.fakes.audio import AudioScript


def wav_bytes(seconds: float, level: float = 0.3, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        count = int(seconds * rate)
        w.writeframes(array("h", (round(level * 32767 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))))
    return out.getvalue()


def groq_client(up: FakeUpstream, key: str = "test-key") -> Groq:
    return Groq(api_key=key, base_url=up.url, max_retries=0, timeout=5)


def mistral_client(up: FakeUpstream, key: str = "test-key") -> Mistral:
    return Mistral(api_key=key, server_url=up.url, timeout_ms=5000)


def test_groq_transcription_shapes(upstream: FakeUpstream) -> None:
    client = groq_client(upstream)
    audio = wav_bytes(1.5)
    verbose = client.audio.transcriptions.create(
        model="whisper-large-v3-turbo",
        file=("a.wav", audio, "audio/wav"),
        response_format="verbose_json",
        timestamp_granularities=["segment"],
    )
    extra = verbose.model_extra or {}
    assert verbose.text == "Heard 1.5 seconds of audio."
    assert (extra["task"], extra["language"], extra["duration"]) == ("transcribe", "English", 1.5)
    assert extra["segments"][0]["no_speech_prob"] < 0.1 and extra["x_groq"]["id"].startswith("req_")
    plain = client.audio.transcriptions.create(model="whisper-large-v3", file=("a.wav", audio), response_format="text")
    assert isinstance(plain, str) and plain == "Heard 1.5 seconds of audio."  # the SDK's annotation says otherwise
    quiet = client.audio.transcriptions.create(
        model="whisper-large-v3-turbo", file=("a.wav", wav_bytes(1.0, level=0.0)), response_format="verbose_json"
    )
    assert quiet.text == " Thank you." and (quiet.model_extra or {})["segments"][0]["no_speech_prob"] > 0.9
    first = fake_audio.received(upstream)[0]
    assert first.fields["timestamp_granularities[]"] == ["segment"]
    assert first.file_bytes == audio


@pytest.mark.parametrize("name", ["audio", "a.oga", "a.weba"])
def test_groq_refuses_a_file_name_without_a_known_extension(upstream: FakeUpstream, name: str) -> None:
    with pytest.raises(groq.BadRequestError) as caught:
        groq_client(upstream).audio.transcriptions.create(model="whisper-large-v3-turbo", file=(name, wav_bytes(0.5)))
    assert caught.value.body["error"]["code"] == "unsupported_audio_format"  # type: ignore[index]


def test_groq_refuses_more_than_25_mb(upstream: FakeUpstream) -> None:
    with pytest.raises(groq.APIStatusError) as caught:
        groq_client(upstream).audio.transcriptions.create(
            model="whisper-large-v3-turbo", file=("big.mp3", b"\xff\xfb\x90\x00" * 6_250_001)
        )
    assert caught.value.status_code == 413


def test_groq_speech_is_wav_and_limited_to_200_characters(upstream: FakeUpstream) -> None:
    client = groq_client(upstream)
    spoken = client.audio.speech.create(
        model="canopylabs/orpheus-v1-english", voice="hannah", input="Hi there", response_format="wav"
    )
    assert spoken.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(spoken.read())) as w:
        assert w.getframerate() == fake_audio.TTS_RATE
    with pytest.raises(groq.BadRequestError):
        client.audio.speech.create(model="canopylabs/orpheus-v1-english", voice="hannah", input="x" * 201)
    fake_audio.script(upstream, AudioScript(status=400, code="model_terms_required"))
    with pytest.raises(groq.BadRequestError) as caught:
        client.audio.speech.create(model="canopylabs/orpheus-v1-english", voice="hannah", input="Hi")
    assert caught.value.body["error"]["code"] == "model_terms_required"  # type: ignore[index]


def test_mistral_shapes_and_errors(upstream: FakeUpstream) -> None:
    client = mistral_client(upstream)
    heard = client.audio.transcriptions.complete(
        model="voxtral-mini-transcribe-3-0", file={"file_name": "a.wav", "content": wav_bytes(2.0)}, language="es"
    )
    assert (heard.text, heard.language, heard.usage.prompt_audio_seconds) == ("Heard 2.0 seconds of audio.", "es", 2)
    spoken = client.audio.speech.complete(model="voxtral-mini-tts-3-0", voice_id="voice_483", input="Hola")
    with wave.open(io.BytesIO(base64.b64decode(spoken.audio_data))) as w:
        assert w.getnframes() > 0
    with pytest.raises(errors.SDKError) as caught:
        mistral_client(upstream, "bad-key").audio.transcriptions.complete(
            model="voxtral-mini-transcribe-3-0", file={"file_name": "a.wav", "content": wav_bytes(0.5)}
        )
    assert caught.value.status_code == 401 and json.loads(caught.value.body) == {"detail": "Unauthorized"}
    fake_audio.script(upstream, AudioScript(status=429, retry_after=2))
    with pytest.raises(errors.SDKError) as limited:
        client.audio.speech.complete(model="voxtral-mini-tts-3-0", voice_id="voice_483", input="Hola")
    assert limited.value.status_code == 429 and limited.value.headers.get("retry-after") == "2"
    assert json.loads(limited.value.body)["type"] == "rate_limited"


def test_records_show_in_the_control_route_and_reset_forgets(upstream: FakeUpstream) -> None:
    groq_client(upstream).audio.transcriptions.create(model="whisper-large-v3-turbo", file=("a.wav", wav_bytes(0.5)))
    fake_audio.script(upstream, AudioScript(status=500))
    with urllib.request.urlopen(f"{upstream.url}/_fake/requests") as answer:
        [rec] = json.load(answer)
    assert rec["path"] == "/openai/v1/audio/transcriptions"
    assert rec["body"]["model"] == "whisper-large-v3-turbo" and rec["body"]["file"]["name"] == "a.wav"
    assert upstream.chat_requests() == []  # audio is not chat
    upstream.reset()
    assert fake_audio.received(upstream) == []
    groq_client(upstream).audio.transcriptions.create(model="whisper-large-v3-turbo", file=("a.wav", wav_bytes(0.5)))
    assert len(fake_audio.received(upstream)) == 1  # the 500 queued before the reset was forgotten
