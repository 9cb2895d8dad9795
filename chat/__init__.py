"""Charla's core: one chat pipeline for the Streamlit UI and the HTTP API. Imports no streamlit.

What the pages use is exported here, and only here (tests/test_public_api.py holds the list): the pages render and
call these; everything else stays inside the package. The vendor SDKs are imported on first use.
"""

from chat.api.clientip import client_address
from chat.attachments import ATTACHMENT_TYPES
from chat.catalog import ModelSpec, Offer, get_model, known, offer_for, retirement, vision_model_for
from chat.config import PROVIDERS, WINDOW_MESSAGES, is_production, max_duration
from chat.errors import ChatError, provider_label
from chat.intake import Upload
from chat.messages import ChatAttachment, ChatMessage
from chat.persist import export, file_stem, import_file, load, save_draft, save_settings, set_feedback, sync
from chat.present import (
    attachment_chip,
    key_status,
    metrics_text,
    model_label,
    offer_status,
    outcome_text,
    quota_text,
    retired_text,
)
from chat.providers.clients import SessionKeys
from chat.ratelimit import peek as peek_quota
from chat.render import safe_markdown
from chat.reply import Reply
from chat.schema import ChatRequest, FilePart, GenerationSettings, ImagePart, Message, TextPart
from chat.service import Caller, fallback_model, send
from chat.session import ChatSession, seed_messages
from chat.store import (
    ConversationSummary,
    InvalidImport,
    Store,
    is_owner_secret,
    new_owner_secret,
    owner_id,
    shared_store,
)
from chat.text import Lang, Sentence, t, text_in
from chat.tokens import compact
from chat.turn import Turn

__all__ = [
    "ATTACHMENT_TYPES",
    "PROVIDERS",
    "WINDOW_MESSAGES",
    "Caller",
    "ChatAttachment",
    "ChatError",
    "ChatMessage",
    "ChatRequest",
    "ChatSession",
    "ConversationSummary",
    "FilePart",
    "GenerationSettings",
    "ImagePart",
    "InvalidImport",
    "Lang",
    "Message",
    "ModelSpec",
    "Offer",
    "Reply",
    "Sentence",
    "SessionKeys",
    "Store",
    "TextPart",
    "Turn",
    "Upload",
    "attachment_chip",
    "client_address",
    "compact",
    "export",
    "fallback_model",
    "file_stem",
    "get_model",
    "import_file",
    "is_owner_secret",
    "is_production",
    "key_status",
    "known",
    "load",
    "max_duration",
    "metrics_text",
    "model_label",
    "new_owner_secret",
    "offer_for",
    "offer_status",
    "outcome_text",
    "owner_id",
    "peek_quota",
    "provider_label",
    "quota_text",
    "retired_text",
    "retirement",
    "safe_markdown",
    "save_draft",
    "save_settings",
    "seed_messages",
    "send",
    "set_feedback",
    "shared_store",
    "sync",
    "t",
    "text_in",
    "vision_model_for",
]
