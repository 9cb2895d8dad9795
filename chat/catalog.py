"""The models Charla offers and the limits each one is held to (seed 000's CHAT_SETTING_LIMITS, applied).

Sources: Groq's and Mistral's model and vision pages (see `../shared/reference/sdk.md`). `tpm` is the provider's
tokens-per-minute on its free/on-demand tier where published; Groq counts prompt + max output against it, so
a single request larger than `tpm` can never succeed and is refused before sending.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat.config import Provider
from chat.errors import UnknownModel


@dataclass(frozen=True)
class ModelSpec:
    """One model and its limits."""

    id: str
    provider: Provider
    label: str
    context_length: int
    """Tokens the model accepts (prompt + output)."""
    max_output: int
    """Largest max-output-tokens setting the model takes."""
    default_output: int
    """Max output used when the user sets none."""
    max_temperature: float
    vision: bool = False
    tpm: int | None = None
    """Provider's tokens per minute, when published."""
    max_images: int = 0
    """Images per request (0 without vision)."""
    max_image_pixels: int = 0
    """Pixels per image the provider accepts."""
    max_image_bytes: int = 0
    """Bytes per image (decoded) the provider accepts."""
    max_request_image_bytes: int = 0
    """Bytes of base64 image data per request (0: no separate cap)."""
    min_temperature: float = 0.0
    default_temperature: float = 0.7

    @property
    def request_budget(self) -> int:
        """Tokens one request may hold, prompt and output together."""
        return min(self.context_length, self.tpm) if self.tpm else self.context_length

    def input_budget(self, max_output: int | None = None) -> int:
        """Prompt tokens one request may hold when `max_output` tokens are reserved for the reply."""
        return self.request_budget - (max_output if max_output is not None else self.default_output)


_GROQ_VISION = {
    "max_images": 5,
    "max_image_pixels": 33_177_600,
    "max_image_bytes": 3_000_000,
    "max_request_image_bytes": 4 * 1024 * 1024,
}
_MISTRAL_VISION = {"max_images": 8, "max_image_pixels": 10_000 * 10_000, "max_image_bytes": 10 * 1024 * 1024}

MODELS: dict[str, ModelSpec] = {
    m.id: m
    for m in (
        ModelSpec("llama-3.1-8b-instant", "groq", "Llama 3.1 8B Instant", 131_072, 8_192, 1_024, 2.0, tpm=6_000),
        ModelSpec(
            "llama-3.3-70b-versatile", "groq", "Llama 3.3 70B Versatile", 131_072, 32_768, 2_048, 2.0, tpm=12_000
        ),
        ModelSpec(
            "meta-llama/llama-4-scout-17b-16e-instruct",
            "groq",
            "Llama 4 Scout 17B (vision)",
            131_072,
            8_192,
            2_048,
            2.0,
            vision=True,
            tpm=30_000,
            **_GROQ_VISION,
        ),
        ModelSpec(
            "mistral-small-latest",
            "mistral",
            "Mistral Small (vision)",
            131_072,
            32_768,
            2_048,
            1.5,
            vision=True,
            **_MISTRAL_VISION,
        ),
        ModelSpec(
            "mistral-medium-latest",
            "mistral",
            "Mistral Medium (vision)",
            131_072,
            32_768,
            2_048,
            1.5,
            vision=True,
            **_MISTRAL_VISION,
        ),
        ModelSpec("mistral-large-latest", "mistral", "Mistral Large", 131_072, 32_768, 2_048, 1.5),
        ModelSpec(
            "pixtral-12b-2409",
            "mistral",
            "Pixtral 12B (vision)",
            131_072,
            8_192,
            2_048,
            1.5,
            vision=True,
            **_MISTRAL_VISION,
        ),
    )
}


def get_model(model_id: str) -> ModelSpec:
    """The spec of `model_id`; UnknownModel listing the choices otherwise."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise UnknownModel(model=model_id, options=", ".join(MODELS)) from None


def models_of(provider: Provider) -> list[ModelSpec]:
    """The provider's models, in catalogue order."""
    return [m for m in MODELS.values() if m.provider == provider]


def vision_model_for(provider: Provider | None = None) -> ModelSpec:
    """A vision model to suggest, preferring `provider`'s own."""
    candidates = [m for m in MODELS.values() if m.vision]
    same = [m for m in candidates if m.provider == provider]
    return (same or candidates)[0]


def larger_model_than(spec: ModelSpec, needed: int = 0) -> ModelSpec:
    """A model to switch to for a request of `needed` prompt tokens: the same provider first, the smallest that
    fits, else the one with the largest budget."""
    others = [m for m in MODELS.values() if m.id != spec.id]
    fitting = [m for m in others if m.input_budget() >= needed]
    if fitting:
        return min(fitting, key=lambda m: (m.provider != spec.provider, m.input_budget()))
    return max(others, key=lambda m: m.input_budget())
