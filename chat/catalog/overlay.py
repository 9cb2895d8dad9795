"""The curated overlay: what the providers' listings do not say (vision, reasoning, tools, free-tier TPM, image
limits), for the chat models they serve today. Without a key, or when a listing fails, it is the whole catalog.

Checked on 2026-12-02 against the providers' pages; every figure, its source and its date is in
`docs/providers.md`. When a provider changes, this table, `chat/catalog/retired.py` and that page change together.
"""

from __future__ import annotations

from typing import Any

from chat.catalog.spec import ModelSpec, Reasoning

GROQ_TPM = 8_000
"""Free plan, per organization, for gpt-oss-20b/120b and qwen3.8-27b (console.groq.com/docs/rate-limits)."""
GROQ_OUTPUT = 1_000
"""Default max output on Groq: room for low-effort reasoning and an answer, and within the 1,000 output tokens per
minute some free organizations are held to (docs/providers.md, "Groq output tokens")."""

_GPT_OSS = Reasoning("gpt-oss", ("low", "medium", "high"), default="low")
_QWEN = Reasoning("qwen", ("none", "default", "low", "medium", "high"), default="low")
_MISTRAL = Reasoning("mistral", ("none", "high"), default="none")

_GROQ_VISION: dict[str, Any] = {
    "max_images": 3,
    "max_image_pixels": 33_177_600,
    "max_image_bytes": 3_000_000,
    "max_request_image_bytes": 4 * 1024 * 1024,
    "image_tokens": 2_048,
}
_MISTRAL_VISION: dict[str, Any] = {
    "max_images": 8,
    "max_image_pixels": 10_000 * 10_000,
    "max_image_bytes": 10 * 1024 * 1024,
}
_MISTRAL_CONTEXT = 262_144


def _groq(
    model_id: str, label: str, max_output: int, temperature: float, reasoning: Reasoning, **extra: Any
) -> ModelSpec:
    return ModelSpec(
        id=model_id,
        provider="groq",
        label=label,
        context_length=131_072,
        max_output=max_output,
        default_output=GROQ_OUTPUT,
        max_temperature=2.0,
        default_temperature=temperature,
        tools=True,
        reasoning=reasoning,
        tpm=GROQ_TPM,
        **extra,
    )


def _mistral(model_id: str, label: str, reasoning: Reasoning | None = None, vision: bool = True) -> ModelSpec:
    return ModelSpec(
        id=model_id,
        provider="mistral",
        label=label,
        context_length=_MISTRAL_CONTEXT,
        max_output=32_768,
        default_output=2_048,
        max_temperature=1.5,
        default_temperature=0.3,
        vision=vision,
        tools=True,
        reasoning=reasoning,
        **(_MISTRAL_VISION if vision else {}),
    )


OVERLAY: dict[str, ModelSpec] = {
    m.id: m
    for m in (
        _groq("openai/gpt-oss-20b", "GPT-OSS 20B", 65_536, 1.0, _GPT_OSS),
        _groq("openai/gpt-oss-120b", "GPT-OSS 120B", 65_536, 1.0, _GPT_OSS),
        _groq("qwen/qwen3.8-27b", "Qwen3.8 27B (vision)", 16_384, 0.6, _QWEN, vision=True, **_GROQ_VISION),
        _mistral("mistral-small-latest", "Mistral Small 4 (vision)", _MISTRAL),
        _mistral("mistral-medium-latest", "Mistral Medium 3.5 (vision)", _MISTRAL),
        _mistral("mistral-large-latest", "Mistral Large 3 (vision)"),
        _mistral("ministral-14b-latest", "Ministral 3 14B (vision)"),
        _mistral("codestral-latest", "Codestral", vision=False),
    )
}

DEFAULT_MODELS: dict[str, str] = {"groq": "openai/gpt-oss-20b", "mistral": "mistral-small-latest"}
"""Each provider's default: Groq's named successor of seed 004's `llama-3.1-8b-instant`, and Mistral's small model."""

NOT_CHAT = ("whisper", "tts", "orpheus", "playai", "guard", "embed", "ocr", "voxtral", "moderation", "transcribe")
"""Words in a listed id that mark it as not a chat model (speech, embeddings, OCR, moderation, guard models)."""
