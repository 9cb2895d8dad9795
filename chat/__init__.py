"""Charla's core: one chat pipeline for the Streamlit UI and the HTTP API. Imports no streamlit.

What the pages use is exported here, and only here (tests/test_public_api.py holds the list): the pages render and
call these; everything else stays inside the package. The vendor SDKs are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chat.api.clientip import client_address
    from chat.attachments import ATTACHMENT_TYPES
    from chat.catalog import ModelSpec, Offer, get_model, known, offer_for, retirement, vision_model_for
    from chat.config import PROVIDERS, WINDOW_MESSAGES, is_production, max_duration
    from chat.errors import ChatError, provider_label
    from chat.hearing import AUDIO_TYPES, read_aloud, spoken_by, voice_mark
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
    from chat.text import Lang, Sentence, moment, t, text_in
    from chat.tokens import compact
    from chat.tools.present import (
        arguments_text,
        result_view,
        server_line,
        step_label,
        step_look,
        tool_flags,
        tool_servers,
    )
    from chat.tools.steps import ToolStep
    from chat.turn import Turn
    from chat.warmup import warm_up

_WHERE: dict[str, tuple[str, str]] = {
    "voice_mark": ("chat.hearing", "voice_mark"),
    "spoken_by": ("chat.hearing", "spoken_by"),
    "read_aloud": ("chat.hearing", "read_aloud"),
    "AUDIO_TYPES": ("chat.hearing", "AUDIO_TYPES"),
    "warm_up": ("chat.warmup", "warm_up"),
    "tool_servers": ("chat.tools.present", "tool_servers"),
    "tool_flags": ("chat.tools.present", "tool_flags"),
    "step_look": ("chat.tools.present", "step_look"),
    "step_label": ("chat.tools.present", "step_label"),
    "server_line": ("chat.tools.present", "server_line"),
    "result_view": ("chat.tools.present", "result_view"),
    "arguments_text": ("chat.tools.present", "arguments_text"),
    "ToolStep": ("chat.tools.steps", "ToolStep"),
    "ATTACHMENT_TYPES": ("chat.attachments", "ATTACHMENT_TYPES"),
    "Caller": ("chat.service", "Caller"),
    "ChatAttachment": ("chat.messages", "ChatAttachment"),
    "ChatError": ("chat.errors", "ChatError"),
    "ChatMessage": ("chat.messages", "ChatMessage"),
    "ChatRequest": ("chat.schema", "ChatRequest"),
    "ChatSession": ("chat.session", "ChatSession"),
    "ConversationSummary": ("chat.store", "ConversationSummary"),
    "FilePart": ("chat.schema", "FilePart"),
    "GenerationSettings": ("chat.schema", "GenerationSettings"),
    "ImagePart": ("chat.schema", "ImagePart"),
    "InvalidImport": ("chat.store", "InvalidImport"),
    "Lang": ("chat.text", "Lang"),
    "Message": ("chat.schema", "Message"),
    "ModelSpec": ("chat.catalog", "ModelSpec"),
    "Offer": ("chat.catalog", "Offer"),
    "PROVIDERS": ("chat.config", "PROVIDERS"),
    "Reply": ("chat.reply", "Reply"),
    "Sentence": ("chat.text", "Sentence"),
    "SessionKeys": ("chat.providers.clients", "SessionKeys"),
    "Store": ("chat.store", "Store"),
    "TextPart": ("chat.schema", "TextPart"),
    "Turn": ("chat.turn", "Turn"),
    "Upload": ("chat.intake", "Upload"),
    "WINDOW_MESSAGES": ("chat.config", "WINDOW_MESSAGES"),
    "attachment_chip": ("chat.present", "attachment_chip"),
    "client_address": ("chat.api.clientip", "client_address"),
    "compact": ("chat.tokens", "compact"),
    "export": ("chat.persist", "export"),
    "fallback_model": ("chat.service", "fallback_model"),
    "file_stem": ("chat.persist", "file_stem"),
    "get_model": ("chat.catalog", "get_model"),
    "import_file": ("chat.persist", "import_file"),
    "is_owner_secret": ("chat.store", "is_owner_secret"),
    "is_production": ("chat.config", "is_production"),
    "key_status": ("chat.present", "key_status"),
    "known": ("chat.catalog", "known"),
    "load": ("chat.persist", "load"),
    "max_duration": ("chat.config", "max_duration"),
    "metrics_text": ("chat.present", "metrics_text"),
    "model_label": ("chat.present", "model_label"),
    "moment": ("chat.text", "moment"),
    "new_owner_secret": ("chat.store", "new_owner_secret"),
    "offer_for": ("chat.catalog", "offer_for"),
    "offer_status": ("chat.present", "offer_status"),
    "outcome_text": ("chat.present", "outcome_text"),
    "owner_id": ("chat.store", "owner_id"),
    "peek_quota": ("chat.ratelimit", "peek"),
    "provider_label": ("chat.errors", "provider_label"),
    "quota_text": ("chat.present", "quota_text"),
    "retired_text": ("chat.present", "retired_text"),
    "retirement": ("chat.catalog", "retirement"),
    "safe_markdown": ("chat.render", "safe_markdown"),
    "save_draft": ("chat.persist", "save_draft"),
    "save_settings": ("chat.persist", "save_settings"),
    "seed_messages": ("chat.session", "seed_messages"),
    "send": ("chat.service", "send"),
    "set_feedback": ("chat.persist", "set_feedback"),
    "shared_store": ("chat.store", "shared_store"),
    "sync": ("chat.persist", "sync"),
    "t": ("chat.text", "t"),
    "text_in": ("chat.text", "text_in"),
    "vision_model_for": ("chat.catalog", "vision_model_for"),
}


def __getattr__(name: str) -> Any:
    """Each exported name, imported when first used (so `import chat` does not load the store, Pillow or an SDK)."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'chat' has no attribute {name!r}")
    value = getattr(importlib.import_module(where[0]), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ATTACHMENT_TYPES",
    "AUDIO_TYPES",
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
    "ToolStep",
    "Turn",
    "Upload",
    "arguments_text",
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
    "moment",
    "new_owner_secret",
    "offer_for",
    "offer_status",
    "outcome_text",
    "owner_id",
    "peek_quota",
    "provider_label",
    "quota_text",
    "read_aloud",
    "result_view",
    "retired_text",
    "retirement",
    "safe_markdown",
    "save_draft",
    "save_settings",
    "seed_messages",
    "send",
    "server_line",
    "set_feedback",
    "shared_store",
    "spoken_by",
    "step_label",
    "step_look",
    "sync",
    "t",
    "text_in",
    "tool_flags",
    "tool_servers",
    "vision_model_for",
    "voice_mark",
    "warm_up",
]
