"""What Charla knows of one model (`ModelSpec`), of how it reasons (`Reasoning`), and what a provider's own
`GET /models` said of it (`Listed`). Plain frozen values: no provider SDK, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chat.config import Provider

ReasoningStyle = Literal["gpt-oss", "qwen", "mistral"]
"""How a model takes its reasoning parameters and streams its thinking:

- `gpt-oss` (Groq `openai/gpt-oss-*`): `reasoning_effort` low|medium|high, thinking in `delta.reasoning`; the model
  refuses `reasoning_format`.
- `qwen` (Groq `qwen/*`): `reasoning_format: "parsed"` puts the thinking in `delta.reasoning` (otherwise it comes as
  `<think>…</think>` inside the content); `reasoning_effort` none|default|low|medium|high.
- `mistral` (Mistral Small 4, Medium 3.5): `reasoning_effort` none|high; thinking arrives as typed `thinking` content
  chunks before the text.
"""


@dataclass(frozen=True)
class Reasoning:
    """A reasoning model: its wire style, the efforts it takes, and the one Charla asks for by default."""

    style: ReasoningStyle
    efforts: tuple[str, ...]
    default: str | None = None
    """Effort sent when the person chose none (None: send nothing, the provider's default applies)."""


@dataclass(frozen=True)
class ModelSpec:
    """One model and the limits Charla holds it to."""

    id: str
    provider: Provider
    label: str
    context_length: int
    """Tokens the model accepts (prompt + output)."""
    max_output: int
    """Largest max-output-tokens setting the model takes (reasoning tokens count against it)."""
    default_output: int
    """Max output used when the person sets none."""
    max_temperature: float
    default_temperature: float = 0.7
    min_temperature: float = 0.0
    vision: bool = False
    tools: bool = False
    reasoning: Reasoning | None = None
    tpm: int | None = None
    """The provider's tokens per minute on its free tier, where published (Groq counts prompt + max output)."""
    max_images: int = 0
    """Images per request (0 without vision)."""
    max_image_pixels: int = 0
    max_image_bytes: int = 0
    """Bytes per image (decoded) the provider accepts."""
    max_request_image_bytes: int = 0
    """Bytes of base64 image data per request (0: no separate cap)."""
    image_tokens: int | None = None
    """Tokens the provider counts per image, when it publishes a flat figure."""
    verified: bool = True
    """False for a model the provider lists but Charla's overlay does not know: conservative limits."""

    @property
    def request_budget(self) -> int:
        """Tokens one request may hold, prompt and output together."""
        return min(self.context_length, self.tpm) if self.tpm else self.context_length

    def input_budget(self, max_output: int | None = None) -> int:
        """Prompt tokens one request may hold when `max_output` tokens are reserved for the reply."""
        return self.request_budget - (max_output if max_output is not None else self.default_output)


@dataclass(frozen=True)
class Listed:
    """One entry of a provider's `GET /models`, in neutral words (None: the listing does not say)."""

    id: str
    provider: Provider
    chat: bool
    """A chat model (not speech, embeddings, OCR, moderation or a guard model)."""
    context_length: int | None = None
    max_output: int | None = None
    vision: bool | None = None
    tools: bool | None = None
    default_temperature: float | None = None
    aliases: tuple[str, ...] = ()
    retired_on: str | None = None
    """ISO date the provider set for its retirement (Mistral's `deprecation`), if any."""
    replacement: str | None = None
    """The model the provider names instead (Mistral's `deprecation_replacement_model`)."""
