"""Charla's core: one chat pipeline for the Streamlit UI and the HTTP API. Imports no streamlit.

The vendor SDKs are imported on first use, so `import chat` stays fast.
"""

from chat.errors import ChatError
from chat.reply import Reply
from chat.schema import ChatRequest, FilePart, GenerationSettings, ImagePart, Message, TextPart
from chat.service import Caller, send

__all__ = [
    "Caller",
    "ChatError",
    "ChatRequest",
    "FilePart",
    "GenerationSettings",
    "ImagePart",
    "Message",
    "Reply",
    "TextPart",
    "send",
]
