"""Voice in the chat: a recorded or uploaded audio message becomes its transcript; a reply can be read aloud.

The speech APIs themselves are in :mod:`chat.voice`; this module is what a chat turn does with them. Each
transcription and each "Read aloud" is one request against the session's and the IP's rate limits, taken only
after Charla's own refusals (empty, silent, too long, too large), so a refused recording costs nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from chat import ratelimit
from chat.config import keys_in_use
from chat.errors import provider_label
from chat.messages import ChatMessage, VoiceNote
from chat.schema import FilePart, Message, Part, TextPart
from chat.text import Lang, has_sentence, t

if TYPE_CHECKING:
    from chat.service import Caller

AUDIO_TYPES = ("wav", "mp3", "m4a", "mp4", "ogg", "opus", "oga", "webm", "flac")
"""File name endings the composer offers for audio (the format is read from the bytes anyway)."""

_HEARD_CACHE = 256
"""Transcripts kept in memory by the audio's SHA-256 (an API client sends the whole conversation each turn)."""
_SPOKEN_CACHE = 32
"""Replies read aloud kept in memory (per process), so a second click plays at once and costs nothing."""

_lock = threading.Lock()
_heard: OrderedDict[str, str] = OrderedDict()
_spoken: OrderedDict[str, Spoken] = OrderedDict()


def clear() -> None:
    """Forget the transcripts and the speech this process kept."""
    with _lock:
        _heard.clear()
        _spoken.clear()


def is_audio(data: bytes) -> bool:
    """The bytes are an audio file Charla can transcribe (WAV, MP3, M4A/MP4, Ogg, WebM, FLAC)."""
    from chat.voice import sniff

    return sniff(data) is not None


def listen(msg: ChatMessage, caller: Caller) -> None:
    """Transcribe the message's unheard audio; the transcript goes after what was typed. Raises a ChatError
    (refused audio, no speech heard, missing key, the provider's 401/413/429 …); the audio is kept either way."""
    notes = [n for n in msg.voice if n.heard is None]
    for note in notes:
        _hear(note, caller)
    if notes:
        msg.text = "\n\n".join(p for p in [msg.text, *(n.heard or "" for n in notes)] if p.strip())


def _hear(note: VoiceNote, caller: Caller) -> None:
    """One recording transcribed (one request against the limits, after Charla's own refusals)."""
    from chat.voice import prepare, stt_provider, transcribe

    keys = keys_in_use(caller.keys)
    provider = stt_provider(keys)
    ready = prepare(note.audio, provider=provider)
    ratelimit.take(session=caller.session, ip=caller.ip)
    heard = transcribe(ready, provider=provider, key=keys[provider])
    note.heard, note.language, note.seconds, note.provider = heard.text, heard.language, heard.duration, provider
    with _lock:
        _heard[_digest(note.audio)] = heard.text
        while len(_heard) > _HEARD_CACHE:
            _heard.popitem(last=False)


def hear_parts(messages: Sequence[Message], caller: Caller) -> tuple[list[Message], str | None]:
    """An API request's audio file parts as text: the newest user message's are transcribed (each recording once
    per process: a client that sends the conversation again is not charged again); an older one takes its
    transcript when this process heard it, else a note. Also the newest message's transcript (None: no audio)."""
    newest = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    out: list[Message] = []
    heard: list[str] = []
    for i, message in enumerate(messages):
        swapped = False
        parts: list[Part] = []
        for part in message.parts:
            if not (isinstance(part, FilePart) and is_audio(part.data)):
                parts.append(part)
                continue
            swapped = True
            with _lock:
                text = _heard.get(_digest(part.data))
            if text is None and i == newest:
                note = VoiceNote(part.data, part.media_type, part.name or "audio")
                _hear(note, caller)
                text = note.heard or ""
            if i == newest:
                heard.append(text or "")
            parts.append(TextPart(text=text if text is not None else "[a voice message]", source=part.name))
        out.append(message.model_copy(update={"parts": parts}) if swapped else message)
    return out, (" ".join(heard) if heard else None)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Spoken:
    """A reply as audio."""

    audio: bytes = field(repr=False)
    mime: str
    provider: str
    voice: str


def read_aloud(text: str, *, lang: str, caller: Caller) -> Spoken:
    """`text` (a reply) as speech in its own language (the page's when it cannot tell); cached per text and
    language. Raises NothingToSpeak, NoVoice, SpeechTooLong, MissingKeyError or the provider's error."""
    from chat.voice import guess_language, speak, speakable, tts_provider

    spoken_lang = guess_language(text, default=lang)
    key = hashlib.sha256(f"{spoken_lang}\0{text}".encode()).hexdigest()
    with _lock:
        if key in _spoken:
            _spoken.move_to_end(key)
            return _spoken[key]
    keys = keys_in_use(caller.keys)
    provider = tts_provider(spoken_lang, keys, chars=len(speakable(text)))
    counted = partial(ratelimit.take, session=caller.session, ip=caller.ip)
    speech = speak(text, lang=spoken_lang, provider=provider, key=keys[provider], before_send=counted)
    out = Spoken(speech.audio, speech.mime, speech.provider, speech.voice)
    with _lock:
        _spoken[key] = out
        while len(_spoken) > _SPOKEN_CACHE:
            _spoken.popitem(last=False)
    return out


def voice_mark(note: VoiceNote, lang: Lang) -> str:
    """':material/mic: transcribed by Groq · Spanish · 4.2 s' under a spoken message."""
    if note.heard is None:
        return t("voice.ui.unheard" if note.audio else "voice.ui.lost", lang)
    key = f"voice.lang.{note.language}"
    language = t(key, lang) if has_sentence(key) else (note.language or "?")
    provider = provider_label(note.provider) if note.provider else "?"
    seconds = f"{note.seconds:.1f}" if note.seconds is not None else "?"
    return t("voice.ui.transcribed", lang, provider=provider, language=language, seconds=seconds)


def spoken_by(spoken: Spoken, lang: Lang) -> str:
    """'Read by Mistral (voice_483)' under the player."""
    return t("voice.ui.read_by", lang, provider=provider_label(spoken.provider), voice=spoken.voice)
