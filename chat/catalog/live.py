"""The catalog as the providers serve it now.

For each provider that has a key (the server's or the session's own), `offered()` reads the provider's
`GET /models` through its SDK, keeps it for `TTL` seconds (per provider, host and key digest), and merges it with
the overlay: an overlay model the provider no longer lists is not offered; a listed chat model the overlay does not
know is offered with conservative limits (`ModelSpec.verified` False). Without a key, or when the listing fails or
holds no chat model, the overlay alone is offered and the failure is kept for the settings to show.

`resolve()` turns the id a person or a client asked for into the model that answers: a retired id becomes its
successor (`chat.catalog.retired`, plus any retirement a Mistral listing announces), and an id only a listing knows
gets its conservative spec.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from pydantic import SecretStr

from chat import config
from chat.catalog.overlay import DEFAULT_MODELS, OVERLAY
from chat.catalog.retired import RETIRED, Retirement
from chat.catalog.spec import Listed, ModelSpec
from chat.config import PROVIDERS, Provider
from chat.errors import ChatError, EmptyListing, UnknownModel

TTL = 3600.0
"""Seconds a provider's listing is kept before it is read again."""
FAILED_TTL = 60.0
"""Seconds a failed listing is kept (so a provider that is down is not asked on every page draw)."""
LISTING_TIMEOUT = 5.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class Listing:
    """One provider's answer to `GET /models` for one key, or why there is none."""

    provider: Provider
    models: tuple[Listed, ...]
    fetched_at: float
    error: ChatError | None = None


@dataclass(frozen=True)
class Offer:
    """What the model picker shows for one provider, and where the list came from."""

    provider: Provider
    models: tuple[ModelSpec, ...]
    source: Literal["live", "overlay"]
    error: ChatError | None = None
    """Why the live list is not shown (None: it is, or there is no key to ask with)."""


@dataclass(frozen=True)
class Resolved:
    """The model that answers a request for `asked`, and the retirement that moved it, if any."""

    spec: ModelSpec
    asked: str
    retirement: Retirement | None = None


def _fetch(provider: Provider, key: SecretStr) -> tuple[Listed, ...]:
    from chat.providers import get_provider

    client = get_provider(provider, key, base_url=config.base_url(provider), timeout=LISTING_TIMEOUT)
    return tuple(client.list_models())


class ListingCache:
    """Listings per (provider, host, key digest), read again after `TTL` (`FAILED_TTL` after a failure)."""

    def __init__(self, *, clock: Clock = time.monotonic, fetch: Callable[..., tuple[Listed, ...]] = _fetch) -> None:
        self._clock = clock
        self._fetch = fetch
        self._entries: dict[tuple[str, str | None, str], Listing] = {}
        self._locks: dict[tuple[str, str | None, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, provider: Provider, key: SecretStr, *, refresh: bool = False) -> Listing:
        """The listing for `key`, read from the provider when missing, stale or `refresh` is asked."""
        slot = (provider, config.base_url(provider), config.key_digest(key))
        with self._lock:
            lock = self._locks.setdefault(slot, threading.Lock())
        with lock:  # one reader per slot; the others wait for its answer
            entry = self._entries.get(slot)
            if entry is None or refresh or self._stale(entry):
                entry = self._read(provider, key)
                with self._lock:
                    self._entries[slot] = entry
            return entry

    def _stale(self, entry: Listing) -> bool:
        return self._clock() - entry.fetched_at >= (FAILED_TTL if entry.error else TTL)

    def _read(self, provider: Provider, key: SecretStr) -> Listing:
        try:
            listed = self._fetch(provider, key)
        except ChatError as e:
            return Listing(provider, (), self._clock(), e)
        if not any(m.chat for m in listed):
            return Listing(provider, listed, self._clock(), EmptyListing(provider))
        return Listing(provider, listed, self._clock())

    def find(self, model_id: str) -> Listed | None:
        """The listed entry named `model_id` (or aliased so) in any listing held, if one is."""
        with self._lock:
            listings = [e for e in self._entries.values() if e.error is None]
        for listing in listings:
            for entry in listing.models:
                if model_id == entry.id or model_id in entry.aliases:
                    return entry
        return None

    def drop(self, provider: Provider | None = None) -> None:
        """Forget the listings of `provider` (all when None), so the next look reads them again."""
        with self._lock:
            for slot in [s for s in self._entries if provider is None or s[0] == provider]:
                del self._entries[slot]


CACHE = ListingCache()


def overlay_of(provider: Provider) -> tuple[ModelSpec, ...]:
    """The overlay's models of `provider`, in catalog order."""
    return tuple(m for m in OVERLAY.values() if m.provider == provider)


def _refined(spec: ModelSpec, entry: Listed) -> ModelSpec:
    """An overlay spec with the limits the provider's listing gives (the listing is the provider's word)."""
    context = entry.context_length or spec.context_length
    max_output = min(entry.max_output or spec.max_output, context)
    return replace(
        spec, context_length=context, max_output=max_output, default_output=min(spec.default_output, max_output)
    )


UNVERIFIED_OUTPUT = 4_096
UNVERIFIED_GROQ_TPM = 6_000


def unverified(entry: Listed) -> ModelSpec:
    """A listed model the overlay does not know: usable, with conservative limits (no reasoning parameters, tools
    only where Mistral's card says so, images only on Mistral with its published limits)."""
    mistral = entry.provider == "mistral"
    vision = bool(entry.vision) and mistral
    images = OVERLAY["mistral-small-latest"] if vision else None
    max_output = min(entry.max_output or UNVERIFIED_OUTPUT, UNVERIFIED_OUTPUT)
    return ModelSpec(
        id=entry.id,
        provider=entry.provider,
        label=entry.id,
        context_length=entry.context_length or 32_768,
        max_output=max_output,
        default_output=min(1_024, max_output),
        max_temperature=1.0,
        default_temperature=entry.default_temperature if entry.default_temperature is not None else 0.7,
        vision=vision,
        tools=bool(entry.tools) and mistral,
        tpm=None if mistral else UNVERIFIED_GROQ_TPM,
        max_images=images.max_images if images else 0,
        max_image_pixels=images.max_image_pixels if images else 0,
        max_image_bytes=images.max_image_bytes if images else 0,
        verified=False,
    )


def merge(listing: Listing) -> tuple[ModelSpec, ...]:
    """The overlay models the listing still holds (with its limits), then the listed chat models it does not know."""
    chat = [m for m in listing.models if m.chat and not _retired_by_listing(m)]
    out: list[ModelSpec] = []
    covered: set[str] = set()
    for spec in overlay_of(listing.provider):
        entry = next((m for m in chat if spec.id == m.id or spec.id in m.aliases), None)
        if entry is not None:
            out.append(_refined(spec, entry))
            covered |= {entry.id, *entry.aliases}
    for entry in sorted(chat, key=lambda m: m.id):
        names = {entry.id, *entry.aliases}
        if names & covered or names & set(OVERLAY) or entry.id in RETIRED:
            continue
        covered |= names
        out.append(unverified(entry))
    return tuple(out)


def offered(provider: Provider, key: SecretStr | None, *, refresh: bool = False) -> Offer:
    """The models to offer for `provider` with `key` (None: no key, the overlay alone)."""
    if key is None:
        return Offer(provider, overlay_of(provider), "overlay")
    listing = CACHE.get(provider, key, refresh=refresh)
    if listing.error is not None:
        return Offer(provider, overlay_of(provider), "overlay", listing.error)
    return Offer(provider, merge(listing), "live")


def offer_for(
    provider: Provider, session_keys: Mapping[Provider, SecretStr | str | None] | None = None, *, refresh: bool = False
) -> Offer:
    """The models to offer for `provider` with the key a session would use (its own, else the server's)."""
    return offered(provider, config.keys_in_use(session_keys).get(provider), refresh=refresh)


def _retired_by_listing(entry: Listed) -> bool:
    return bool(entry.retired_on and entry.replacement and entry.retired_on <= date.today().isoformat())


def retirement(model_id: str) -> Retirement | None:
    """Why `model_id` is answered by another model: Charla's map, or a retirement the provider's listing announced."""
    known = RETIRED.get(model_id)
    if known is not None:
        return known
    entry = CACHE.find(model_id)
    if entry is not None and _retired_by_listing(entry) and entry.replacement:
        return Retirement(model_id, entry.provider, entry.retired_on or "", entry.replacement, "GET /v1/models")
    return None


def known(model_id: str) -> ModelSpec | None:
    """The spec of a current model: the overlay's, else a listing's (conservative), else None."""
    spec = OVERLAY.get(model_id)
    if spec is not None:
        return spec
    entry = CACHE.find(model_id)
    if entry is None or not entry.chat:
        return None
    overlaid = next((OVERLAY[a] for a in entry.aliases if a in OVERLAY), None)
    return overlaid or unverified(entry)


def get_model(model_id: str) -> ModelSpec:
    """The spec of the current model `model_id`; UnknownModel listing the choices otherwise."""
    spec = known(model_id)
    if spec is None:
        raise UnknownModel(model=model_id, options=", ".join(OVERLAY))
    return spec


def resolve(model_id: str, keys: Mapping[Provider, SecretStr] | None = None) -> Resolved:
    """The model that answers a request for `model_id`; UnknownModel when no provider serves such a model.

    `keys` (the keys in use per provider) let an id Charla does not know be looked up in those providers'
    listings before it is refused.
    """
    moved = retirement(model_id)
    target = moved.successor if moved is not None else model_id
    spec = known(target)
    if spec is None and keys:
        for provider, key in keys.items():
            CACHE.get(provider, key)
        moved = moved or retirement(model_id)
        spec = known(moved.successor if moved is not None else model_id)
    if spec is None:
        raise UnknownModel(model=model_id, options=", ".join(OVERLAY))
    return Resolved(spec, model_id, moved)


def default_model(providers: Iterable[Provider] = PROVIDERS) -> str:
    """The default model: Groq's when Groq is among `providers` (those with a key), else Mistral's."""
    have = set(providers)
    return next((DEFAULT_MODELS[p] for p in PROVIDERS if p in have), DEFAULT_MODELS["groq"])


def vision_model_for(provider: Provider | None = None) -> ModelSpec:
    """A vision model to suggest, preferring `provider`'s own."""
    candidates = [m for m in OVERLAY.values() if m.vision]
    same = [m for m in candidates if m.provider == provider]
    return (same or candidates)[0]


def larger_model_than(spec: ModelSpec, needed: int = 0) -> ModelSpec:
    """A model to switch to for a request of `needed` prompt tokens: the same provider first, the smallest that
    fits, else the one with the largest budget."""
    others = [m for m in OVERLAY.values() if m.id != spec.id]
    fitting = [m for m in others if m.input_budget() >= needed]
    if fitting:
        return min(fitting, key=lambda m: (m.provider != spec.provider, m.input_budget()))
    return max(others, key=lambda m: m.input_budget())


def successor_for(model_id: str, provider: str) -> ModelSpec:
    """The model to switch to when `model_id` stops being served: its mapped successor, else the provider's default
    or, when `model_id` could see, the provider's first other vision model."""
    moved = RETIRED.get(model_id)
    if moved is not None and moved.successor in OVERLAY:
        return OVERLAY[moved.successor]
    own: Provider = "mistral" if provider == "mistral" else "groq"
    gone = known(model_id)
    others = [m for m in overlay_of(own) if m.id != model_id]
    if gone is not None and gone.vision:
        others = [m for m in others if m.vision] or others
    default = DEFAULT_MODELS[own]
    return next((m for m in others if m.id == default), others[0])
