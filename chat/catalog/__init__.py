"""The models Charla offers: each provider's own listing merged with a curated overlay, and the retired ids that
keep working through their successors.

- :mod:`~chat.catalog.spec`: `ModelSpec` (limits), `Reasoning` (how a model thinks), `Listed` (a listing's entry)
- :mod:`~chat.catalog.overlay`: what the listings do not say, for today's chat models
- :mod:`~chat.catalog.retired`: retired id -> successor, date, source
- :mod:`~chat.catalog.live`: listings fetched and cached, merged; ids resolved to the model that answers
"""

from chat.catalog.live import (
    CACHE,
    Offer,
    Resolved,
    default_model,
    get_model,
    known,
    larger_model_than,
    offer_for,
    offered,
    overlay_of,
    resolve,
    retirement,
    successor_for,
    vision_model_for,
)
from chat.catalog.overlay import DEFAULT_MODELS, OVERLAY
from chat.catalog.retired import RETIRED, Retirement
from chat.catalog.spec import Listed, ModelSpec, Reasoning

__all__ = [
    "CACHE",
    "DEFAULT_MODELS",
    "OVERLAY",
    "RETIRED",
    "Listed",
    "ModelSpec",
    "Offer",
    "Reasoning",
    "Resolved",
    "Retirement",
    "default_model",
    "get_model",
    "known",
    "larger_model_than",
    "offer_for",
    "offered",
    "overlay_of",
    "resolve",
    "retirement",
    "successor_for",
    "vision_model_for",
]
