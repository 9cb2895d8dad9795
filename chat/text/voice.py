"""The voice layer's sentences ("voice.*"): refusals of audio and of read-aloud, and language names."""

from __future__ import annotations

from chat.text import Table

FORMATS_EN = "WAV, MP3, M4A/MP4, OGG (Opus or Vorbis), WebM or FLAC"
FORMATS_ES = "WAV, MP3, M4A/MP4, OGG (Opus o Vorbis), WebM o FLAC"

TEXT: Table = {
    "voice.empty": {
        "en": "The recording is empty, so nothing was sent. Record again and speak before you stop.",
        "es": "La grabación está vacía, así que no se envió nada. Graba de nuevo y habla antes de detenerla.",
    },
    "voice.silent": {
        "en": "The recording is silent, so nothing was sent. Check that the microphone is on and record again.",
        "es": "La grabación está en silencio, así que no se envió nada. Comprueba que el micrófono esté activo "
        "y graba de nuevo.",
    },
    "voice.no_speech": {
        "en": "{provider} heard no speech in the recording, so nothing was sent. Speak closer to the microphone "
        "and record again.",
        "es": "{provider} no oyó ninguna voz en la grabación, así que no se envió nada. Habla más cerca del "
        "micrófono y graba de nuevo.",
    },
    "voice.unsupported": {
        "en": "Charla cannot transcribe this file (its bytes look like {looks}). Send " + FORMATS_EN + ".",
        "es": "Charla no puede transcribir este archivo (sus bytes parecen {looks}). Envía " + FORMATS_ES + ".",
    },
    "voice.too_large": {
        "en": "The audio is {size}; {provider} takes at most {limit} per file. Send a shorter recording, or save "
        "it as MP3, OGG or FLAC to make it smaller.",
        "es": "El audio ocupa {size}; {provider} admite como máximo {limit} por archivo. Envía una grabación más "
        "corta, o guárdala como MP3, OGG o FLAC para que ocupe menos.",
    },
    "voice.too_long": {
        "en": "The recording lasts {duration}; Charla transcribes at most {limit} per message. Split it into "
        "shorter recordings.",
        "es": "La grabación dura {duration}; Charla transcribe como máximo {limit} por mensaje. Divídela en "
        "grabaciones más cortas.",
    },
    "voice.no_voice_key": {
        "en": "Reading {language} aloud needs Mistral (Groq's voice speaks English only). Add a Mistral API key "
        "in Settings or MISTRAL_API_KEY.",
        "es": "Leer en voz alta en {language} requiere Mistral (la voz de Groq solo habla inglés). Añade una clave "
        "de API de Mistral en Ajustes o en MISTRAL_API_KEY.",
    },
    "voice.no_voice": {
        "en": "Charla has no voice for {language} yet, so this reply cannot be read aloud.",
        "es": "Charla aún no tiene voz para {language}, así que esta respuesta no se puede leer en voz alta.",
    },
    "voice.nothing_to_speak": {
        "en": "There is nothing to read aloud: this reply is only code, links or formatting.",
        "es": "No hay nada que leer en voz alta: esta respuesta solo tiene código, enlaces o formato.",
    },
    "voice.speech_too_long": {
        "en": "This reply has {chars} characters to read (code and links left out); {provider} reads at most "
        "{limit} at a time. Ask for a shorter answer to hear it.",
        "es": "Esta respuesta tiene {chars} caracteres que leer (sin código ni enlaces); {provider} lee como "
        "máximo {limit} de una vez. Pide una respuesta más corta para escucharla.",
    },
    "voice.lang.en": {"en": "English", "es": "inglés"},
    "voice.lang.es": {"en": "Spanish", "es": "español"},
    "voice.lang.fr": {"en": "French", "es": "francés"},
    "voice.lang.de": {"en": "German", "es": "alemán"},
    "voice.lang.it": {"en": "Italian", "es": "italiano"},
    "voice.lang.pt": {"en": "Portuguese", "es": "portugués"},
    "voice.lang.ar": {"en": "Arabic", "es": "árabe"},
    # --- the chat page ---
    "voice.ui.transcribing": {"en": "Transcribing your recording…", "es": "Transcribiendo tu grabación…"},
    "voice.ui.transcribed": {
        "en": ":material/mic: transcribed by {provider} · {language} · {seconds} s",
        "es": ":material/mic: transcrito por {provider} · {language} · {seconds} s",
    },
    "voice.ui.unheard": {
        "en": ":material/mic: recording not transcribed yet",
        "es": ":material/mic: grabación aún sin transcribir",
    },
    "voice.ui.lost": {
        "en": ":material/mic_off: not transcribed, and the recording is not kept after a refresh: record it again",
        "es": ":material/mic_off: sin transcribir, y la grabación no se conserva al recargar: vuelve a grabarla",
    },
    "voice.ui.read_aloud": {"en": "Read aloud", "es": "Leer en voz alta"},
    "voice.ui.reading": {"en": "Preparing the audio…", "es": "Preparando el audio…"},
    "voice.ui.read_by": {"en": "Read by {provider} ({voice})", "es": "Leído por {provider} ({voice})"},
}
